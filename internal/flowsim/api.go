package flowsim

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/cuota/cuota/internal/gateway/flow"
)

// Errors of the test hooks (CompleteRegistration, CompletePayment,
// CompleteRefund, ResendNotification).
var (
	ErrUnknownToken     = errors.New("flowsim: unknown token")
	ErrAlreadyCompleted = errors.New("flowsim: already completed")
	ErrUnknownCard      = errors.New("flowsim: not a test card")
	ErrInvalidOutcome   = errors.New("flowsim: invalid outcome")
	// ErrExpired: the payment's timeout passed; it can no longer be paid.
	ErrExpired = errors.New("flowsim: payment expired")
)

// Hosted pages.
const (
	enrolPath = "/app/customer/disclaimer.php"
	payPath   = "/app/web/pay.php"
)

// callbackTimeout is how long Flow waits for a notification's answer.
const callbackTimeout = 15 * time.Second

const dateTimeLayout = "2006-01-02 15:04:05"

// chargeMedia and paymentMedia fill paymentData.media (not documented for
// card-on-file charges).
const (
	chargeMedia  = "Webpay Oneclick"
	paymentMedia = "Webpay"
)

func fmtTime(t time.Time) string { return t.UTC().Format(dateTimeLayout) }

// missing reports whether any of names is absent or blank in p.
func missing(p url.Values, names ...string) bool {
	for _, n := range names {
		if strings.TrimSpace(p.Get(n)) == "" {
			return true
		}
	}
	return false
}

var wholeAmount = regexp.MustCompile(`^[0-9]+(\.0+)?$`)

// parseAmount reads amount and currency. flowsim simulates CLP only (no
// decimals); UF and other currencies are refused.
func parseAmount(amount, currency string) (int64, string, *apiError) {
	if currency == "" {
		currency = flow.DefaultCurrency
	}
	if currency != flow.DefaultCurrency {
		return 0, "", &apiError{http.StatusBadRequest, CodeCurrencyNotSupported, "Currency not supported: " + currency}
	}
	amount = strings.TrimSpace(amount)
	if !wholeAmount.MatchString(amount) {
		if strings.Contains(amount, ".") {
			return 0, "", errInvalid("Amount can not contain decimals for this currency")
		}
		return 0, "", errInvalid("Amount is not numeric")
	}
	whole, _, _ := strings.Cut(amount, ".")
	v, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || v <= 0 {
		return 0, "", errInvalid("Invalid amount")
	}
	return v, currency, nil
}

// validURL reports whether u is an absolute http(s) URL.
func validURL(u string) bool {
	p, err := url.Parse(u)
	return err == nil && (p.Scheme == "http" || p.Scheme == "https") && p.Host != ""
}

// publicBase is the root URL of hosted pages; the caller holds s.mu.
func (s *Server) publicBase(r *http.Request) string {
	if s.st.baseURL != "" {
		return s.st.baseURL
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// ---- customers ----

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

// ---- charges ----

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

// optionalJSON keeps a JSON optional(s) value as sent (object or other
// JSON), and anything else as a JSON string.
func optionalJSON(v string) json.RawMessage {
	if v == "" {
		return nil
	}
	if json.Valid([]byte(v)) {
		return json.RawMessage(v)
	}
	b, _ := json.Marshal(v) // a string always encodes
	return b
}

// addOrder numbers and stores o; the caller holds s.mu.
func (s *Server) addOrder(o *order) {
	s.st.nextFlowOrder++
	s.st.seq++
	o.flowOrder = s.st.nextFlowOrder
	o.seq = s.st.seq
	o.token = s.st.newToken()
	s.st.orders = append(s.st.orders, o)
	s.st.byToken[o.token] = o
	s.st.byFlowOrder[o.flowOrder] = o
}

// ---- payments ----

func (s *Server) paymentCreate(r *http.Request, p url.Values) result {
	if missing(p, "commerceOrder", "subject", "amount", "email", "urlConfirmation", "urlReturn") {
		return result{err: errMissing()}
	}
	amount, currency, aerr := parseAmount(p.Get("amount"), p.Get("currency"))
	if aerr != nil {
		return result{err: aerr}
	}
	if !validURL(p.Get("urlConfirmation")) || !validURL(p.Get("urlReturn")) {
		return result{err: errInvalid("Invalid urlConfirmation or urlReturn")}
	}
	if pm := p.Get("paymentMethod"); pm != "" {
		if _, err := strconv.Atoi(pm); err != nil {
			return result{err: errInvalid("Invalid paymentMethod")}
		}
	}
	// timeout: seconds until the order expires; Flow's payment/create
	// leaves an order without one payable forever
	// (https://www.flow.cl/docs/api.html). An integer, so flowsim wants a
	// positive one.
	var timeout int64
	if v := strings.TrimSpace(p.Get("timeout")); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 || n > maxTimeout {
			return result{err: errInvalid("Invalid timeout")}
		}
		timeout = n
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	co := p.Get("commerceOrder")
	if s.opts.RejectPaidCommerceOrder && s.st.paidByCommerceOrder(co) != nil {
		return result{err: errPreviouslyPaid(co)}
	}
	now := s.now()
	o := &order{
		kind: KindPayment, commerceOrder: co, subject: p.Get("subject"), amount: amount, currency: currency,
		payer: p.Get("email"), optional: optionalJSON(p.Get("optional")), status: flow.PaymentPending,
		created: now, urlConfirmation: p.Get("urlConfirmation"), urlReturn: p.Get("urlReturn"),
	}
	if timeout > 0 {
		o.expires = now.Add(time.Duration(timeout) * time.Second)
	}
	s.addOrder(o)
	return result{body: map[string]any{
		"url": s.publicBase(r) + payPath, "token": o.token, "flowOrder": s.st.num(o.flowOrder),
	}}
}

// paymentStatus answers payment/getStatus* looking the order up by token,
// commerceId or flowOrder.
func (s *Server) paymentStatus(by string, extended bool) func(*http.Request, url.Values) result {
	return func(_ *http.Request, p url.Values) result {
		key := strings.TrimSpace(p.Get(by))
		if key == "" {
			return result{err: errMissing()}
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		var o *order
		switch by {
		case "token":
			o = s.st.byToken[key]
		case "commerceId":
			o = s.st.latestByCommerceOrder(key)
		case "flowOrder":
			n, err := strconv.ParseInt(key, 10, 64)
			if err != nil {
				return result{err: errInvalid("Invalid flowOrder")}
			}
			o = s.st.byFlowOrder[n]
		}
		if o == nil {
			return result{err: errTransactionNotFound()}
		}
		return result{body: s.paymentJSON(o, extended)}
	}
}

// paymentJSON renders a PaymentStatus; the caller holds s.mu.
func (s *Server) paymentJSON(o *order, extended bool) map[string]any {
	st := &s.st
	var optional any
	if o.optional != nil {
		optional = o.optional
	}
	data := map[string]any{
		"date": nil, "media": nil, "conversionDate": nil, "conversionRate": nil, "amount": nil,
		"currency": nil, "fee": nil, "balance": nil, "transferDate": nil,
	}
	if o.status == flow.PaymentPaid {
		fee := o.amount * 319 / 10000
		media := paymentMedia
		if o.kind == KindCharge {
			media = chargeMedia
		}
		data = map[string]any{
			"date": fmtTime(o.paid), "media": media, "conversionDate": nil, "conversionRate": nil,
			"amount": st.num(o.amount), "currency": o.currency, "fee": st.num(fee),
			"balance": st.num(o.amount - fee), "transferDate": o.paid.UTC().AddDate(0, 0, 3).Format(time.DateOnly),
		}
		if extended {
			data["mediaType"] = "Crédito"
			data["taxes"] = st.num(0)
			data["installments"] = st.num(1)
			data["autorizationCode"] = fmt.Sprintf("%06d", o.flowOrder%1000000)
			if o.card != nil {
				data["cardLast4Numbers"] = o.card.Last4()
				data["cardNumber"] = o.card.masked()
			}
		}
	}
	m := map[string]any{
		"flowOrder": st.num(o.flowOrder), "commerceOrder": o.commerceOrder, "requestDate": fmtTime(o.created),
		"status": st.num(int64(o.status)), "subject": o.subject, "currency": o.currency,
		"amount": st.num(o.amount), "payer": o.payer, "optional": optional,
		"pending_info": map[string]any{"media": nil, "date": nil}, "paymentData": data, "merchantId": nil,
	}
	if extended {
		m["lastError"] = nil
		if o.lastErrCode != 0 {
			m["lastError"] = map[string]any{"code": st.num(int64(o.lastErrCode)), "message": o.lastErrMsg, "medioCode": nil}
		}
	}
	return m
}

// maxTimeout bounds payment/create's timeout (ten years, in seconds): far
// beyond any real use, small enough for time.Duration.
const maxTimeout = 10 * 366 * 24 * 3600

// CompletePayment settles a pending payment/create payment as its payer
// would on the hosted page: status is flow.PaymentPaid, flow.PaymentRejected
// or flow.PaymentCancelled. It then POSTs token to the payment's
// urlConfirmation and returns that notification (whose failure is recorded
// in it, not returned as an error). A payment whose timeout has passed is
// ErrExpired and stays as it is.
func (s *Server) CompletePayment(ctx context.Context, token string, status int) (Notification, error) {
	if status != flow.PaymentPaid && status != flow.PaymentRejected && status != flow.PaymentCancelled {
		return Notification{}, fmt.Errorf("complete payment with status %d: %w", status, ErrInvalidOutcome)
	}
	return s.completePayment(ctx, token, func(*order) (int, int, string, *TestCard) {
		if status == flow.PaymentRejected {
			return status, flow.LastErrorGeneralRejection, "Rechazo general", nil
		}
		return status, 0, "", nil
	})
}

// PayWithCard settles a pending payment/create payment as a payer who paid
// on the hosted page with one of TestCards (by number): the card and the
// amount rule decide, as for customer/charge (a card that declines rejects
// the payment with its lastError; CardFailAfterFirst and
// CardTimeoutAfterCharge pay, there being no earlier charge and no
// withheld answer on a pay page). Then, like CompletePayment, it POSTs
// token to urlConfirmation and returns that notification.
func (s *Server) PayWithCard(ctx context.Context, token, cardNumber string) (Notification, error) {
	card, ok := findCard(cardNumber)
	if !ok {
		return Notification{}, fmt.Errorf("pay with card: %w", ErrUnknownCard)
	}
	return s.completePayment(ctx, token, func(o *order) (int, int, string, *TestCard) {
		status, code, msg := chargeOutcome(&customer{card: &card}, o.amount, FaultNone)
		return status, code, msg, &card
	})
}

// completePayment settles a pending payment with what decide says (status,
// lastError code and message, card) and notifies urlConfirmation.
func (s *Server) completePayment(ctx context.Context, token string, decide func(*order) (int, int, string, *TestCard)) (Notification, error) {
	s.mu.Lock()
	o, ok := s.st.byToken[token]
	if !ok || o.kind != KindPayment {
		s.mu.Unlock()
		return Notification{}, fmt.Errorf("complete payment: %w", ErrUnknownToken)
	}
	if o.status != flow.PaymentPending {
		s.mu.Unlock()
		return Notification{}, fmt.Errorf("complete payment %d: %w", o.flowOrder, ErrAlreadyCompleted)
	}
	if o.expired(s.now()) {
		s.mu.Unlock()
		return Notification{}, fmt.Errorf("complete payment %d: %w", o.flowOrder, ErrExpired)
	}
	o.status, o.lastErrCode, o.lastErrMsg, o.card = decide(o)
	if o.status == flow.PaymentPaid {
		o.paid = s.now()
	}
	target := o.urlConfirmation
	s.mu.Unlock()
	return s.notify(ctx, KindPayment, target, token), nil
}

// ---- refunds ----

func (s *Server) refundCreate(_ *http.Request, p url.Values) result {
	if missing(p, "refundCommerceOrder", "receiverEmail", "amount", "urlCallBack") ||
		(missing(p, "commerceTrxId") && missing(p, "flowTrxId")) {
		return result{err: errMissing()}
	}
	if !validURL(p.Get("urlCallBack")) {
		return result{err: errInvalid("Invalid urlCallBack")}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var of *order
	if v := p.Get("flowTrxId"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return result{err: errInvalid("Invalid flowTrxId")}
		}
		of = s.st.byFlowOrder[n]
	} else {
		of = s.st.paidByCommerceOrder(p.Get("commerceTrxId"))
		if of == nil {
			of = s.st.latestByCommerceOrder(p.Get("commerceTrxId"))
		}
	}
	if of == nil {
		return result{err: errTransactionNotFound()}
	}
	amount, currency, aerr := parseAmount(p.Get("amount"), of.currency)
	if aerr != nil {
		return result{err: aerr}
	}
	if of.status != flow.PaymentPaid {
		return result{err: &apiError{http.StatusUnauthorized, CodeRefundNotAllowed, "The transaction is not paid"}}
	}
	if amount > s.st.refundable(of) {
		return result{err: &apiError{http.StatusUnauthorized, CodeRefundNotAllowed, "The refund amount exceeds the refundable amount of the transaction"}}
	}
	s.st.nextRefund++
	s.st.seq++
	rf := &refund{
		token: s.st.newToken(), flowOrder: s.st.nextRefund, commerceOrder: p.Get("refundCommerceOrder"),
		receiver: p.Get("receiverEmail"), amount: amount, currency: currency, urlCallBack: p.Get("urlCallBack"),
		status: flow.RefundCreated, created: s.now(), of: of, seq: s.st.seq,
	}
	s.st.refunds = append(s.st.refunds, rf)
	s.st.refundByToken[rf.token] = rf
	if s.opts.AutoCompleteRefunds && !s.isClosed {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			ctx, cancel := s.closingContext()
			defer cancel()
			// Errors cannot happen: the refund exists and is still created
			// unless a test completed it first, which is fine.
			_, _ = s.CompleteRefund(ctx, rf.token, true)
		}()
	}
	return result{body: s.refundJSON(rf)}
}

func (s *Server) refundStatus(_ *http.Request, p url.Values) result {
	if missing(p, "token") {
		return result{err: errMissing()}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rf, ok := s.st.refundByToken[p.Get("token")]
	if !ok {
		return result{err: &apiError{http.StatusBadRequest, CodeTokenNotFound, "Token not found"}}
	}
	return result{body: s.refundJSON(rf)}
}

// refundJSON renders a RefundStatus; amounts are decimal strings as in
// Flow's example ("12000.00"). The caller holds s.mu.
func (s *Server) refundJSON(rf *refund) map[string]any {
	return map[string]any{
		"token": rf.token, "flowRefundOrder": s.st.num(rf.flowOrder), "date": fmtTime(rf.created),
		"status": rf.status, "amount": strconv.FormatInt(rf.amount, 10) + ".00", "fee": "0.00",
	}
}

// CompleteRefund settles a created refund as "refunded" (accept) or
// "rejected", then POSTs token to its urlCallBack and returns that
// notification.
func (s *Server) CompleteRefund(ctx context.Context, token string, accept bool) (Notification, error) {
	s.mu.Lock()
	rf, ok := s.st.refundByToken[token]
	if !ok {
		s.mu.Unlock()
		return Notification{}, fmt.Errorf("complete refund: %w", ErrUnknownToken)
	}
	if rf.status != flow.RefundCreated {
		s.mu.Unlock()
		return Notification{}, fmt.Errorf("complete refund %d: %w", rf.flowOrder, ErrAlreadyCompleted)
	}
	rf.status = flow.RefundRejected
	if accept {
		rf.status = flow.RefundRefunded
	}
	target := rf.urlCallBack
	s.mu.Unlock()
	return s.notify(ctx, KindRefund, target, token), nil
}

// ---- notifications ----

// ResendNotification POSTs a payment's (or refund's) token to its
// confirmation (callback) URL again, as a duplicate delivery.
func (s *Server) ResendNotification(ctx context.Context, token string) (Notification, error) {
	s.mu.Lock()
	var kind, target string
	if o, ok := s.st.byToken[token]; ok && o.kind == KindPayment {
		kind, target = KindPayment, o.urlConfirmation
	} else if rf, ok := s.st.refundByToken[token]; ok {
		kind, target = KindRefund, rf.urlCallBack
	}
	s.mu.Unlock()
	if target == "" {
		return Notification{}, fmt.Errorf("resend notification: %w", ErrUnknownToken)
	}
	return s.notify(ctx, kind, target, token), nil
}

// notify POSTs token (form-encoded, nothing else, unsigned) to target and
// records the outcome. It must be called without s.mu: the receiver usually
// calls back into the server.
func (s *Server) notify(ctx context.Context, kind, target, token string) Notification {
	n := Notification{Kind: kind, URL: target, Token: token, Sent: s.now()}
	start := time.Now()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, strings.NewReader(url.Values{"token": {token}}.Encode()))
	if err == nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		var resp *http.Response
		resp, err = s.cb.Do(req)
		if err == nil {
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxBody))
			_ = resp.Body.Close()
			n.HTTPStatus = resp.StatusCode
		}
	}
	if err != nil {
		n.Err = err.Error()
	}
	n.Alert = n.HTTPStatus != http.StatusOK || time.Since(start) > callbackTimeout
	s.mu.Lock()
	s.st.notifications = append(s.st.notifications, n)
	s.mu.Unlock()
	s.log.Info("flowsim notification", "kind", kind, "status", n.HTTPStatus, "alert", n.Alert)
	return n
}

// closingContext returns a context cancelled when the server closes.
func (s *Server) closingContext() (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		select {
		case <-s.closed:
			cancel()
		case <-ctx.Done():
		}
	}()
	return ctx, cancel
}
