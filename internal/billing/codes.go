package billing

import "strconv"

// The registry of public error codes. Every machine code an API caller or
// a hosted page can meet is declared here, once, with the kinds it is
// reported with and what it means: the API's error table (docs/api.md), the
// OpenAPI document's Problem.code enum and the hosted pages' statuses all
// come from this list, and a test fails when a code used anywhere in the
// source is missing from it. Codes are part of the public API: never
// rename one.
const (
	CodeInvalidAPIKey          = "invalid_api_key"
	CodeResourceMissing        = "resource_missing"
	CodeResourceExists         = "resource_exists"
	CodeParameterMissing       = "parameter_missing"
	CodeParameterInvalid       = "parameter_invalid"
	CodeParameterUnknown       = "parameter_unknown"
	CodeCurrencyInvalid        = "currency_invalid"
	CodeAmountInvalid          = "amount_invalid"
	CodeIdempotencyKeyInUse    = "idempotency_key_in_use"
	CodeIdempotencyKeyReused   = "idempotency_key_reused"
	CodeRateLimited            = "rate_limited"
	CodeBodyTooLarge           = "body_too_large"
	CodeBodyInvalid            = "body_invalid"
	CodeUnsupportedMediaType   = "unsupported_media_type"
	CodeUnknownEndpoint        = "unknown_endpoint"
	CodeMethodNotAllowed       = "method_not_allowed"
	CodeInvalidStateTransition = "invalid_state_transition"
	CodeInternal               = "internal_error"
	// CodePaymentInProgress refuses a new payment of an invoice while an
	// attempt's outcome is still open at the gateway.
	CodePaymentInProgress = "payment_in_progress"

	// Gateway configuration errors.
	CodeGatewayNotConfigured      = "gateway_not_configured"
	CodeGatewayCredentialsInvalid = "gateway_credentials_invalid"
	CodeSecretKeyMissing          = "secret_key_missing"
	CodeCurrencyNotSupported      = "currency_not_supported"
	CodeGatewayUnavailable        = "gateway_unavailable"
	// CodeSecretKeyMismatch: something sealed at rest does not open with
	// the CUOTA_SECRET_KEY the server runs with (another key sealed it).
	CodeSecretKeyMismatch = "secret_key_mismatch"

	// CodeLimitExceeded reports that a scope already holds as many objects
	// of a kind as it may.
	CodeLimitExceeded = "limit_exceeded"

	// Checkout error codes.
	CodeAlreadySubscribed = "customer_already_subscribed"
	CodeSessionExpired    = "session_expired"

	// CodeTrialAlreadyUsed reports a second trial for one customer identity.
	CodeTrialAlreadyUsed = "trial_already_used"
	// CodeFormExpired reports a hosted form whose CSRF token is missing,
	// wrong or too old.
	CodeFormExpired = "form_expired"
	// CodeLivemodeNotAllowed reports a test-only feature used with a live
	// key.
	CodeLivemodeNotAllowed = "livemode_not_allowed"
	// CodeAlertResolved refuses acknowledging an alert whose condition
	// already cleared.
	CodeAlertResolved = "alert_resolved"

	// Codes of the sim gateway (the test-mode card simulator).

	// CodeSimLiveMode refuses every live-mode request to the sim.
	CodeSimLiveMode = "gateway_unavailable_in_live_mode"
	// CodeTokenInvalid refuses a token that is not a sim test token.
	CodeTokenInvalid = "token_invalid"
	// CodeChargeNotFound refuses a refund of a charge the sim's ledger
	// lacks.
	CodeChargeNotFound = "charge_not_found"
	// CodeChargeNotRefundable refuses a refund of a charge that did not
	// succeed (declined or errored: no money moved).
	CodeChargeNotRefundable = "charge_not_refundable"
	// CodeRefundExceedsCharge refuses a refund that would return more than
	// the charge collected (counting earlier refunds).
	CodeRefundExceedsCharge = "refund_exceeds_charge"

	// Tax rate codes (docs/taxes.md).

	// CodeTaxPercentageInvalid refuses a percentage outside 0–100 or with
	// more than four decimals.
	CodeTaxPercentageInvalid = "tax_percentage_invalid"
	// CodeTaxRateInactive refuses an inactive tax rate where a new use is
	// being set (a price, a subscription, the merchant default).
	CodeTaxRateInactive = "tax_rate_inactive"
	// CodeTaxRatesIncompatible refuses rates that cannot apply to one line
	// together (an inclusive rate beside another).
	CodeTaxRatesIncompatible = "tax_rates_incompatible"
	// Credit note and customer balance codes.

	// CodeCreditNoteExceedsInvoice refuses a credit note (or a refund of
	// an invoice's payment) that would credit more than is left of the
	// invoice, or refund more than its payment can give back.
	CodeCreditNoteExceedsInvoice = "credit_note_exceeds_invoice"
	// CodeCreditNoteSplitMismatch refuses refund, credit and out-of-band
	// amounts that do not add up to the credit note's amount.
	CodeCreditNoteSplitMismatch = "credit_note_split_mismatch"
	// CodeBalanceCurrencyMismatch refuses a balance change in another
	// currency than the customer's balance.
	CodeBalanceCurrencyMismatch = "balance_currency_mismatch"
	// CodeTaxIDInvalid: a tax id of an unknown type, or a RUT whose check
	// digit does not match.
	CodeTaxIDInvalid = "tax_id_invalid"
	// CodeLogoInvalid: an uploaded logo is not a PNG or SVG image.
	CodeLogoInvalid = "logo_invalid"
	// CodeLogoTooLarge: an uploaded logo is over billing.MaxLogoBytes.
	CodeLogoTooLarge = "logo_too_large"
	// CodeSignInFailed: the console's sign-in was refused (the email,
	// password or verification code is wrong), the same answer whether or
	// not the email is a user's.
	CodeSignInFailed = "sign_in_failed"
	// CodeSignInThrottled: too many wrong passwords for the email; wait.
	CodeSignInThrottled = "sign_in_throttled"
	// CodeConsoleSessionInvalid: no console session, or one that expired
	// or was revoked.
	CodeConsoleSessionInvalid = "console_session_invalid"
	// CodeLastOwner: the change would leave a merchant without an owner.
	CodeLastOwner = "last_owner"
	// CodeInvitationUnusable: the invitation was already used or expired.
	CodeInvitationUnusable = "invitation_unusable"
	// CodePasswordResetUnusable: the password reset link was already
	// used, replaced by a newer one, or expired.
	CodePasswordResetUnusable = "password_reset_unusable"

	// Electronic tax document codes (docs/dte.md).

	// CodeDTENotApplicable: an invoice no SII document can carry (not in
	// CLP, taxed by a rate other than 19 % IVA), or an action on a tax
	// document in a state that does not allow it.
	CodeDTENotApplicable = "dte_not_applicable"
	// CodeDTENotConfigured: tax documents are not enabled for the
	// merchant in this mode.
	CodeDTENotConfigured = "dte_not_configured"

	// CodeUFRateUnavailable: an invoice made at once (a new subscription's
	// first, a plan change's) needs today's UF value and no source has it
	// (docs/uf.md); set it with PUT /v1/uf_rates/{date}.
	CodeUFRateUnavailable = "uf_rate_unavailable"
)

// CodeInfo documents one registered error code.
type CodeInfo struct {
	// Code is the stable machine code (Problem.code, Error.Code).
	Code string
	// Kinds are the kinds the code is reported with, the usual one first;
	// each fixes an HTTP status through Kind.HTTPStatus. A few codes come
	// with a second kind (resource_missing is 400 when the missing object
	// is one the request body names, not the one in the URL).
	Kinds []Kind
	// Status is the HTTP status of a transport-only code, one the HTTP
	// layer reports about the request itself (no route, wrong method or
	// media type) and that has no domain Kind; zero for the others.
	Status int
	// Meaning is one line for the documentation's error table.
	Meaning string
}

// Statuses returns the HTTP statuses the code is answered with, the usual
// one first.
func (c CodeInfo) Statuses() []int {
	if len(c.Kinds) == 0 {
		return []int{c.Status}
	}
	out := make([]int, len(c.Kinds))
	for i, k := range c.Kinds {
		out[i] = k.HTTPStatus()
	}
	return out
}

// StatusText is Statuses as the error table writes it: "404, 400".
func (c CodeInfo) StatusText() string {
	s := ""
	for i, st := range c.Statuses() {
		if i > 0 {
			s += ", "
		}
		s += strconv.Itoa(st)
	}
	return s
}

func kinds(k ...Kind) []Kind { return k }

// registry is the list behind Codes, in the order of the documentation's
// error table.
var registry = []CodeInfo{
	{CodeInvalidAPIKey, kinds(KindUnauthorized), 0, "missing, unknown or revoked API key"},
	{CodeResourceMissing, kinds(KindNotFound, KindInvalid), 0, "no such object in your merchant and mode (400 when the request body names it)"},
	{CodeResourceExists, kinds(KindConflict), 0, "duplicate `lookup_key`, `external_id` or promotion `code`"},
	{CodeParameterMissing, kinds(KindInvalid), 0, "a required field is absent"},
	{CodeParameterInvalid, kinds(KindInvalid), 0, "a value is wrong (`param` names it)"},
	{CodeParameterUnknown, kinds(KindInvalid), 0, "an unknown field was sent"},
	{CodeAmountInvalid, kinds(KindInvalid), 0, "a fractional, negative, too large or non-numeric amount, on any amount field (`param` names it)"},
	{CodeCurrencyInvalid, kinds(KindInvalid), 0, "not an ISO 4217 code"},
	{CodeBodyInvalid, kinds(KindInvalid), 0, "the body is not a JSON object"},
	{CodeUnsupportedMediaType, nil, 415, "the body is not sent as `application/json`"},
	{CodeBodyTooLarge, kinds(KindTooLarge), 0, "body over 1 MiB"},
	{CodeIdempotencyKeyReused, kinds(KindInvalid), 0, "the `Idempotency-Key` was used with different parameters"},
	{CodeIdempotencyKeyInUse, kinds(KindConflict), 0, "a request with the same `Idempotency-Key` is still running"},
	{CodeRateLimited, kinds(KindRateLimited), 0, "over the per-key limit; `Retry-After` says when to retry"},
	{CodeUnknownEndpoint, nil, 404, "no such endpoint"},
	{CodeMethodNotAllowed, nil, 405, "the endpoint exists, the method does not"},
	{CodeInvalidStateTransition, kinds(KindConflict), 0, "the object's status does not allow this (the message names the status)"},
	{CodePaymentInProgress, kinds(KindConflict), 0, "an earlier payment attempt of the invoice is still open at the gateway"},
	{CodeLimitExceeded, kinds(KindConflict), 0, "your merchant and mode already hold as many objects of this kind as they may"},
	{CodeAlreadySubscribed, kinds(KindConflict), 0, "the customer already has a live subscription to the checkout's product"},
	{CodeSessionExpired, kinds(KindConflict), 0, "the checkout is finished or expired, or the portal link has expired"},
	{CodeTrialAlreadyUsed, kinds(KindConflict), 0, "the customer already had a trial"},
	{CodeFormExpired, kinds(KindInvalid), 0, "a hosted form was sent without a valid, recent form token; reload the page"},
	{CodeLivemodeNotAllowed, kinds(KindInvalid), 0, "a test-mode-only feature was used with a live key"},
	{CodeAlertResolved, kinds(KindConflict), 0, "the alert is resolved (its condition cleared): there is nothing to acknowledge"},
	{CodeGatewayNotConfigured, kinds(KindInvalid), 0, "the gateway is not configured in this mode"},
	{CodeGatewayCredentialsInvalid, kinds(KindInvalid), 0, "the gateway does not accept the credentials"},
	{CodeCurrencyNotSupported, kinds(KindInvalid), 0, "the gateway cannot charge this currency"},
	{CodeGatewayUnavailable, kinds(KindUnavailable, KindInvalid), 0, "the gateway is not answering, nothing happened: retry later (400 when the gateway cannot do this at all)"},
	{CodeSecretKeyMissing, kinds(KindInvalid, KindUnavailable), 0, "live-mode secrets need `CUOTA_SECRET_KEY` (503 when stored secrets cannot be opened without it)"},
	{CodeSecretKeyMismatch, kinds(KindUnavailable), 0, "stored secrets were sealed with another `CUOTA_SECRET_KEY`"},
	{CodeSimLiveMode, kinds(KindInvalid), 0, "the sim gateway works in test mode only"},
	{CodeTokenInvalid, kinds(KindInvalid), 0, "not a sim test card token"},
	{CodeChargeNotFound, kinds(KindInvalid), 0, "the sim has no such charge to refund"},
	{CodeChargeNotRefundable, kinds(KindInvalid), 0, "the sim charge did not succeed, so there is nothing to refund"},
	{CodeRefundExceedsCharge, kinds(KindInvalid), 0, "the refund would return more than the charge collected"},
	{CodeTaxPercentageInvalid, kinds(KindInvalid), 0, "a tax rate `percentage` outside 0–100 or with more than 4 decimals"},
	{CodeTaxRateInactive, kinds(KindInvalid), 0, "the tax rate is inactive and cannot be given to new prices, subscriptions or the merchant default"},
	{CodeTaxRatesIncompatible, kinds(KindInvalid), 0, "an inclusive tax rate was combined with another rate on the same line"},
	{CodeCreditNoteExceedsInvoice, kinds(KindInvalid), 0, "the credit note or refund would credit more than is left of the invoice or of its payment"},
	{CodeCreditNoteSplitMismatch, kinds(KindInvalid), 0, "`refund_amount`, `credit_amount` and `out_of_band_amount` do not add up to the credit note's amount"},
	{CodeBalanceCurrencyMismatch, kinds(KindInvalid), 0, "the customer's balance is in another currency"},
	{CodeTaxIDInvalid, kinds(KindInvalid), 0, "a tax id of an unknown type, or a RUT whose check digit does not match (`param` names it)"},
	{CodeLogoInvalid, kinds(KindInvalid), 0, "the logo is not a PNG or SVG image (its content decides, not its declared type)"},
	{CodeLogoTooLarge, kinds(KindTooLarge), 0, "the logo is over 256 KiB"},
	{CodeSignInFailed, kinds(KindUnauthorized), 0, "console sign-in: the email, password or verification code is wrong (the same answer for an unknown email)"},
	{CodeSignInThrottled, kinds(KindRateLimited), 0, "console sign-in: too many wrong passwords (for this email from this address, from this address, or for this email); wait, or up to 15 minutes when locked"},
	{CodeConsoleSessionInvalid, kinds(KindUnauthorized), 0, "console: not signed in, or the session expired or was revoked"},
	{CodeLastOwner, kinds(KindConflict), 0, "console: a merchant keeps at least one owner"},
	{CodeInvitationUnusable, kinds(KindConflict), 0, "console: the invitation was already used or has expired"},
	{CodePasswordResetUnusable, kinds(KindConflict), 0, "console: the password reset link was already used, replaced by a newer one, or has expired"},
	{CodeDTENotApplicable, kinds(KindConflict), 0, "no electronic tax document can be issued for this invoice, or not in its document's state"},
	{CodeDTENotConfigured, kinds(KindInvalid, KindConflict), 0, "electronic tax documents are not enabled in this mode, or cannot be yet (the merchant's legal profile is incomplete)"},
	{CodeUFRateUnavailable, kinds(KindConflict), 0, "a UF price needs the day's UF value and no source has it: set it with `PUT /v1/uf_rates/{date}` and retry"},
	{CodeInternal, kinds(KindInternal), 0, "our fault; the details are in the server log under the request id"},
}

// Codes lists every registered error code, in the documentation's order.
// The slice is a copy: callers may keep or change it.
func Codes() []CodeInfo {
	out := make([]CodeInfo, len(registry))
	copy(out, registry)
	return out
}

// LookupCode returns the registry entry of code.
func LookupCode(code string) (CodeInfo, bool) {
	for _, c := range registry {
		if c.Code == code {
			return c, true
		}
	}
	return CodeInfo{}, false
}

// CodeStatus returns code's usual HTTP status (the first of its Statuses);
// an unregistered code is 500, like any error the API does not know.
func CodeStatus(code string) int {
	if c, ok := LookupCode(code); ok {
		return c.Statuses()[0]
	}
	return KindInternal.HTTPStatus()
}

// HTTPStatus is the one mapping of a Kind to an HTTP status, shared by the
// API (httpapi) and the hosted pages (web). The numbers are plain data so
// that this package imports no transport.
func (k Kind) HTTPStatus() int {
	switch k {
	case KindInvalid:
		return 400
	case KindNotFound:
		return 404
	case KindConflict:
		return 409
	case KindUnauthorized:
		return 401
	case KindRateLimited:
		return 429
	case KindTooLarge:
		return 413
	case KindUnavailable:
		return 503
	default:
		return 500
	}
}
