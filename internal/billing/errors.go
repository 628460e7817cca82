package billing

import (
	"errors"
	"fmt"
)

// Kind classifies an Error. Transports map each Kind to one protocol status
// (httpapi does it in a single function); nothing else decides statuses.
type Kind string

// The kinds of error the domain reports.
const (
	KindInvalid      Kind = "invalid"      // the caller sent something unacceptable
	KindNotFound     Kind = "not_found"    // no such object in the caller's scope
	KindConflict     Kind = "conflict"     // the object exists or is in the wrong state
	KindUnauthorized Kind = "unauthorized" // missing or bad credentials
	KindRateLimited  Kind = "rate_limited" // too many requests
	KindTooLarge     Kind = "too_large"    // request body over the limit
	KindNoRoute      Kind = "no_route"     // no such endpoint
	KindBadMethod    Kind = "bad_method"   // the endpoint exists, the method does not
	KindUnavailable  Kind = "unavailable"  // a gateway is not answering; nothing happened
	KindInternal     Kind = "internal"     // our fault; details are logged, never shown
)

// Stable machine codes. They are part of the public API: never rename one.
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
)

// Error is a domain error with a stable machine code. Its Message is safe to
// show to API callers; Param names the offending request field, if any.
type Error struct {
	Kind    Kind
	Code    string
	Message string
	Param   string
}

func (e *Error) Error() string {
	if e.Param != "" {
		return fmt.Sprintf("%s (%s): %s", e.Code, e.Param, e.Message)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// Errorf builds an Error of the given kind and code.
func Errorf(kind Kind, code, format string, args ...any) *Error {
	return &Error{Kind: kind, Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid reports a bad parameter.
func Invalid(param, code, format string, args ...any) *Error {
	return &Error{Kind: KindInvalid, Code: code, Param: param, Message: fmt.Sprintf(format, args...)}
}

// NotFound reports that an object does not exist in the caller's scope.
// Objects of another merchant or mode are reported the same way.
func NotFound(object, id string) *Error {
	return &Error{Kind: KindNotFound, Code: CodeResourceMissing, Param: "id",
		Message: fmt.Sprintf("no such %s: %q", object, id)}
}

// Exists reports a uniqueness conflict on param.
func Exists(param, format string, args ...any) *Error {
	return &Error{Kind: KindConflict, Code: CodeResourceExists, Param: param, Message: fmt.Sprintf(format, args...)}
}

// ErrNotFound is returned by stores when a row does not exist. Use cases
// translate it into a NotFound Error naming the object.
var ErrNotFound = errors.New("not found")

// ErrUniqueViolation is returned by stores when an insert or update breaks a
// unique constraint. Constraint names the violated constraint.
type ErrUniqueViolation struct{ Constraint string }

func (e *ErrUniqueViolation) Error() string { return "unique violation: " + e.Constraint }

// AsError returns the *Error in err's chain, or nil.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return nil
}
