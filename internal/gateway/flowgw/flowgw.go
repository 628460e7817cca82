// Package flowgw is the Flow.cl gateway adapter: it turns cuota's gateway
// calls into signed Flow API calls through internal/gateway/flow, with each
// merchant's own credentials for the mode of the call. It stores tokens and
// moves money; every schedule, retry and state rule stays in cuota.
//
// Rules it keeps (see README.md):
//   - One Flow customer per cuota customer, recorded locally (reserved)
//     before Flow is called, so retries and concurrent requests reuse it.
//   - A charge's commerceOrder is the payment's idempotency key. Flow does
//     not deduplicate on it, so a charge is never sent twice: a timeout or
//     5xx is an unknown outcome, resolved only by LookupCharge
//     (payment/getStatusByCommerceId; "Transaction not found" = never
//     happened).
//   - Card setups are verified with customer/getRegisterStatus; the
//     browser's return proves nothing.
//   - Pay pages (payment/create) carry the payment's idempotency key as
//     commerceOrder and a timeout, so an attempt stops being payable when
//     cuota says; their outcome is read with payment/getStatus (the token
//     of a notification is checked the same way), never taken from the
//     browser or the notification.
//   - Only CLP is accepted.
package flowgw

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/gateway/breaker"
	"github.com/cuota/cuota/internal/gateway/flow"
	"github.com/cuota/cuota/internal/gateway/gwref"
	"github.com/cuota/cuota/internal/textcut"
)

// CredentialsFunc returns a scope's Flow credentials (app.Merchants.GatewayCredentials
// for "flow").
type CredentialsFunc func(ctx context.Context, s billing.Scope) (billing.GatewayCredentials, error)

// Options configure an Adapter.
type Options struct {
	Store       gwref.Store
	Credentials CredentialsFunc
	// PublicURL returns where Flow reaches cuota (refund callbacks); it is
	// known only once the server listens.
	PublicURL func() string
	// HTTPClient sends the requests; nil means the flow client's default.
	HTTPClient *http.Client
	// Timeout bounds each Flow call; 0 means flow.DefaultTimeout.
	Timeout time.Duration
	Now     func() time.Time
	Logger  *slog.Logger
}

// Adapter is the Flow gateway (billing.Gateway, billing.SetupGateway,
// billing.PayPageGateway, billing.CredentialChecker).
type Adapter struct {
	opts      Options
	customers *gwref.Customers
	breakers  *breaker.Set
}

var (
	_ billing.Gateway           = (*Adapter)(nil)
	_ billing.SetupGateway      = (*Adapter)(nil)
	_ billing.PayPageGateway    = (*Adapter)(nil)
	_ billing.CredentialChecker = (*Adapter)(nil)
	_ billing.RefundLooker      = (*Adapter)(nil)
)

// New returns a Flow adapter.
func New(o Options) *Adapter {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &Adapter{opts: o, breakers: breaker.New(o.Now),
		customers: &gwref.Customers{Store: o.Store, Gateway: billing.GatewayFlow, TTL: customerReservationTTL, Now: o.Now, Logger: o.Logger}}
}

// Name implements billing.Gateway.
func (a *Adapter) Name() string { return billing.GatewayFlow }

// Currency is the one currency cuota charges through Flow.
const Currency = "CLP"

// customerReservationTTL is how long a reservation of a Flow customer keeps
// others waiting for its creator; after it, the creator is taken to have
// crashed and another request creates the customer.
const customerReservationTTL = 45 * time.Second

// client builds the Flow client for a scope's credentials.
func (a *Adapter) client(ctx context.Context, s billing.Scope) (*flow.Client, error) {
	c, err := a.opts.Credentials(ctx, s)
	if err != nil {
		return nil, err
	}
	return a.clientFor(c)
}

func (a *Adapter) clientFor(c billing.GatewayCredentials) (*flow.Client, error) {
	base := flow.SandboxURL
	if c.Environment == "production" {
		base = flow.ProductionURL
	}
	if c.BaseURL != "" {
		base = c.BaseURL
	}
	cl, err := flow.New(flow.Config{BaseURL: base, APIKey: c.APIKey, Secret: c.Secret, Timeout: a.opts.Timeout, HTTPClient: a.opts.HTTPClient})
	if err != nil {
		return nil, fmt.Errorf("flow client: %w", err)
	}
	return cl, nil
}

// CheckCredentials makes one signed, harmless read with c: the status of an
// order that does not exist. Flow's "Transaction not found" proves the
// apiKey and the signature are right.
func (a *Adapter) CheckCredentials(ctx context.Context, s billing.Scope, c billing.GatewayCredentials) error {
	cl, err := a.clientFor(c)
	if err != nil {
		return billing.Invalid("api_key", billing.CodeGatewayCredentialsInvalid, "these Flow credentials are not usable")
	}
	_, err = cl.GetPaymentStatusByCommerceID(ctx, "cuota-credentials-check-"+strconv.FormatInt(a.opts.Now().UnixNano(), 36))
	switch {
	case err == nil, flow.IsTransactionNotFound(err):
		return nil
	case flow.IsInvalidSignature(err):
		return billing.Invalid("secret", billing.CodeGatewayCredentialsInvalid,
			"Flow refused the signature (code 108, Invalid Signature): the secret key does not belong to this apiKey or environment")
	case flow.IsInvalidAPIKey(err):
		return billing.Invalid("api_key", billing.CodeGatewayCredentialsInvalid,
			"Flow does not know this apiKey in the %s environment", environmentName(c))
	case flow.IsOutcomeUnknown(err):
		return billing.Errorf(billing.KindUnavailable, billing.CodeGatewayUnavailable,
			"Flow could not be reached to check the credentials; nothing was saved, try again")
	default:
		return billing.Invalid("api_key", billing.CodeGatewayCredentialsInvalid, "Flow refused the credentials: %s", flowMessage(err))
	}
}

func environmentName(c billing.GatewayCredentials) string {
	if c.BaseURL != "" {
		return "configured"
	}
	return c.Environment
}

// flowMessage is Flow's own message of a refusal, safe to show.
func flowMessage(err error) string {
	if e, ok := flow.AsError(err); ok && e.Message != "" {
		return e.Message
	}
	return "no usable answer"
}

// AttachToken links an existing Flow customer (token "cus_…") whose card
// is registered, e.g. when a merchant moves its Flow customers to cuota.
func (a *Adapter) AttachToken(ctx context.Context, s billing.Scope, customerID, token string) (billing.PaymentMethod, error) {
	if !strings.HasPrefix(token, "cus_") {
		return billing.PaymentMethod{}, billing.Invalid("token", billing.CodeParameterInvalid,
			"a Flow token is a Flow customer id (cus_…) with a registered card; to register a new card use a payment method setup")
	}
	cl, err := a.client(ctx, s)
	if err != nil {
		return billing.PaymentMethod{}, err
	}
	c, err := cl.GetCustomer(ctx, token)
	if err != nil {
		if flow.IsNotFound(err) {
			return billing.PaymentMethod{}, billing.Invalid("token", billing.CodeParameterInvalid, "Flow has no customer %s", token)
		}
		return billing.PaymentMethod{}, a.unavailable("read customer", err)
	}
	if c.PayMode.String() != flow.PayModeAuto || c.Status.String() == flow.CustomerDeleted {
		return billing.PaymentMethod{}, billing.Invalid("token", billing.CodeParameterInvalid,
			"Flow customer %s has no registered card", token)
	}
	return billing.PaymentMethod{Gateway: billing.GatewayFlow, Token: c.CustomerID.String(),
		Brand: strings.ToLower(c.CreditCardType.String()), Last4: c.Last4CardDigits.String()}, nil
}

// unavailable turns a failed Flow call that moved no money into an error
// for the API: Flow's refusal, or Flow being unreachable.
func (a *Adapter) unavailable(what string, err error) error {
	e, ok := flow.AsError(err)
	switch {
	case errors.Is(err, flow.ErrInvalidRequest):
		// The client refused before sending: Flow was never asked, so this
		// is no sign of Flow being unavailable (nor a reason to fail over).
		return billing.Invalid("", billing.CodeParameterInvalid, "cuota could not ask Flow to %s: %v", what, err)
	case !ok || e.OutcomeUnknown():
		return fmt.Errorf("flow: %s: %w", what, err)
	case flow.IsInvalidSignature(err), flow.IsInvalidAPIKey(err):
		// The merchant's saved credentials no longer work.
		return billing.Invalid("gateway", billing.CodeGatewayCredentialsInvalid, "Flow refused to %s: %s", what, e.Message)
	default:
		return billing.Invalid("gateway", billing.CodeParameterInvalid, "Flow refused to %s: %s", what, e.Message)
	}
}

// Charge charges the Flow customer's registered card with customer/charge.
func (a *Adapter) Charge(ctx context.Context, r billing.ChargeRequest) (billing.ChargeResult, error) {
	if !strings.EqualFold(r.Currency, Currency) {
		return billing.ChargeResult{}, billing.Invalid("currency", billing.CodeCurrencyNotSupported,
			"Flow charges only CLP; this charge is in %s", strings.ToUpper(r.Currency))
	}
	if r.IdempotencyKey == "" || r.Amount <= 0 {
		return billing.ChargeResult{}, billing.Invalid("amount", billing.CodeAmountInvalid, "a Flow charge needs an idempotency key and a positive amount")
	}
	if err := a.breakers.Allow(r.Scope); err != nil {
		return billing.ChargeResult{}, err // nothing sent: a technical failure, retried later
	}
	cl, err := a.client(ctx, r.Scope)
	if err != nil {
		return billing.ChargeResult{}, err
	}
	st, err := cl.Charge(ctx, flow.ChargeRequest{CustomerID: r.PaymentMethod.Token, CommerceOrder: r.IdempotencyKey,
		Subject: subject(r.Description), Amount: r.Amount, Currency: Currency})
	a.breakers.Record(r.Scope, unanswered(err))
	if err != nil {
		if flow.IsOutcomeUnknown(err) {
			return billing.ChargeResult{}, fmt.Errorf("flow: charge %s: %w: %w", r.IdempotencyKey, billing.ErrOutcomeUnknown, err)
		}
		return refusal(err), nil
	}
	return a.result(ctx, cl, st), nil
}

// subjectLimit bounds the subject cuota sends, in characters. Flow's API
// reference states no limit for subject and signs it as UTF-8 bytes; the
// bound keeps the payer's view readable and is cut on a character
// boundary, because a subject with a split character is invalid UTF-8 and
// Flow refuses its signature.
const subjectLimit = 200

// subject is the charge's description as Flow shows it to the payer.
func subject(desc string) string {
	if desc == "" {
		return "Suscripción"
	}
	return textcut.Runes(desc, subjectLimit)
}

// refusal is the result of a charge Flow refused before charging.
func refusal(err error) billing.ChargeResult {
	res := billing.ChargeResult{Status: billing.PaymentFailed, FailureClass: billing.FailureTechnical,
		FailureCode: "flow_error", FailureMessage: "Flow refused the charge: " + flowMessage(err)}
	switch {
	case flow.IsQuotaExceeded(err):
		// Flow's daily quota per customer: nothing wrong with the card;
		// try again later.
		res.FailureCode = "daily_quota_exceeded"
	case flow.IsNotFound(err):
		// The Flow customer (or its card) is gone: retrying cannot help.
		res.FailureClass, res.FailureCode = billing.FailureHard, "customer_not_found"
	case flow.IsInvalidSignature(err), flow.IsInvalidAPIKey(err):
		res.FailureCode = "gateway_credentials_invalid"
	}
	return res
}

// result maps a Flow payment status to cuota's charge result.
func (a *Adapter) result(ctx context.Context, cl *flow.Client, st *flow.PaymentStatus) billing.ChargeResult {
	ref := st.FlowOrder.String()
	status, _ := st.Status.Int64()
	switch status {
	case flow.PaymentPaid:
		return billing.ChargeResult{Status: billing.PaymentSucceeded, GatewayRef: ref}
	case flow.PaymentPending:
		return billing.ChargeResult{Status: billing.PaymentPending, GatewayRef: ref}
	}
	le := st.LastError
	if le.Code.IsZero() && ref != "" {
		// The charge answer carries no reason; the extended status does.
		if n, err := st.FlowOrder.Int64(); err == nil {
			if ext, err := cl.GetPaymentStatusByFlowOrderExtended(ctx, n); err == nil {
				le = ext.LastError
			}
		}
	}
	code, _ := le.Code.Int64()
	res := billing.ChargeResult{Status: billing.PaymentFailed, GatewayRef: ref, FailureClass: billing.FailureCustomer,
		FailureCode: "card_declined", FailureMessage: le.Message.String()}
	switch code {
	case flow.LastErrorInvalidCard, flow.LastErrorBlockedCard, flow.LastErrorExpiredCard, flow.LastErrorInvalidExpiry, flow.LastErrorNotSupported:
		res.FailureClass, res.FailureCode = billing.FailureHard, declineCode(code)
	case flow.LastErrorExceedsMaxAmount:
		res.FailureCode = "amount_too_large"
	case flow.LastErrorConnection, flow.LastErrorTransactionProblem:
		res.FailureClass, res.FailureCode = billing.FailureTechnical, "processing_error"
	}
	if status == flow.PaymentCancelled {
		res.FailureCode = "canceled"
	}
	if res.FailureMessage == "" {
		res.FailureMessage = "Flow rejected the charge."
	}
	return res
}

func declineCode(code int64) string {
	switch code {
	case flow.LastErrorBlockedCard:
		return "card_blocked"
	case flow.LastErrorExpiredCard, flow.LastErrorInvalidExpiry:
		return "expired_card"
	case flow.LastErrorNotSupported:
		return "card_not_supported"
	}
	return "invalid_card"
}

// LookupCharge asks Flow about the order with the charge's idempotency key.
func (a *Adapter) LookupCharge(ctx context.Context, s billing.Scope, key string) (billing.ChargeResult, bool, error) {
	cl, err := a.client(ctx, s)
	if err != nil {
		return billing.ChargeResult{}, false, err
	}
	st, err := cl.GetPaymentStatusByCommerceID(ctx, key)
	if flow.IsTransactionNotFound(err) {
		return billing.ChargeResult{}, false, nil
	}
	if err != nil {
		return billing.ChargeResult{}, false, fmt.Errorf("flow: look up %s: %w", key, err)
	}
	return a.result(ctx, cl, st), true, nil
}

// Refund asks Flow to return money of a charge with refund/create. Flow
// settles refunds later and says so at the callback URL.
func (a *Adapter) Refund(ctx context.Context, r billing.RefundRequest) (billing.RefundResult, error) {
	if !strings.EqualFold(r.Currency, Currency) {
		return billing.RefundResult{}, billing.Invalid("currency", billing.CodeCurrencyNotSupported, "Flow refunds only CLP")
	}
	if r.CustomerEmail == "" {
		return billing.RefundResult{}, billing.Invalid("customer", billing.CodeParameterMissing,
			"Flow sends refunds to the payer's email: the customer has none")
	}
	cl, err := a.client(ctx, r.Scope)
	if err != nil {
		return billing.RefundResult{}, err
	}
	req := flow.CreateRefundRequest{RefundCommerceOrder: r.IdempotencyKey, ReceiverEmail: r.CustomerEmail, Amount: r.Amount,
		URLCallBack: a.CallbackURL(r.Scope, "refund"), CommerceTrxID: r.ChargeKey}
	if n, err := strconv.ParseInt(r.ChargeRef, 10, 64); err == nil {
		req.FlowTrxID = n
	}
	st, err := cl.CreateRefund(ctx, req)
	if err != nil {
		if flow.IsOutcomeUnknown(err) {
			return billing.RefundResult{}, fmt.Errorf("flow: refund %s: %w: %w", r.IdempotencyKey, billing.ErrOutcomeUnknown, err)
		}
		return billing.RefundResult{}, billing.Invalid("payment", billing.CodeParameterInvalid, "Flow refused the refund: %s", flowMessage(err))
	}
	return RefundResult(st), nil
}

// RefundResult maps a Flow refund status.
func RefundResult(st *flow.RefundStatus) billing.RefundResult {
	res := billing.RefundResult{Status: billing.RefundPending, GatewayRef: st.Token.String()}
	switch st.Status.String() {
	case flow.RefundRefunded:
		res.Status = billing.RefundSucceeded
	case flow.RefundRejected, flow.RefundCanceled:
		res.Status = billing.RefundFailed
	}
	return res
}

// LookupRefund asks Flow about a refund by its token.
func (a *Adapter) LookupRefund(ctx context.Context, s billing.Scope, token string) (billing.RefundResult, error) {
	cl, err := a.client(ctx, s)
	if err != nil {
		return billing.RefundResult{}, err
	}
	st, err := cl.GetRefundStatus(ctx, token)
	if err != nil {
		return billing.RefundResult{}, fmt.Errorf("flow: refund status: %w", err)
	}
	return RefundResult(st), nil
}

// CallbackURL is cuota's address for Flow's notifications of kind ("payment",
// "refund") for a scope.
func (a *Adapter) CallbackURL(s billing.Scope, kind string) string {
	base := ""
	if a.opts.PublicURL != nil {
		base = strings.TrimRight(a.opts.PublicURL(), "/")
	}
	return base + "/webhooks/flow/" + s.MerchantID + "/" + string(s.Mode) + "/" + kind
}

// StartSetup registers a card: the customer's Flow customer (created first,
// if needed) and customer/register, whose page the browser goes to.
func (a *Adapter) StartSetup(ctx context.Context, r billing.SetupRequest) (billing.SetupStart, error) {
	// Flow's customer/create requires an email: refuse here, before
	// anything is reserved or sent, as the customer's fault, not Flow's.
	if strings.TrimSpace(r.Customer.Email) == "" {
		return billing.SetupStart{}, billing.Invalid("email", billing.CodeParameterMissing,
			"Flow registers cards only for a customer with an email, and customer %s has none: set the customer's email, or use another gateway", r.Customer.ID)
	}
	if err := a.breakers.Allow(r.Scope); err != nil {
		return billing.SetupStart{}, err
	}
	cl, err := a.client(ctx, r.Scope)
	if err != nil {
		return billing.SetupStart{}, err
	}
	fcID, err := a.ensureCustomer(ctx, cl, r.Scope, r.Customer)
	if err != nil {
		return billing.SetupStart{}, err
	}
	resp, err := cl.RegisterCustomer(ctx, fcID, r.ReturnURL)
	a.breakers.Record(r.Scope, unanswered(err))
	if err != nil {
		return billing.SetupStart{}, a.unavailable("start the card registration", err)
	}
	return billing.SetupStart{RedirectURL: resp.RedirectURL(), GatewayRef: resp.Token.String()}, nil
}

// FinishSetup asks Flow whether the card of a setup was registered.
func (a *Adapter) FinishSetup(ctx context.Context, st billing.PaymentMethodSetup) (billing.SetupOutcome, error) {
	if st.GatewayRef == "" {
		return billing.SetupOutcome{Status: billing.SetupPending}, nil
	}
	cl, err := a.client(ctx, st.Scope)
	if err != nil {
		return billing.SetupOutcome{}, err
	}
	res, err := cl.GetRegisterStatus(ctx, st.GatewayRef)
	if err != nil {
		return billing.SetupOutcome{}, a.unavailable("read the card registration", err)
	}
	ref, err := a.storedCustomer(ctx, st.Scope, st.CustomerID)
	if err != nil {
		return billing.SetupOutcome{}, err
	}
	if res.CustomerID.String() != "" && res.CustomerID.String() != ref {
		return billing.SetupOutcome{}, fmt.Errorf("flow: register token of setup %s belongs to Flow customer %s, not %s", st.ID, res.CustomerID, ref)
	}
	if !res.Registered() {
		return billing.SetupOutcome{Status: billing.SetupFailed, FailureMessage: "Flow did not register the card"}, nil
	}
	return billing.SetupOutcome{Status: billing.SetupSucceeded, PaymentMethod: billing.PaymentMethod{Gateway: billing.GatewayFlow,
		Token: ref, Brand: strings.ToLower(res.CreditCardType.String()), Last4: res.Last4CardDigits.String()}}, nil
}

// storedCustomer returns the recorded Flow customer id of a customer.
func (a *Adapter) storedCustomer(ctx context.Context, s billing.Scope, customerID string) (string, error) {
	return a.customers.Stored(ctx, s, customerID)
}

// ensureCustomer returns the customer's Flow customer id, creating the
// Flow customer once through the local reservation (gwref): concurrent
// callers wait for the one that reserved it instead of creating a second
// one.
func (a *Adapter) ensureCustomer(ctx context.Context, cl *flow.Client, s billing.Scope, cus billing.Customer) (string, error) {
	return a.customers.Ensure(ctx, s, cus.ID, func(ctx context.Context) (string, error) {
		return a.createCustomer(ctx, cl, cus)
	})
}

// createCustomer creates the Flow customer of a reservation we own.
func (a *Adapter) createCustomer(ctx context.Context, cl *flow.Client, cus billing.Customer) (string, error) {
	name := cus.Name
	if name == "" {
		name = cus.Email
	}
	c, err := cl.CreateCustomer(ctx, flow.CreateCustomerRequest{Name: name, Email: cus.Email, ExternalID: cus.ID})
	if err != nil {
		if flow.IsAlreadyExists(err) {
			return "", billing.Errorf(billing.KindConflict, billing.CodeResourceExists,
				"Flow already has a customer with externalId %s (created before cuota could record it); attach it with POST /v1/customers/%s/payment_methods {\"gateway\":\"flow\",\"token\":\"cus_…\"}", cus.ID, cus.ID)
		}
		return "", a.unavailable("create the customer", err)
	}
	return c.CustomerID.String(), nil
}

// ErrUnavailable is returned, before anything is sent, while a merchant's
// Flow circuit breaker is open.
var ErrUnavailable = breaker.ErrOpen

// Available reports whether a scope's Flow calls are going through (its
// breaker is closed), for failover decisions.
func (a *Adapter) Available(s billing.Scope) bool { return a.breakers.Available(s) }

// unanswered reports whether a Flow call got no usable answer (a timeout,
// a 5xx, a dropped connection): only those count against Flow.
func unanswered(err error) bool {
	var ce *flow.CallError
	return err != nil && (flow.IsOutcomeUnknown(err) || errors.As(err, &ce))
}

// SupportsCurrency implements billing.CurrencyGateway: Flow takes CLP.
func (a *Adapter) SupportsCurrency(code string) bool { return strings.EqualFold(code, Currency) }
