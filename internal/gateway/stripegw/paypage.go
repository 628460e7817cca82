package stripegw

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/stripe/stripe-go/v86"

	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/textcut"
)

// Pay pages (billing.PayPageGateway). Two kinds of payment reach
// StartPayment, both already recorded by cuota (pending, with their
// idempotency key) before Stripe is called:
//
//   - a new pay-page attempt (no saved card): a Checkout Session in payment
//     mode on Stripe's hosted page, whose PaymentIntent carries the same
//     idempotency-key metadata as an off-session charge;
//   - a renewal charge that waits for the customer's authentication (SCA,
//     PaymentIntent requires_action): that same PaymentIntent is confirmed
//     again with the customer present and a return_url, and the customer
//     is sent to the bank's page Stripe names (next_action.redirect_to_url).
//     A PaymentIntent succeeds at most once: nothing can be charged twice.
//
// Outcomes are always read back from Stripe: LookupPayment (the Checkout
// Session and its PaymentIntent), LookupCharge (the authenticated charge)
// and the checkout.session.* / payment_intent.* webhooks.

// CodePaymentPageExpired is the failure code of a pay-page payment whose
// Checkout Session expired (or was expired by cuota) unpaid.
const CodePaymentPageExpired = "payment_page_expired"

// Stripe accepts a Checkout Session's expires_at from 30 minutes to 24
// hours after its creation; these bounds keep a margin for clock skew.
const (
	minSessionLife = 31 * time.Minute
	maxSessionLife = 24*time.Hour - 5*time.Minute
)

// payPageCheckout is MetaPayPage's value on a pay page's Checkout Session
// and PaymentIntent.
const payPageCheckout = "checkout"

// payPage reports whether a PaymentIntent was made by a pay page's
// Checkout Session (not by an off-session charge).
func payPage(pi *stripe.PaymentIntent) bool {
	return pi.Metadata[MetaPayPage] == payPageCheckout
}

// StartPayment implements billing.PayPageGateway: a Checkout Session in
// payment mode for a new pay-page attempt, or the authentication of a
// charge that waits for the customer (r.Payment.PaymentMethodID set and
// r.Payment.GatewayRef its PaymentIntent).
func (a *Adapter) StartPayment(ctx context.Context, r billing.PayRequest) (billing.PayStart, error) {
	if r.Payment.IdempotencyKey == "" || len(r.Payment.IdempotencyKey) > 255 {
		return billing.PayStart{}, billing.Invalid("idempotency_key", billing.CodeParameterInvalid,
			"a Stripe payment needs an idempotency key of at most 255 characters")
	}
	if r.ReturnURL == "" {
		return billing.PayStart{}, billing.Invalid("return_url", billing.CodeParameterMissing, "a Stripe pay page needs a return URL")
	}
	if r.Payment.PaymentMethodID != "" {
		return a.startAuthentication(ctx, r)
	}
	return a.startCheckout(ctx, r)
}

// startCheckout opens a Checkout Session in payment mode for r.Payment.
// The session's Idempotency-Key is derived from the payment's key and
// every parameter from the recorded payment, so a re-sent request gets
// the same session back. The customer comes back to r.ReturnURL whether
// they paid or left (cuota asks Stripe either way).
func (a *Adapter) startCheckout(ctx context.Context, r billing.PayRequest) (billing.PayStart, error) {
	pay := r.Payment
	if r.Customer.ID == "" || r.Customer.ID != pay.CustomerID {
		return billing.PayStart{}, billing.Invalid("customer", billing.CodeParameterInvalid, "the pay page's customer is not the payment's")
	}
	amount, err := toStripe(pay.Amount, pay.Currency)
	if err != nil {
		return billing.PayStart{}, err
	}
	expiresAt, err := sessionExpiry(a.opts.Now(), r.ExpiresAt)
	if err != nil {
		return billing.PayStart{}, err
	}
	if err := a.breakers.Allow(r.Scope); err != nil {
		return billing.PayStart{}, err // nothing sent; the app offers another gateway
	}
	cl, err := a.client(ctx, r.Scope)
	if err != nil {
		return billing.PayStart{}, err
	}
	cus, err := a.ensureCustomer(ctx, cl, r.Scope, r.Customer)
	if err != nil {
		return billing.PayStart{}, err
	}
	desc := description(r.Description)
	if desc == "" {
		desc = "Invoice " + pay.InvoiceID
	}
	// The PaymentIntent carries the same key metadata as an off-session
	// charge: LookupCharge, ChargeByIntent and payment_intent.* webhooks
	// find it by the payment's key.
	piMeta := metadata(r.Scope, MetaKey, pay.IdempotencyKey, MetaCustomer, pay.CustomerID, MetaPayment, pay.ID,
		MetaInvoice, pay.InvoiceID, MetaPayPage, payPageCheckout)
	sessMeta := maps.Clone(piMeta)
	if !r.ExpiresAt.IsZero() {
		sessMeta[MetaExpires] = strconv.FormatInt(r.ExpiresAt.Unix(), 10)
	}
	p := &stripe.CheckoutSessionCreateParams{
		Mode:               stripe.String(string(stripe.CheckoutSessionModePayment)),
		Customer:           stripe.String(cus),
		PaymentMethodTypes: []*string{stripe.String("card")},
		LineItems: []*stripe.CheckoutSessionCreateLineItemParams{{
			Quantity: stripe.Int64(1),
			PriceData: &stripe.CheckoutSessionCreateLineItemPriceDataParams{
				Currency:    stripe.String(strings.ToLower(pay.Currency)),
				UnitAmount:  stripe.Int64(amount),
				ProductData: &stripe.CheckoutSessionCreateLineItemPriceDataProductDataParams{Name: stripe.String(productName(desc))},
			},
		}},
		SubmitType:        stripe.String(string(stripe.CheckoutSessionSubmitTypePay)),
		SuccessURL:        stripe.String(r.ReturnURL),
		CancelURL:         stripe.String(r.ReturnURL),
		ClientReferenceID: stripe.String(pay.ID),
		Locale:            stripe.String(checkoutLocale(r.Locale)),
		Metadata:          sessMeta,
		PaymentIntentData: &stripe.CheckoutSessionCreatePaymentIntentDataParams{Metadata: piMeta, Description: stripe.String(desc)},
	}
	if expiresAt != 0 {
		p.ExpiresAt = stripe.Int64(expiresAt)
	}
	p.SetIdempotencyKey(derivedKey("cuota-pay-", pay.IdempotencyKey))
	ctx, tr := withTrace(ctx)
	sess, err := cl.V1CheckoutSessions.Create(ctx, p)
	a.record(r.Scope, err, tr)
	if err != nil {
		// Nobody was sent to a page: nothing can have been paid, whatever
		// Stripe did with the request.
		return billing.PayStart{}, unavailable("open the payment page", err)
	}
	if sess.URL == "" {
		return billing.PayStart{}, fmt.Errorf("stripe: checkout session %s has no page (status %s)", sess.ID, sess.Status)
	}
	return billing.PayStart{RedirectURL: sess.URL, GatewayRef: sess.ID}, nil
}

// sessionExpiry is the expires_at (Unix seconds, 0 for Stripe's default of
// 24 hours) of a session that cuota wants payable until exp. Stripe takes
// 30 minutes to 24 hours: a later expiry is shortened (the session ends
// first and LookupPayment reports it expired); a sooner one is lengthened
// to Stripe's minimum, and LookupPayment expires the session at exp (the
// MetaExpires metadata), so it cannot be paid after cuota gave up on it.
func sessionExpiry(now, exp time.Time) (int64, error) {
	if exp.IsZero() {
		return 0, nil
	}
	switch left := exp.Sub(now); {
	case left <= 0:
		return 0, billing.Invalid("expires_at", billing.CodeParameterInvalid, "the payment page would already have expired")
	case left < minSessionLife:
		return now.Add(minSessionLife).Unix(), nil
	case left > maxSessionLife:
		return now.Add(maxSessionLife).Unix(), nil
	}
	return exp.Unix(), nil
}

// productName is the Checkout line's name (Stripe requires one; at most
// 250 characters here).
func productName(desc string) string {
	return textcut.Runes(desc, 250)
}

// derivedKey is an Idempotency-Key made of prefix and a payment's key,
// hashed when it would exceed Stripe's 255 characters.
func derivedKey(prefix, key string) string {
	if len(prefix)+len(key) <= 255 {
		return prefix + key
	}
	sum := sha256.Sum256([]byte(key))
	return prefix + hex.EncodeToString(sum[:])
}

// record counts a call's outcome on the scope's circuit breaker: only
// calls without a usable answer (a timeout, a dropped connection, a 5xx)
// count against Stripe; one the limiter never sent is not counted.
func (a *Adapter) record(s billing.Scope, err error, tr *trace) {
	if neverSent(err, tr) {
		return
	}
	var se *stripe.Error
	a.breakers.Record(s, err != nil && (!errors.As(err, &se) || se.HTTPStatusCode >= 500))
}

// startAuthentication sends the customer to authenticate a charge that
// waits for them: the payment's own PaymentIntent (in requires_action) is
// confirmed again, on session, with the return_url, which makes Stripe
// answer next_action.redirect_to_url (the manual 3-D Secure redirect).
// No new PaymentIntent is ever made. A PaymentIntent that no longer waits
// (it succeeded, failed, was canceled, or authenticated frictionlessly on
// this confirmation) is not confirmed again: the customer goes straight
// to r.ReturnURL, where cuota asks Stripe (LookupCharge) and settles.
func (a *Adapter) startAuthentication(ctx context.Context, r billing.PayRequest) (billing.PayStart, error) {
	pay := r.Payment
	if !strings.HasPrefix(pay.GatewayRef, "pi_") {
		return billing.PayStart{}, billing.Invalid("payment", billing.CodeParameterInvalid,
			"payment %s has no Stripe PaymentIntent to authenticate", pay.ID)
	}
	if err := a.breakers.Allow(r.Scope); err != nil {
		return billing.PayStart{}, err
	}
	cl, err := a.client(ctx, r.Scope)
	if err != nil {
		return billing.PayStart{}, err
	}
	pi, err := cl.V1PaymentIntents.Retrieve(ctx, pay.GatewayRef, nil)
	if err != nil {
		return billing.PayStart{}, unavailable("read the payment", err)
	}
	if !Owned(pi.Metadata, r.Scope) || pi.Metadata[MetaKey] != pay.IdempotencyKey || payPage(pi) {
		return billing.PayStart{}, fmt.Errorf("stripe: payment intent %s is not the charge of payment %s", pi.ID, pay.ID)
	}
	done := billing.PayStart{RedirectURL: r.ReturnURL, GatewayRef: pi.ID}
	if pi.Status != stripe.PaymentIntentStatusRequiresAction {
		return done, nil
	}
	if a.opts.Now().Sub(time.Unix(pi.Created, 0)) > a.opts.ActionWindow {
		// Past the window LookupCharge cancels it: too late to start.
		return done, nil
	}
	pi, err = a.confirmOnSession(ctx, cl, r.Scope, pi.ID, r.ReturnURL)
	if err != nil {
		var se *stripe.Error
		if errors.As(err, &se) && (se.Type == stripe.ErrorTypeCard || se.HTTPStatusCode == http.StatusPaymentRequired ||
			se.Code == stripe.ErrorCodePaymentIntentUnexpectedState) {
			// Declined on this confirmation, or it moved on meanwhile:
			// the return page reads what Stripe says now.
			return done, nil
		}
		return billing.PayStart{}, unavailable("start the authentication", err)
	}
	if pi.Status != stripe.PaymentIntentStatusRequiresAction {
		return done, nil // authenticated without the customer (frictionless) or declined
	}
	if na := pi.NextAction; na != nil && na.RedirectToURL != nil && na.RedirectToURL.URL != "" {
		return billing.PayStart{RedirectURL: na.RedirectToURL.URL, GatewayRef: pi.ID}, nil
	}
	typ := "none"
	if pi.NextAction != nil {
		typ = string(pi.NextAction.Type)
	}
	return billing.PayStart{}, fmt.Errorf("stripe: payment intent %s asks for a next action cuota cannot send the customer to (%s)", pi.ID, typ)
}

// confirmOnSession confirms a PaymentIntent with the customer present,
// for a redirect: use_stripe_sdk=false and a return_url (Stripe's manual
// 3-D Secure redirect). Its Idempotency-Key is stripe-go's own, the same
// on stripe-go's re-sends: confirming one PaymentIntent again can restart
// its authentication but never charge it twice.
func (a *Adapter) confirmOnSession(ctx context.Context, cl *stripe.Client, s billing.Scope, id, returnURL string) (*stripe.PaymentIntent, error) {
	p := &stripe.PaymentIntentConfirmParams{ReturnURL: stripe.String(returnURL), UseStripeSDK: stripe.Bool(false),
		OffSession: stripe.Bool(false)}
	ctx, tr := withTrace(ctx)
	pi, err := cl.V1PaymentIntents.Confirm(ctx, id, p)
	a.record(s, err, tr)
	return pi, err
}

// LookupPayment implements billing.PayPageGateway: what became of a
// pay-page payment, read from its Checkout Session and PaymentIntent.
// Paid → succeeded with the PaymentIntent as GatewayRef (refunds go to
// it, as for card charges); open → pending; expired → failed
// (payment_page_expired, customer); a session that completed unpaid
// (an asynchronous method that failed) → the PaymentIntent's decline. A
// session still open after cuota's expiry is expired at Stripe first, so
// it can never be paid after cuota called the payment failed. For an
// authentication (a saved card's charge) it is LookupCharge.
func (a *Adapter) LookupPayment(ctx context.Context, p billing.Payment) (billing.ChargeResult, error) {
	if p.PaymentMethodID != "" {
		res, found, err := a.LookupCharge(ctx, p.Scope, p.IdempotencyKey)
		if err != nil {
			return billing.ChargeResult{}, err
		}
		if !found {
			return billing.ChargeResult{Status: billing.PaymentPending}, nil
		}
		return res, nil
	}
	cl, err := a.client(ctx, p.Scope)
	if err != nil {
		return billing.ChargeResult{}, err
	}
	sess, err := a.paySession(ctx, cl, p)
	if err != nil {
		return billing.ChargeResult{}, err
	}
	if sess == nil {
		// Stripe has no session for this payment: no page, nothing paid.
		return billing.ChargeResult{Status: billing.PaymentPending}, nil
	}
	if sess.Status == stripe.CheckoutSessionStatusOpen && pastExpiry(sess, a.opts.Now()) {
		if sess, err = a.expireSession(ctx, cl, sess); err != nil {
			return billing.ChargeResult{}, err
		}
	}
	return sessionResult(sess, p)
}

// pastExpiry reports whether cuota's expiry of a pay page has passed.
func pastExpiry(sess *stripe.CheckoutSession, now time.Time) bool {
	exp, err := strconv.ParseInt(sess.Metadata[MetaExpires], 10, 64)
	return err == nil && !now.Before(time.Unix(exp, 0))
}

// paySession reads the Checkout Session of a pay-page payment (by its
// GatewayRef, or, when cuota never stored it, among the customer's recent
// sessions by the key in its metadata), with its PaymentIntent expanded;
// nil when Stripe has none. A session that is not this payment's is an
// error.
func (a *Adapter) paySession(ctx context.Context, cl *stripe.Client, p billing.Payment) (*stripe.CheckoutSession, error) {
	id := p.GatewayRef
	if !strings.HasPrefix(id, "cs_") {
		var err error
		if id, err = a.findSession(ctx, cl, p); err != nil || id == "" {
			return nil, err
		}
	}
	rp := &stripe.CheckoutSessionRetrieveParams{}
	rp.AddExpand("payment_intent")
	sess, err := cl.V1CheckoutSessions.Retrieve(ctx, id, rp)
	if err != nil {
		return nil, fmt.Errorf("stripe: read checkout session of payment %s: %w", p.ID, err)
	}
	if sess.Mode != stripe.CheckoutSessionModePayment || !Owned(sess.Metadata, p.Scope) || sess.Metadata[MetaKey] != p.IdempotencyKey {
		return nil, fmt.Errorf("stripe: checkout session %s is not the one of payment %s", sess.ID, p.ID)
	}
	return sess, nil
}

// findSession returns the id of the Checkout Session cuota made for a
// pay-page payment whose session id was never stored ("" if none): the
// customer's sessions since the payment was recorded, matched by key.
func (a *Adapter) findSession(ctx context.Context, cl *stripe.Client, p billing.Payment) (string, error) {
	cus, err := a.customers.Stored(ctx, p.Scope, p.CustomerID)
	if errors.Is(err, billing.ErrNotFound) || (err == nil && cus == "") {
		return "", nil // no Stripe customer: no session was ever made
	}
	if err != nil {
		return "", err
	}
	lp := &stripe.CheckoutSessionListParams{Customer: stripe.String(cus), ListParams: stripe.ListParams{Limit: stripe.Int64(100)}}
	if !p.Created.IsZero() {
		lp.CreatedRange = &stripe.RangeQueryParams{GreaterThanOrEqual: p.Created.Add(-5 * time.Minute).Unix()}
	}
	for sess, err := range cl.V1CheckoutSessions.List(ctx, lp).All(ctx) {
		if err != nil {
			return "", fmt.Errorf("stripe: list checkout sessions of %s: %w", p.CustomerID, err)
		}
		if sess.Metadata[MetaKey] == p.IdempotencyKey && Owned(sess.Metadata, p.Scope) {
			return sess.ID, nil
		}
	}
	return "", nil
}

// expireSession ends an open pay-page session at Stripe. If Stripe
// refuses because it completed meanwhile, its current state counts.
func (a *Adapter) expireSession(ctx context.Context, cl *stripe.Client, sess *stripe.CheckoutSession) (*stripe.CheckoutSession, error) {
	p := &stripe.CheckoutSessionExpireParams{}
	p.AddExpand("payment_intent")
	p.SetIdempotencyKey("cuota-expire-" + sess.ID)
	got, err := cl.V1CheckoutSessions.Expire(ctx, sess.ID, p)
	if err == nil {
		a.opts.Logger.InfoContext(ctx, "stripe: expired a pay page past cuota's expiry", "checkout_session", sess.ID)
		return got, nil
	}
	var se *stripe.Error
	if errors.As(err, &se) && se.HTTPStatusCode == http.StatusBadRequest {
		rp := &stripe.CheckoutSessionRetrieveParams{}
		rp.AddExpand("payment_intent")
		if got, rerr := cl.V1CheckoutSessions.Retrieve(ctx, sess.ID, rp); rerr == nil && got.Status != stripe.CheckoutSessionStatusOpen {
			return got, nil
		}
	}
	return nil, fmt.Errorf("stripe: expire checkout session %s: %w", sess.ID, err)
}

// sessionResult maps a pay-page session (its PaymentIntent expanded) onto
// the payment's outcome. Pending results keep the session as GatewayRef
// (the next lookup reads it again); a success names the PaymentIntent.
func sessionResult(sess *stripe.CheckoutSession, p billing.Payment) (billing.ChargeResult, error) {
	pending := billing.ChargeResult{Status: billing.PaymentPending, GatewayRef: sess.ID}
	pi := sess.PaymentIntent
	if pi != nil && pi.ID != "" && pi.Status == "" {
		return billing.ChargeResult{}, fmt.Errorf("stripe: checkout session %s: payment intent not expanded", sess.ID)
	}
	if pi != nil && pi.ID == "" {
		pi = nil
	}
	var res billing.ChargeResult
	switch sess.Status {
	case stripe.CheckoutSessionStatusComplete:
		if pi == nil {
			return billing.ChargeResult{}, fmt.Errorf("stripe: complete checkout session %s has no payment intent", sess.ID)
		}
		res = payPageIntentResult(pi, false)
	case stripe.CheckoutSessionStatusExpired:
		res = expiredResult(sess, pi)
		if pi != nil && (pi.Status == stripe.PaymentIntentStatusSucceeded || pi.Status == stripe.PaymentIntentStatusProcessing) {
			res = payPageIntentResult(pi, false)
		}
	default:
		return pending, nil
	}
	switch res.Status {
	case billing.PaymentSucceeded:
		if err := sameAmount(pi, p); err != nil {
			return billing.ChargeResult{}, fmt.Errorf("stripe: checkout session %s: %w", sess.ID, err)
		}
	case billing.PaymentPending:
		res.GatewayRef = sess.ID
	}
	return res, nil
}

// expiredResult is the failure of a pay page that ended unpaid.
func expiredResult(sess *stripe.CheckoutSession, pi *stripe.PaymentIntent) billing.ChargeResult {
	msg := "the customer did not finish paying on Stripe's page before it expired"
	if pi != nil && pi.LastPaymentError != nil && pi.LastPaymentError.Msg != "" {
		msg += " (last attempt: " + pi.LastPaymentError.Msg + ")"
	}
	return billing.ChargeResult{Status: billing.PaymentFailed, GatewayRef: sess.ID, FailureClass: billing.FailureCustomer,
		FailureCode: CodePaymentPageExpired, FailureMessage: msg}
}

// payPageIntentResult maps a pay page's PaymentIntent. While its page is
// open a failed attempt is not an outcome (the customer may try again);
// a canceled one ended with its page.
func payPageIntentResult(pi *stripe.PaymentIntent, pageOpen bool) billing.ChargeResult {
	switch pi.Status {
	case stripe.PaymentIntentStatusSucceeded:
		return intentResult(pi)
	case stripe.PaymentIntentStatusProcessing, stripe.PaymentIntentStatusRequiresCapture:
		return billing.ChargeResult{Status: billing.PaymentPending, GatewayRef: pi.ID}
	case stripe.PaymentIntentStatusCanceled:
		return billing.ChargeResult{Status: billing.PaymentFailed, GatewayRef: pi.ID, FailureClass: billing.FailureCustomer,
			FailureCode: CodePaymentPageExpired, FailureMessage: "the payment page ended unpaid"}
	}
	if pageOpen {
		return billing.ChargeResult{Status: billing.PaymentPending, GatewayRef: pi.ID}
	}
	return intentResult(pi)
}

// sameAmount checks that a PaymentIntent took the payment's amount.
func sameAmount(pi *stripe.PaymentIntent, p billing.Payment) error {
	want, err := toStripe(p.Amount, p.Currency)
	if err != nil {
		return err
	}
	if pi.Amount != want || !strings.EqualFold(string(pi.Currency), p.Currency) {
		return fmt.Errorf("payment intent %s took %d %s, payment %s is %d %s", pi.ID, pi.Amount, pi.Currency, p.ID, want, p.Currency)
	}
	return nil
}

// PaymentBySession reads a Checkout Session and returns, when it is a pay
// page cuota made for scope s, the idempotency key of its payment and the
// payment's current outcome (for webhooks: the event says which session
// changed, Stripe's answer says how). key is "" for sessions cuota did not
// make, setup sessions, and payments cuota does not know.
func (a *Adapter) PaymentBySession(ctx context.Context, s billing.Scope, id string) (key string, res billing.ChargeResult, err error) {
	cl, err := a.client(ctx, s)
	if err != nil {
		return "", billing.ChargeResult{}, err
	}
	rp := &stripe.CheckoutSessionRetrieveParams{}
	rp.AddExpand("payment_intent")
	sess, err := cl.V1CheckoutSessions.Retrieve(ctx, id, rp)
	if err != nil {
		var se *stripe.Error
		if errors.As(err, &se) && se.HTTPStatusCode == http.StatusNotFound {
			return "", billing.ChargeResult{}, nil
		}
		return "", billing.ChargeResult{}, fmt.Errorf("stripe: read checkout session %s: %w", id, err)
	}
	key = sess.Metadata[MetaKey]
	if sess.Mode != stripe.CheckoutSessionModePayment || !Owned(sess.Metadata, s) || key == "" {
		return "", billing.ChargeResult{}, nil
	}
	pay, err := a.paymentByKey(ctx, s, key)
	if errors.Is(err, billing.ErrNotFound) {
		return "", billing.ChargeResult{}, nil
	}
	if err != nil {
		return "", billing.ChargeResult{}, err
	}
	if pay.Gateway != billing.GatewayStripe || pay.PaymentMethodID != "" {
		return "", billing.ChargeResult{}, nil
	}
	res, err = sessionResult(sess, pay)
	if err != nil {
		return "", billing.ChargeResult{}, err
	}
	return key, res, nil
}

var _ billing.PayPageGateway = (*Adapter)(nil)
