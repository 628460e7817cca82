package flowsim

import (
	"net/http"
	"strings"
	"time"
)

// Fault is an injected behaviour of customer/charge.
type Fault string

// Faults. The "AfterCommit" ones record the charge first (with the outcome
// the card and amount rules give), so money moved as far as the ledger and
// payment/getStatusByCommerceId are concerned, and then spoil the answer.
const (
	// FaultNone: no injected behaviour (the card and amount rules apply).
	FaultNone Fault = ""
	// FaultApprove: the charge is paid whatever the card and amount.
	FaultApprove Fault = "approve"
	// FaultDecline: the charge is rejected (status 3, lastError -6).
	FaultDecline Fault = "decline"
	// FaultServerError: HTTP 500 before anything is recorded.
	FaultServerError Fault = "server_error"
	// FaultErrorAfterCommit: recorded, then HTTP 502.
	FaultErrorAfterCommit Fault = "error_after_commit"
	// FaultDropAfterCommit: recorded, then the connection is closed with no
	// answer.
	FaultDropAfterCommit Fault = "drop_after_commit"
	// FaultHangAfterCommit: recorded, then the answer is withheld until the
	// client gives up (its timeout or context) or Release is called.
	FaultHangAfterCommit Fault = "hang_after_commit"
)

func (f Fault) valid() bool {
	switch f {
	case FaultNone, FaultApprove, FaultDecline, FaultServerError, FaultErrorAfterCommit,
		FaultDropAfterCommit, FaultHangAfterCommit:
		return true
	}
	return false
}

// faults is the injected behaviour; Server.mu guards it.
type faults struct {
	latency     map[string]time.Duration // by service; "" = every call
	failNext    int
	failStatus  int
	nextCharges []Fault
	byCard      map[string]Fault // by card number or last 4 digits
	byCustomer  map[string]Fault
	dailyQuota  int
	release     chan struct{} // closed by Release
}

func newFaults(dailyQuota int) faults {
	return faults{
		latency:    map[string]time.Duration{},
		byCard:     map[string]Fault{},
		byCustomer: map[string]Fault{},
		dailyQuota: dailyQuota,
		release:    make(chan struct{}),
	}
}

// SetLatency delays every call of service ("customer/charge") by d before
// it is processed; service "" applies to every API call (a per-service value
// wins). d ≤ 0 removes it. A client that gives up while waiting leaves no
// trace: nothing was processed.
func (s *Server) SetLatency(service string, d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	service = strings.Trim(service, "/")
	if d <= 0 {
		delete(s.fault.latency, service)
		return
	}
	s.fault.latency[service] = d
}

// FailNext makes the next n API calls answer status (500–599; other values
// mean 500) with an HTML body, before anything is processed.
func (s *Server) FailNext(n, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if status < 500 || status > 599 {
		status = http.StatusInternalServerError
	}
	s.fault.failNext = max(n, 0)
	s.fault.failStatus = status
}

// FaultNextCharges applies f to the next n customer/charge calls that pass
// validation (customer found, card registered, quota left), whatever the
// customer; it wins over customer and card rules.
func (s *Server) FaultNextCharges(n int, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !f.valid() {
		return
	}
	s.fault.nextCharges = s.fault.nextCharges[:0]
	for range max(n, 0) {
		s.fault.nextCharges = append(s.fault.nextCharges, f)
	}
}

// SetCardFault applies f to every charge to a card, named by its number or
// its last four digits; FaultNone removes the rule. Customer rules win.
func (s *Server) SetCardFault(card string, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	card = strings.ReplaceAll(card, " ", "")
	if f == FaultNone || !f.valid() {
		delete(s.fault.byCard, card)
		return
	}
	s.fault.byCard[card] = f
}

// SetCustomerFault applies f to every charge to a customer ("cus_…");
// FaultNone removes the rule.
func (s *Server) SetCustomerFault(customerID string, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f == FaultNone || !f.valid() {
		delete(s.fault.byCustomer, customerID)
		return
	}
	s.fault.byCustomer[customerID] = f
}

// SetDailyQuota limits customer/charge calls per customer per UTC day (as
// the sandbox does after ≈6); 0 removes the limit. Calls refused by the
// quota do not count.
func (s *Server) SetDailyQuota(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fault.dailyQuota = max(n, 0)
}

// Release lets every answer withheld by FaultHangAfterCommit so far go out
// (to clients still waiting for it), including one whose charge is
// committed and whose OnCharge hook is running.
func (s *Server) Release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	close(s.fault.release)
	s.fault.release = make(chan struct{})
}

// OnCharge sets a hook called with the ledger entry of every committed
// customer/charge, before its answer is written (or withheld, dropped or
// spoiled by a fault); nil removes it. It runs on the request's goroutine
// without locks held: it may call the Server (Release, Ledger), and the
// answer waits for it. Tests use it to act exactly after a commit.
func (s *Server) OnCharge(hook func(Entry)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onCharge = hook
}

// ResetFaults removes every injected fault, latency and the quota.
func (s *Server) ResetFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	rel := s.fault.release
	s.fault = newFaults(0)
	s.fault.release = rel
}

// waitLatency waits the latency set for service; false if the client went
// away (or the server closed) first.
func (s *Server) waitLatency(r *http.Request, service string) bool {
	s.mu.Lock()
	d, ok := s.fault.latency[service]
	if !ok {
		d = s.fault.latency[""]
	}
	s.mu.Unlock()
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-s.closed:
		return true
	case <-r.Context().Done():
		return false
	}
}

// takeFailure consumes one FailNext; 0 when none is pending.
func (s *Server) takeFailure() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fault.failNext == 0 {
		return 0
	}
	s.fault.failNext--
	return s.fault.failStatus
}

// chargeFault returns the injected fault for a charge (consuming one
// FaultNextCharges); the caller holds s.mu.
func (s *Server) chargeFault(c *customer) Fault {
	if len(s.fault.nextCharges) > 0 {
		f := s.fault.nextCharges[0]
		s.fault.nextCharges = s.fault.nextCharges[1:]
		return f
	}
	if f, ok := s.fault.byCustomer[c.id]; ok {
		return f
	}
	if c.card != nil {
		if f, ok := s.fault.byCard[c.card.Number]; ok {
			return f
		}
		if f, ok := s.fault.byCard[c.card.Last4()]; ok {
			return f
		}
	}
	return FaultNone
}

// hold withholds an answer until rel is closed (Release) or the server
// closes (true: answer now), or until the client goes away (false).
func (s *Server) hold(r *http.Request, rel <-chan struct{}) bool {
	select {
	case <-rel:
		return true
	case <-s.closed:
		return true
	case <-r.Context().Done():
		return false
	}
}
