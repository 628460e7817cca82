package flowsim

import (
	"cmp"
	"encoding/json"
	"slices"
	"strconv"
	"time"

	"github.com/cuota/cuota/internal/gateway/flow"
)

// Ledger entry kinds.
const (
	KindCharge  = "charge"  // customer/charge
	KindPayment = "payment" // payment/create
	KindRefund  = "refund"  // refund/create
)

// Entry is one line of the ledger: a charge, payment or refund the server
// accepted (a rejected charge too: it reached the card).
type Entry struct {
	Kind          string // KindCharge, KindPayment or KindRefund
	FlowOrder     int64  // flowOrder; flowRefundOrder for refunds
	CommerceOrder string // the merchant's order; refundCommerceOrder for refunds
	CustomerID    string // charges only
	Amount        int64
	Currency      string
	// Status is the payment status of charges and payments
	// (flow.PaymentPending … flow.PaymentCancelled); 0 for refunds.
	Status int
	// RefundStatus is a refund's status (flow.RefundCreated …).
	RefundStatus string
	Token        string
	// RefundOf is the flowOrder a refund returns money of.
	RefundOf int64
	// Card is the last four digits of the card a charge (or a payment paid
	// on the hosted page with a chosen card) went to.
	Card    string
	Created time.Time
	// Expires is when a payment stops being payable (payment/create's
	// timeout); zero when it never expires.
	Expires time.Time
}

// MovedMoney reports whether the entry moved money: a paid charge or
// payment, or a refunded refund.
func (e Entry) MovedMoney() bool {
	if e.Kind == KindRefund {
		return e.RefundStatus == flow.RefundRefunded
	}
	return e.Status == flow.PaymentPaid
}

// Notification is one server-to-server notification flowsim sent (a
// payment's urlConfirmation, a refund's urlCallBack): a form POST with only
// token, like Flow's.
type Notification struct {
	Kind       string // KindPayment or KindRefund
	URL        string
	Token      string
	HTTPStatus int    // 0 when no answer came
	Err        string // why no answer came
	// Alert is true when Flow would email the merchant an integration
	// alert: no 200 answer within 15 s.
	Alert bool
	Sent  time.Time
}

// customer is a Flow customer.
type customer struct {
	id         string
	num        int64 // Flow's internal number, shown in the quota error
	name       string
	email      string
	externalID string
	created    time.Time
	card       *TestCard // nil: no card (pay_mode manual)
	registered time.Time
	paidOnCard int            // charges paid with the current card
	perDay     map[string]int // charges per UTC day (the quota)
}

// registration is one customer/register enrolment.
type registration struct {
	token      string
	customerID string
	urlReturn  string
	done       bool
	card       *TestCard // the card registered; nil when it failed
}

// order is a charge or a payment.
type order struct {
	kind            string
	flowOrder       int64
	commerceOrder   string
	token           string
	customerID      string
	subject         string
	amount          int64
	currency        string
	payer           string
	optional        json.RawMessage
	status          int
	created         time.Time
	paid            time.Time
	urlConfirmation string
	urlReturn       string
	expires         time.Time // zero: never (no timeout sent)
	card            *TestCard
	lastErrCode     int
	lastErrMsg      string
	seq             int64
}

// refund is a refund/create.
type refund struct {
	token         string
	flowOrder     int64
	commerceOrder string
	receiver      string
	amount        int64
	currency      string
	urlCallBack   string
	status        string
	created       time.Time
	of            *order
	seq           int64
}

// state is everything the server remembers; Server.mu guards it.
type state struct {
	baseURL       string
	stringNumbers bool

	customers     map[string]*customer
	customerSeq   int64
	registrations map[string]*registration
	orders        []*order
	byToken       map[string]*order
	byFlowOrder   map[int64]*order
	refunds       []*refund
	refundByToken map[string]*refund
	nextFlowOrder int64
	nextRefund    int64
	seq           int64 // orders ledger lines across kinds
	notifications []Notification
}

func newState(baseURL string, stringNumbers bool) state {
	return state{
		baseURL:       baseURL,
		stringNumbers: stringNumbers,
		customers:     map[string]*customer{},
		customerSeq:   4000,
		registrations: map[string]*registration{},
		byToken:       map[string]*order{},
		byFlowOrder:   map[int64]*order{},
		refundByToken: map[string]*refund{},
		nextFlowOrder: 3100000,
		nextRefund:    700000,
	}
}

// num renders an integer for JSON.
func (st *state) num(v int64) any {
	if st.stringNumbers {
		return strconv.FormatInt(v, 10)
	}
	return json.Number(strconv.FormatInt(v, 10))
}

// newToken returns a token no object uses yet: 40 uppercase alphanumerics,
// like Flow's.
func (st *state) newToken() string {
	for {
		t := randomString(40, upperAlnum)
		_, a := st.byToken[t]
		_, b := st.registrations[t]
		_, c := st.refundByToken[t]
		if !a && !b && !c {
			return t
		}
	}
}

// newCustomerID returns "cus_" and 10 lowercase alphanumerics, unused.
func (st *state) newCustomerID() string {
	for {
		id := "cus_" + randomString(10, lowerAlnum)
		if _, ok := st.customers[id]; !ok {
			return id
		}
	}
}

// latestByCommerceOrder returns the newest charge or payment with the order
// id: Flow does not deduplicate, and which one it reports for a duplicate is
// not documented.
func (st *state) latestByCommerceOrder(commerceOrder string) *order {
	for i := len(st.orders) - 1; i >= 0; i-- {
		if st.orders[i].commerceOrder == commerceOrder {
			return st.orders[i]
		}
	}
	return nil
}

// expired reports whether a payment's timeout has passed at now.
func (o *order) expired(now time.Time) bool {
	return !o.expires.IsZero() && !now.Before(o.expires)
}

// paidByCommerceOrder returns a paid charge or payment with the order id.
func (st *state) paidByCommerceOrder(commerceOrder string) *order {
	for i := len(st.orders) - 1; i >= 0; i-- {
		if o := st.orders[i]; o.commerceOrder == commerceOrder && o.status == flow.PaymentPaid {
			return o
		}
	}
	return nil
}

// refundable returns how much of o is left to refund.
func (st *state) refundable(o *order) int64 {
	left := o.amount
	for _, r := range st.refunds {
		if r.of == o && r.status != flow.RefundRejected && r.status != flow.RefundCanceled {
			left -= r.amount
		}
	}
	return left
}

// CustomerIDs returns the ids of the customers created so far, sorted:
// tests check that a client never creates one customer twice.
func (s *Server) CustomerIDs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]string, 0, len(s.st.customers))
	for id := range s.st.customers {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// Ledger returns every charge, payment and refund, oldest first, with its
// current status.
func (s *Server) Ledger() []Entry {
	s.mu.Lock()
	defer s.mu.Unlock()
	type line struct {
		seq int64
		e   Entry
	}
	lines := make([]line, 0, len(s.st.orders)+len(s.st.refunds))
	for _, o := range s.st.orders {
		lines = append(lines, line{o.seq, s.entryOf(o)})
	}
	for _, r := range s.st.refunds {
		lines = append(lines, line{r.seq, Entry{
			Kind: KindRefund, FlowOrder: r.flowOrder, CommerceOrder: r.commerceOrder, Amount: r.amount,
			Currency: r.currency, RefundStatus: r.status, Token: r.token, RefundOf: r.of.flowOrder, Created: r.created,
		}})
	}
	slices.SortFunc(lines, func(a, b line) int { return cmp.Compare(a.seq, b.seq) })
	out := make([]Entry, len(lines))
	for i, l := range lines {
		out[i] = l.e
	}
	return out
}

// entryOf is the ledger entry of a charge or payment; the caller holds s.mu.
func (s *Server) entryOf(o *order) Entry {
	e := Entry{
		Kind: o.kind, FlowOrder: o.flowOrder, CommerceOrder: o.commerceOrder, CustomerID: o.customerID,
		Amount: o.amount, Currency: o.currency, Status: o.status, Token: o.token, Created: o.created, Expires: o.expires,
	}
	if o.card != nil {
		e.Card = o.card.Last4()
	}
	return e
}

// LedgerFor returns the ledger entries of one commerceOrder (charges and
// payments) or refundCommerceOrder (refunds).
func (s *Server) LedgerFor(commerceOrder string) []Entry {
	var out []Entry
	for _, e := range s.Ledger() {
		if e.CommerceOrder == commerceOrder {
			out = append(out, e)
		}
	}
	return out
}

// Notifications returns every server-to-server notification sent, oldest
// first.
func (s *Server) Notifications() []Notification {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Notification(nil), s.st.notifications...)
}
