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

// ---- charges ----

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
