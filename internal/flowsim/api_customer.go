package flowsim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/cuota/cuota/internal/gateway/flow"
)

func (s *Server) customerCreate(_ *http.Request, p url.Values) result {
	if missing(p, "name", "email", "externalId") {
		return result{err: errMissing()}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ext := p.Get("externalId")
	if !s.opts.AllowDuplicateExternalID {
		for _, c := range s.st.customers {
			if c.externalID == ext {
				return result{err: &apiError{http.StatusUnauthorized, CodeCustomerExists,
					fmt.Sprintf("A customer with externalId %s already exists", ext)}}
			}
		}
	}
	s.st.customerSeq++
	c := &customer{
		id: s.st.newCustomerID(), num: s.st.customerSeq, name: p.Get("name"), email: p.Get("email"),
		externalID: ext, created: s.now(), perDay: map[string]int{},
	}
	s.st.customers[c.id] = c
	return result{body: s.customerJSON(c)}
}

func (s *Server) customerGet(_ *http.Request, p url.Values) result {
	if missing(p, "customerId") {
		return result{err: errMissing()}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.st.customers[p.Get("customerId")]
	if !ok {
		return result{err: errCustomerNotFound()}
	}
	return result{body: s.customerJSON(c)}
}

func errCustomerNotFound() *apiError {
	return &apiError{http.StatusBadRequest, CodeCustomerNotFound, "Customer not found"}
}

func (s *Server) customerRegister(r *http.Request, p url.Values) result {
	if missing(p, "customerId", "url_return") {
		return result{err: errMissing()}
	}
	if !validURL(p.Get("url_return")) {
		return result{err: errInvalid("Invalid url_return")}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.st.customers[p.Get("customerId")]
	if !ok {
		return result{err: errCustomerNotFound()}
	}
	reg := &registration{token: s.st.newToken(), customerID: c.id, urlReturn: p.Get("url_return")}
	s.st.registrations[reg.token] = reg
	return result{body: map[string]any{"url": s.publicBase(r) + enrolPath, "token": reg.token}}
}

func (s *Server) customerRegisterStatus(_ *http.Request, p url.Values) result {
	if missing(p, "token") {
		return result{err: errMissing()}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	reg, ok := s.st.registrations[p.Get("token")]
	if !ok {
		return result{err: &apiError{http.StatusBadRequest, CodeTokenNotFound, "Token not found"}}
	}
	body := map[string]any{
		"status": "0", "customerId": reg.customerID, "creditCardType": nil,
		"last4CardDigits": nil, "cardNumber": nil, "issuerBank": nil,
	}
	if reg.card != nil {
		body["status"] = "1"
		body["creditCardType"] = reg.card.Brand
		body["last4CardDigits"] = reg.card.Last4()
		body["cardNumber"] = reg.card.masked()
		body["issuerBank"] = reg.card.IssuerBank
	}
	return result{body: body}
}

func (s *Server) customerUnregister(_ *http.Request, p url.Values) result {
	if missing(p, "customerId") {
		return result{err: errMissing()}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.st.customers[p.Get("customerId")]
	if !ok {
		return result{err: errCustomerNotFound()}
	}
	c.card = nil
	c.registered = time.Time{}
	c.paidOnCard = 0
	return result{body: s.customerJSON(c)}
}

// customerJSON renders a Customer; the caller holds s.mu.
func (s *Server) customerJSON(c *customer) map[string]any {
	m := map[string]any{
		"customerId": c.id, "created": fmtTime(c.created), "email": c.email, "name": c.name,
		"pay_mode": flow.PayModeManual, "creditCardType": nil, "last4CardDigits": nil,
		"externalId": c.externalID, "status": flow.CustomerActive, "registerDate": nil,
	}
	if c.card != nil {
		m["pay_mode"] = flow.PayModeAuto
		m["creditCardType"] = c.card.Brand
		m["last4CardDigits"] = c.card.Last4()
		m["registerDate"] = fmtTime(c.registered)
	}
	return m
}

func (s *Server) customerCharge(_ *http.Request, p url.Values) result {
	if missing(p, "customerId", "amount", "subject", "commerceOrder") {
		return result{err: errMissing()}
	}
	amount, currency, aerr := parseAmount(p.Get("amount"), p.Get("currency"))
	if aerr != nil {
		return result{err: aerr}
	}
	if o := p.Get("optionals"); o != "" && !json.Valid([]byte(o)) {
		return result{err: errInvalid("optionals must be JSON")}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.st.customers[p.Get("customerId")]
	if !ok {
		return result{err: errCustomerNotFound()}
	}
	if c.card == nil {
		return result{err: &apiError{http.StatusUnauthorized, CodeNoCard, "The customer does not have a registered card"}}
	}
	now := s.now()
	day := now.UTC().Format(time.DateOnly)
	if q := s.fault.dailyQuota; q > 0 && c.perDay[day] >= q {
		return result{err: &apiError{http.StatusBadRequest, CodeQuotaExceeded,
			fmt.Sprintf("The customer id: %d has exceeded the daily transaction quota", c.num)}}
	}
	co := p.Get("commerceOrder")
	if s.opts.RejectPaidCommerceOrder && s.st.paidByCommerceOrder(co) != nil {
		return result{err: errPreviouslyPaid(co)}
	}
	f := s.chargeFault(c)
	if f == FaultServerError {
		return result{after: FaultServerError}
	}
	o := &order{
		kind: KindCharge, commerceOrder: co, customerID: c.id, subject: p.Get("subject"),
		amount: amount, currency: currency, payer: c.email, created: now, card: c.card,
		optional: optionalJSON(p.Get("optionals")),
	}
	o.status, o.lastErrCode, o.lastErrMsg = chargeOutcome(c, amount, f)
	if o.status == flow.PaymentPaid {
		o.paid = now
		c.paidOnCard++
	}
	c.perDay[day]++
	s.addOrder(o)
	after := f
	if f == FaultNone && c.card.behaviour == hangAfterCommit {
		after = FaultHangAfterCommit
	}
	if after == FaultApprove || after == FaultDecline {
		after = FaultNone
	}
	entry := s.entryOf(o)
	return result{body: s.paymentJSON(o, false), after: after, release: s.fault.release, charged: &entry}
}

func errPreviouslyPaid(commerceOrder string) *apiError {
	return &apiError{http.StatusUnauthorized, CodePreviouslyPaid,
		fmt.Sprintf("This commerceOrder %s has been previously paid", commerceOrder)}
}

// chargeOutcome applies the fault, the card and the amount rule.
func chargeOutcome(c *customer, amount int64, f Fault) (status, code int, msg string) {
	const (
		general = "Rechazo general"
		funds   = "Excede monto máximo / fondos insuficientes"
		blocked = "Tarjeta bloqueada"
	)
	switch f {
	case FaultApprove:
		return flow.PaymentPaid, 0, ""
	case FaultDecline:
		return flow.PaymentRejected, flow.LastErrorGeneralRejection, general
	}
	switch c.card.behaviour {
	case rejectGeneral:
		return flow.PaymentRejected, flow.LastErrorGeneralRejection, general
	case rejectFunds:
		return flow.PaymentRejected, flow.LastErrorExceedsMaxAmount, funds
	case rejectBlocked:
		return flow.PaymentRejected, flow.LastErrorBlockedCard, blocked
	case payFirstOnly:
		if c.paidOnCard > 0 {
			return flow.PaymentRejected, flow.LastErrorGeneralRejection, general
		}
	}
	if amount%100 == InsufficientFundsSuffix {
		return flow.PaymentRejected, flow.LastErrorExceedsMaxAmount, funds
	}
	return flow.PaymentPaid, 0, ""
}
