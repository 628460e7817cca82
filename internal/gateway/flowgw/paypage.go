package flowgw

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/gateway/flow"
)

// Pay pages (billing.PayPageGateway): an open invoice paid by the customer
// on Flow's own page (payment/create). The order's commerceOrder is the
// payment's idempotency key, so whatever happens to the browser or to our
// answer, Flow can be asked about the order by it; the page's token is
// kept as the payment's gateway reference until Flow says the order was
// paid or refused, when the flowOrder replaces it (refund/create takes it
// as flowTrxId, as for customer/charge payments).

// StartPayment creates the Flow order of a recorded pay-page payment and
// returns where to send the customer's browser.
func (a *Adapter) StartPayment(ctx context.Context, r billing.PayRequest) (billing.PayStart, error) {
	p := r.Payment
	if !strings.EqualFold(p.Currency, Currency) {
		return billing.PayStart{}, billing.Invalid("currency", billing.CodeCurrencyNotSupported,
			"Flow takes payments only in CLP; this one is in %s", strings.ToUpper(p.Currency))
	}
	if p.IdempotencyKey == "" || p.Amount <= 0 {
		return billing.PayStart{}, billing.Invalid("amount", billing.CodeAmountInvalid, "a Flow payment needs an idempotency key and a positive amount")
	}
	email := strings.TrimSpace(r.Customer.Email)
	if email == "" {
		return billing.PayStart{}, billing.Invalid("customer", billing.CodeParameterMissing,
			"Flow's pay page needs the payer's email, and customer %s has none: add one to the customer, or pay with another gateway", r.Customer.ID)
	}
	timeout, err := a.payTimeout(r.ExpiresAt)
	if err != nil {
		return billing.PayStart{}, err
	}
	if err := a.breakers.Allow(r.Scope); err != nil {
		return billing.PayStart{}, err // nothing sent
	}
	cl, err := a.client(ctx, r.Scope)
	if err != nil {
		return billing.PayStart{}, err
	}
	resp, err := cl.CreatePayment(ctx, flow.CreatePaymentRequest{CommerceOrder: p.IdempotencyKey, Subject: subject(r.Description),
		Amount: p.Amount, Email: email, URLConfirmation: a.CallbackURL(r.Scope, "payment"), URLReturn: r.ReturnURL,
		Currency: Currency, PaymentMethod: flow.PaymentMethodAll, Timeout: timeout})
	a.breakers.Record(r.Scope, unanswered(err))
	if err != nil {
		// Even if Flow created the order before our answer was lost,
		// nobody has its token: it cannot be paid, and it expires.
		return billing.PayStart{}, a.unavailable("open its pay page", err)
	}
	return billing.PayStart{RedirectURL: resp.RedirectURL(), GatewayRef: resp.Token.String()}, nil
}

// payTimeout is payment/create's timeout for an order that must stop being
// payable at expires: the whole seconds left (rounded down, so Flow never
// takes it later than asked, apart from the request's transit).
func (a *Adapter) payTimeout(expires time.Time) (int, error) {
	if expires.IsZero() {
		// Without timeout a Flow order is payable forever (payment/create,
		// https://www.flow.cl/docs/api.html).
		return 0, billing.Invalid("expires_at", billing.CodeParameterMissing, "a Flow pay page needs an expiry")
	}
	secs := expires.Sub(a.opts.Now()) / time.Second
	if secs < 1 {
		return 0, billing.Invalid("expires_at", billing.CodeParameterInvalid, "this payment's page has already expired")
	}
	return int(secs), nil
}

// LookupPayment asks Flow what became of a pay-page payment: by its token
// (payment/getStatus), by its flowOrder once settled, or by its
// idempotency key when it has neither. An order Flow does not know (the
// page was never opened) is pending: cuota fails it once it expires.
func (a *Adapter) LookupPayment(ctx context.Context, p billing.Payment) (billing.ChargeResult, error) {
	cl, err := a.client(ctx, p.Scope)
	if err != nil {
		return billing.ChargeResult{}, err
	}
	st, err := a.payStatus(ctx, cl, p)
	if flow.IsNotFound(err) {
		return billing.ChargeResult{Status: billing.PaymentPending}, nil
	}
	if err != nil {
		return billing.ChargeResult{}, fmt.Errorf("flow: look up payment %s: %w", p.IdempotencyKey, err)
	}
	if got := st.CommerceOrder.String(); got != p.IdempotencyKey {
		return billing.ChargeResult{}, fmt.Errorf("flow: order %s of payment %s has commerceOrder %q, not %q", st.FlowOrder, p.ID, got, p.IdempotencyKey)
	}
	if amount, err := st.Amount.Int64(); err == nil && p.Amount > 0 && amount != p.Amount {
		return billing.ChargeResult{}, fmt.Errorf("flow: order %s of payment %s is for %d %s, not %d", st.FlowOrder, p.ID, amount, st.Currency, p.Amount)
	}
	return a.payResult(ctx, cl, st), nil
}

// payStatus reads a pay-page payment's Flow order.
func (a *Adapter) payStatus(ctx context.Context, cl *flow.Client, p billing.Payment) (*flow.PaymentStatus, error) {
	ref := p.GatewayRef
	if n, err := strconv.ParseInt(ref, 10, 64); err == nil && n > 0 {
		return cl.GetPaymentStatusByFlowOrder(ctx, n) // settled: its flowOrder
	}
	if ref != "" {
		st, err := cl.GetPaymentStatus(ctx, ref)
		if !flow.IsNotFound(err) {
			return st, err
		}
		// A token Flow does not know: ask by the order's id.
	}
	return cl.GetPaymentStatusByCommerceID(ctx, p.IdempotencyKey)
}

// payResult maps a pay-page order's status. While it is pending the
// reference stays what cuota holds (the page's token, which finds the
// order again); once paid or refused it is the flowOrder.
func (a *Adapter) payResult(ctx context.Context, cl *flow.Client, st *flow.PaymentStatus) billing.ChargeResult {
	res := a.result(ctx, cl, st)
	if res.Status == billing.PaymentPending {
		res.GatewayRef = ""
	}
	return res
}

// LookupPaymentToken verifies a payment notification's token with Flow (a
// signed payment/getStatus): it returns the order's commerceOrder (the
// idempotency key of cuota's payment) and what became of it. A token Flow
// does not know is an error for which flow.IsNotFound is true; Flow not
// answering, one for which flow.IsOutcomeUnknown is.
func (a *Adapter) LookupPaymentToken(ctx context.Context, s billing.Scope, token string) (string, billing.ChargeResult, error) {
	cl, err := a.client(ctx, s)
	if err != nil {
		return "", billing.ChargeResult{}, err
	}
	st, err := cl.GetPaymentStatus(ctx, token)
	if err != nil {
		return "", billing.ChargeResult{}, fmt.Errorf("flow: payment status: %w", err)
	}
	key := st.CommerceOrder.String()
	if key == "" {
		return "", billing.ChargeResult{}, fmt.Errorf("flow: order %s has no commerceOrder", st.FlowOrder)
	}
	return key, a.payResult(ctx, cl, st), nil
}
