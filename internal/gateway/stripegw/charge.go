package stripegw

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/stripe/stripe-go/v86"

	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/textcut"
)

// Failure codes this adapter writes on charge results, besides Stripe's
// own decline codes (insufficient_funds, lost_card…), which pass through.
const (
	CodeAuthenticationRequired = billing.CodeAuthenticationRequired // SCA: the customer must authenticate
	CodeRateLimited            = "rate_limited"                     // Stripe's 429, or cuota's own limiter
	CodeCredentialsInvalid     = "gateway_credentials_invalid"
	CodePermissionDenied       = "gateway_permission_denied"
	CodeInvalidRequest         = "invalid_request"
	CodePaymentMethodMissing   = "payment_method_missing"
	CodeCustomerMissing        = "customer_missing"
	CodeNotConfirmed           = "not_confirmed"
	CodeCanceled               = "payment_intent_canceled"
)

// hardDeclines are Stripe decline codes (and error codes) after which
// retrying the same card cannot succeed: the lost/stolen/closed family,
// fraud, and cards that are wrong or unusable for this payment. Stripe's
// own retries skip hard declines too
// (https://docs.stripe.com/billing/revenue-recovery/smart-retries).
var hardDeclines = map[string]bool{
	"lost_card": true, "stolen_card": true, "pickup_card": true, "expired_card": true, "restricted_card": true,
	"fraudulent": true, "merchant_blacklist": true, "invalid_account": true, "new_account_information_available": true,
	"do_not_try_again": true, "revocation_of_all_authorizations": true, "revocation_of_authorization": true,
	"stop_payment_order": true, "card_not_supported": true, "currency_not_supported": true,
	"incorrect_number": true, "invalid_number": true, "invalid_expiry_month": true, "invalid_expiry_year": true,
	"security_violation": true, "live_mode_test_card": true, "testmode_decline": true,
}

// technicalDeclines are card errors that are nobody's fault and moved no
// money: retried soon without using a dunning attempt.
var technicalDeclines = map[string]bool{"processing_error": true, "reenter_transaction": true}

// Charge charges a saved card with one PaymentIntent: confirm=true,
// off_session=true, the payment's idempotency key as Idempotency-Key and
// cuota's ids in metadata.
//
// Outcomes: succeeded; processing → pending; requires_action (the bank
// wants the customer to authenticate) → pending with code
// authentication_required, settled later by the webhook or LookupCharge;
// card declines → failed, hard for the codes in hardDeclines and customer
// otherwise (Stripe's 402 authentication_required for an off-session
// charge is a customer decline: nothing moved, and the dunning email sends
// the customer to save the card again, which authenticates it); 429 and
// other refusals → failed technical (nothing charged); timeouts, 5xx, 409
// and dropped connections → an error wrapping billing.ErrOutcomeUnknown.
func (a *Adapter) Charge(ctx context.Context, r billing.ChargeRequest) (billing.ChargeResult, error) {
	if r.IdempotencyKey == "" || len(r.IdempotencyKey) > 255 {
		return billing.ChargeResult{}, billing.Invalid("idempotency_key", billing.CodeParameterInvalid, "a Stripe charge needs an idempotency key of at most 255 characters")
	}
	if r.PaymentMethod.Token == "" {
		return billing.ChargeResult{}, billing.Invalid("payment_method", billing.CodeParameterInvalid, "the payment method has no Stripe reference")
	}
	amount, err := toStripe(r.Amount, r.Currency)
	if err != nil {
		return billing.ChargeResult{}, err
	}
	if err := a.breakers.Allow(r.Scope); err != nil {
		return billing.ChargeResult{}, err // nothing sent: a technical failure, retried later
	}
	cl, err := a.client(ctx, r.Scope)
	if err != nil {
		return billing.ChargeResult{}, err
	}
	cus, err := a.customers.Stored(ctx, r.Scope, r.PaymentMethod.CustomerID)
	if errors.Is(err, billing.ErrNotFound) || (err == nil && cus == "") {
		return billing.ChargeResult{Status: billing.PaymentFailed, FailureClass: billing.FailureTechnical, FailureCode: CodeCustomerMissing,
			FailureMessage: "cuota has no Stripe customer recorded for " + r.PaymentMethod.CustomerID}, nil
	}
	if err != nil {
		return billing.ChargeResult{}, err
	}
	p := &stripe.PaymentIntentCreateParams{
		Amount:             stripe.Int64(amount),
		Currency:           stripe.String(strings.ToLower(r.Currency)),
		Customer:           stripe.String(cus),
		PaymentMethod:      stripe.String(r.PaymentMethod.Token),
		PaymentMethodTypes: []*string{stripe.String("card")},
		Confirm:            stripe.Bool(true),
		OffSession:         stripe.Bool(true),
		Metadata: metadata(r.Scope, MetaKey, r.IdempotencyKey, MetaCustomer, r.PaymentMethod.CustomerID,
			MetaPaymentMethod, r.PaymentMethod.ID),
	}
	if d := description(r.Description); d != "" {
		p.Description = stripe.String(d)
	}
	p.SetIdempotencyKey(r.IdempotencyKey)
	ctx, tr := withTrace(ctx)
	pi, err := cl.V1PaymentIntents.Create(ctx, p)
	if err != nil {
		res, cerr := chargeError(r.IdempotencyKey, err, tr)
		// Only calls without a usable answer count against Stripe.
		a.breakers.Record(r.Scope, errors.Is(cerr, billing.ErrOutcomeUnknown))
		return res, cerr
	}
	a.breakers.Record(r.Scope, false)
	return intentResult(pi), nil
}

// description is a PaymentIntent's description: Stripe takes at most 500
// characters.
func description(d string) string {
	return textcut.Runes(d, 500)
}

// chargeError maps a failed PaymentIntent creation.
func chargeError(key string, err error, tr *trace) (billing.ChargeResult, error) {
	var se *stripe.Error
	if !errors.As(err, &se) {
		if neverSent(err, tr) {
			return billing.ChargeResult{Status: billing.PaymentFailed, FailureClass: billing.FailureTechnical, FailureCode: CodeRateLimited,
				FailureMessage: "the request waited for cuota's Stripe rate limiter until it was given up; nothing was sent"}, nil
		}
		// A timeout, a dropped connection, an unreadable answer: Stripe
		// may have charged.
		return billing.ChargeResult{}, fmt.Errorf("stripe: charge %s: %w: %w", key, billing.ErrOutcomeUnknown, err)
	}
	if se.Type == stripe.ErrorTypeCard || se.HTTPStatusCode == http.StatusPaymentRequired {
		return declined(se), nil
	}
	technical := func(code, msg string) (billing.ChargeResult, error) {
		return billing.ChargeResult{Status: billing.PaymentFailed, FailureClass: billing.FailureTechnical, FailureCode: code,
			FailureMessage: msg}, nil
	}
	switch {
	case se.HTTPStatusCode == http.StatusTooManyRequests:
		// Stripe refused the request before running it.
		return technical(CodeRateLimited, "Stripe rate limited the request; nothing was charged")
	case se.HTTPStatusCode == http.StatusConflict, se.HTTPStatusCode >= 500, se.Type == stripe.ErrorTypeIdempotency:
		// 409: a request with this key is still running; 5xx: Stripe's
		// own failure, maybe after charging; idempotency_error: an earlier
		// request with this key (different parameters) happened. In every
		// case only a lookup can tell.
		return billing.ChargeResult{}, fmt.Errorf("stripe: charge %s: %w: %w", key, billing.ErrOutcomeUnknown, err)
	case se.HTTPStatusCode == http.StatusUnauthorized:
		return technical(CodeCredentialsInvalid, "Stripe does not accept the merchant's secret key")
	case se.HTTPStatusCode == http.StatusForbidden:
		return technical(CodePermissionDenied, "the merchant's Stripe key may not create PaymentIntents")
	case se.Code == stripe.ErrorCodeResourceMissing && se.Param == "payment_method":
		// The card was detached or deleted at Stripe: retrying cannot help.
		return billing.ChargeResult{Status: billing.PaymentFailed, FailureClass: billing.FailureHard, FailureCode: CodePaymentMethodMissing,
			FailureMessage: "Stripe no longer has this payment method: " + stripeMessage(se)}, nil
	case se.Code == stripe.ErrorCodeResourceMissing && se.Param == "customer":
		return billing.ChargeResult{Status: billing.PaymentFailed, FailureClass: billing.FailureHard, FailureCode: CodeCustomerMissing,
			FailureMessage: "Stripe no longer has this customer: " + stripeMessage(se)}, nil
	}
	return technical(CodeInvalidRequest, "Stripe refused the charge: "+stripeMessage(se))
}

// declined maps a card error (HTTP 402) onto a failed result.
func declined(se *stripe.Error) billing.ChargeResult {
	code := string(se.DeclineCode)
	if code == "" {
		code = string(se.Code)
	}
	if code == "" {
		code = string(stripe.ErrorCodeCardDeclined)
	}
	res := billing.ChargeResult{Status: billing.PaymentFailed, FailureClass: billing.FailureCustomer, FailureCode: code,
		FailureMessage: se.Msg}
	switch {
	case hardDeclines[code] || hardDeclines[string(se.Code)] || se.AdviceCode == "do_not_try_again":
		res.FailureClass = billing.FailureHard
	case technicalDeclines[code] || technicalDeclines[string(se.Code)]:
		res.FailureClass = billing.FailureTechnical
	}
	if se.PaymentIntent != nil {
		res.GatewayRef = se.PaymentIntent.ID
	} else if se.ChargeID != "" {
		res.GatewayRef = se.ChargeID
	}
	if code == CodeAuthenticationRequired && res.FailureMessage == "" {
		res.FailureMessage = "the bank requires the customer to authenticate this payment"
	}
	if res.FailureMessage == "" {
		res.FailureMessage = "Stripe declined the charge."
	}
	return res
}

// intentResult maps a PaymentIntent's status onto cuota's charge result.
func intentResult(pi *stripe.PaymentIntent) billing.ChargeResult {
	res := billing.ChargeResult{GatewayRef: pi.ID}
	switch pi.Status {
	case stripe.PaymentIntentStatusSucceeded:
		res.Status = billing.PaymentSucceeded
	case stripe.PaymentIntentStatusProcessing, stripe.PaymentIntentStatusRequiresCapture:
		res.Status = billing.PaymentPending
	case stripe.PaymentIntentStatusRequiresAction:
		// Strong Customer Authentication: the bank wants the customer
		// present. The payment waits (webhook or LookupCharge settles it).
		res.Status, res.FailureCode = billing.PaymentPending, CodeAuthenticationRequired
		res.FailureMessage = "the customer must authenticate this payment with their bank (3-D Secure)"
	case stripe.PaymentIntentStatusRequiresPaymentMethod:
		if pi.LastPaymentError != nil {
			res = declined(pi.LastPaymentError)
			res.GatewayRef = pi.ID
			return res
		}
		res.Status, res.FailureClass, res.FailureCode = billing.PaymentFailed, billing.FailureCustomer, string(stripe.ErrorCodeCardDeclined)
		res.FailureMessage = "Stripe could not charge the payment method."
	case stripe.PaymentIntentStatusRequiresConfirmation:
		// Created but never confirmed: no money moved.
		res.Status, res.FailureClass, res.FailureCode = billing.PaymentFailed, billing.FailureTechnical, CodeNotConfirmed
		res.FailureMessage = "the PaymentIntent was never confirmed"
	case stripe.PaymentIntentStatusCanceled:
		res.Status, res.FailureClass, res.FailureCode = billing.PaymentFailed, billing.FailureCustomer, CodeCanceled
		res.FailureMessage = "the PaymentIntent was canceled"
		if pi.LastPaymentError != nil {
			res = declined(pi.LastPaymentError)
			res.GatewayRef = pi.ID
		} else if pi.CancellationReason == stripe.PaymentIntentCancellationReasonAbandoned {
			res.FailureCode = CodeAuthenticationRequired
			res.FailureMessage = "the customer did not authenticate the payment in time"
		}
	default:
		// A status this adapter does not know: not a success, not a
		// failure. Wait and ask again.
		res.Status = billing.PaymentPending
	}
	return res
}

// LookupCharge finds the PaymentIntent cuota created with the idempotency
// key (listing the customer's PaymentIntents, which is read-after-write
// consistent, unlike Search) and maps its current status. found is false
// when Stripe has none: the charge never happened. A PaymentIntent that
// has waited for the customer's authentication longer than ActionWindow is
// canceled first, so it can never succeed after cuota called it failed.
func (a *Adapter) LookupCharge(ctx context.Context, s billing.Scope, key string) (billing.ChargeResult, bool, error) {
	cl, err := a.client(ctx, s)
	if err != nil {
		return billing.ChargeResult{}, false, err
	}
	pi, err := a.findIntent(ctx, cl, s, key)
	if err != nil || pi == nil {
		return billing.ChargeResult{}, false, err
	}
	if payPage(pi) {
		// Paid on a pay page: Checkout, not cuota, ends it (the session's
		// expiry cancels it).
		return payPageIntentResult(pi, true), true, nil
	}
	if pi.Status == stripe.PaymentIntentStatusRequiresAction && a.opts.Now().Sub(time.Unix(pi.Created, 0)) > a.opts.ActionWindow {
		if pi, err = a.cancelIntent(ctx, cl, pi); err != nil {
			return billing.ChargeResult{}, false, err
		}
	}
	return intentResult(pi), true, nil
}

// cancelIntent cancels a PaymentIntent still waiting for the customer. If
// Stripe refuses because it moved on meanwhile, its current state counts.
func (a *Adapter) cancelIntent(ctx context.Context, cl *stripe.Client, pi *stripe.PaymentIntent) (*stripe.PaymentIntent, error) {
	p := &stripe.PaymentIntentCancelParams{CancellationReason: stripe.String(string(stripe.PaymentIntentCancellationReasonAbandoned))}
	p.SetIdempotencyKey("cuota-cancel-" + pi.ID)
	got, err := cl.V1PaymentIntents.Cancel(ctx, pi.ID, p)
	if err == nil {
		a.opts.Logger.InfoContext(ctx, "stripe: canceled a payment the customer did not authenticate", "payment_intent", pi.ID)
		return got, nil
	}
	var se *stripe.Error
	if errors.As(err, &se) && se.HTTPStatusCode == http.StatusBadRequest {
		if got, rerr := cl.V1PaymentIntents.Retrieve(ctx, pi.ID, nil); rerr == nil && got.Status != stripe.PaymentIntentStatusRequiresAction {
			return got, nil
		}
	}
	return nil, fmt.Errorf("stripe: cancel %s: %w", pi.ID, err)
}

// findIntent returns the PaymentIntent cuota created for key, or nil.
func (a *Adapter) findIntent(ctx context.Context, cl *stripe.Client, s billing.Scope, key string) (*stripe.PaymentIntent, error) {
	customerID, err := a.paymentCustomer(ctx, s, key)
	if err != nil {
		return nil, err
	}
	cus, err := a.customers.Stored(ctx, s, customerID)
	if errors.Is(err, billing.ErrNotFound) || (err == nil && cus == "") {
		return nil, nil // Charge never sends a payment without a Stripe customer
	}
	if err != nil {
		return nil, err
	}
	list := cl.V1PaymentIntents.List(ctx, &stripe.PaymentIntentListParams{Customer: stripe.String(cus),
		ListParams: stripe.ListParams{Limit: stripe.Int64(100)}})
	for pi, err := range list.All(ctx) {
		if err != nil {
			return nil, fmt.Errorf("stripe: list payment intents of %s: %w", customerID, err)
		}
		if pi.Metadata[MetaKey] == key && Owned(pi.Metadata, s) {
			return pi, nil
		}
	}
	return nil, nil
}

// paymentCustomer returns the cuota customer of the payment with key.
func (a *Adapter) paymentCustomer(ctx context.Context, s billing.Scope, key string) (string, error) {
	pay, err := a.paymentByKey(ctx, s, key)
	if err != nil {
		return "", err
	}
	return pay.CustomerID, nil
}

// paymentByKey reads the payment with an idempotency key (an error
// wrapping billing.ErrNotFound when cuota has none).
func (a *Adapter) paymentByKey(ctx context.Context, s billing.Scope, key string) (billing.Payment, error) {
	var pay billing.Payment
	err := a.opts.Store.InTx(ctx, func(tx billing.Tx) error {
		var err error
		pay, err = tx.Gateways.GetPaymentByIdempotencyKey(ctx, s, key)
		return err
	})
	if err != nil {
		return billing.Payment{}, fmt.Errorf("stripe: payment %s: %w", key, err)
	}
	return pay, nil
}

// ChargeByIntent reads a PaymentIntent and returns, when cuota created it
// for scope s, the idempotency key of its payment and its current outcome
// (for webhooks: the event says which PaymentIntent changed, Stripe's
// answer says how). key is "" for PaymentIntents cuota did not create.
func (a *Adapter) ChargeByIntent(ctx context.Context, s billing.Scope, id string) (key string, res billing.ChargeResult, err error) {
	cl, err := a.client(ctx, s)
	if err != nil {
		return "", billing.ChargeResult{}, err
	}
	pi, err := cl.V1PaymentIntents.Retrieve(ctx, id, nil)
	if err != nil {
		var se *stripe.Error
		if errors.As(err, &se) && se.HTTPStatusCode == http.StatusNotFound {
			return "", billing.ChargeResult{}, nil
		}
		return "", billing.ChargeResult{}, fmt.Errorf("stripe: read payment intent %s: %w", id, err)
	}
	if !Owned(pi.Metadata, s) || pi.Metadata[MetaKey] == "" {
		return "", billing.ChargeResult{}, nil
	}
	if payPage(pi) {
		// A failed attempt on the pay page is not the payment's end: the
		// customer may try another card until the session ends, which
		// the checkout.session.* events and LookupPayment report.
		return pi.Metadata[MetaKey], payPageIntentResult(pi, true), nil
	}
	return pi.Metadata[MetaKey], intentResult(pi), nil
}
