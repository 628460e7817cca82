package flow

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode"
)

// ErrOutcomeUnknown is matched (errors.Is) by every error after which nobody
// knows whether Flow acted: the request may have reached Flow and no usable
// answer came back (timeout, dropped connection, 5xx, unreadable 200).
// A write that fails this way must not be retried blindly; for a charge, ask
// GetPaymentStatusByCommerceID ("Transaction not found" means it never
// happened).
var ErrOutcomeUnknown = errors.New("flow: outcome unknown")

// ErrInvalidRequest is wrapped by errors the client returns before sending
// anything (a required field missing, an invalid value, a bad method).
var ErrInvalidRequest = errors.New("flow: invalid request")

// Error codes Flow is known to use (its API documentation,
// https://www.flow.cl/docs/api.html, shows them in examples). Flow publishes
// no full catalogue; the Is* helpers below also match on message texts.
const (
	// CodeInvalidSignature: "Invalid Signature" (wrong s, wrong secret).
	CodeInvalidSignature = 108
	// CodePreviouslyPaid: "This commerceOrder N has been previously paid".
	CodePreviouslyPaid = 1605
)

// Error is an HTTP answer with an error status. For Flow's own errors
// (HTTP 400 "error del Api", 401 "error de negocio") Code and Message come
// from the body {"code": …, "message": …}: the request was refused and
// nothing happened. Any other status (5xx above all) leaves the outcome
// unknown (see OutcomeUnknown).
type Error struct {
	Service    string // e.g. "customer/charge"
	HTTPStatus int
	Code       int    // Flow's code; 0 when the body had none
	Message    string // Flow's message, or a short sanitised excerpt of the body
}

// Error implements error.
func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "flow %s: HTTP %d", e.Service, e.HTTPStatus)
	if e.Code != 0 {
		fmt.Fprintf(&b, ": code %d", e.Code)
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	return b.String()
}

// OutcomeUnknown reports whether the status leaves open whether Flow acted:
// true for 5xx and any status outside 400–499 (a 4xx is a refusal).
func (e *Error) OutcomeUnknown() bool { return e.HTTPStatus < 400 || e.HTTPStatus >= 500 }

// Is makes errors.Is(err, ErrOutcomeUnknown) true when OutcomeUnknown is.
func (e *Error) Is(target error) bool { return target == ErrOutcomeUnknown && e.OutcomeUnknown() }

// CallError is a call that got no usable answer: the connection failed or
// dropped, the context ended, or the answer could not be read or decoded.
// Sent is false only when the request certainly did not reach Flow (no
// connection was ever obtained); otherwise the outcome is unknown.
type CallError struct {
	Service string
	Sent    bool
	Err     error // the cause, e.g. context.DeadlineExceeded; never carries the URL
	msg     string
}

// Error implements error. It never contains the apiKey, the secret or the
// signature.
func (e *CallError) Error() string { return e.msg }

// Unwrap returns the cause.
func (e *CallError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrOutcomeUnknown) true when Sent is.
func (e *CallError) Is(target error) bool { return target == ErrOutcomeUnknown && e.Sent }

// newCallError builds a CallError whose message passes through redact.
func newCallError(service string, sent bool, cause error, redact func(string) string) *CallError {
	state := "request not sent"
	if sent {
		state = "request sent, outcome unknown"
	}
	return &CallError{
		Service: service,
		Sent:    sent,
		Err:     cause,
		msg:     redact(fmt.Sprintf("flow %s: %s: %v", service, state, cause)),
	}
}

// IsOutcomeUnknown reports whether err leaves open whether Flow acted (see
// ErrOutcomeUnknown).
func IsOutcomeUnknown(err error) bool { return errors.Is(err, ErrOutcomeUnknown) }

// AsError returns the *Error in err's chain, if any.
func AsError(err error) (*Error, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e, true
	}
	return nil, false
}

// flowRefusal returns the *Error of a 4xx answer (Flow's refusals), if any.
func flowRefusal(err error) (*Error, bool) {
	e, ok := AsError(err)
	if !ok || e.OutcomeUnknown() {
		return nil, false
	}
	return e, true
}

func messageHas(e *Error, sub string) bool {
	return strings.Contains(strings.ToLower(e.Message), strings.ToLower(sub))
}

// IsInvalidSignature reports whether Flow refused the signature (code 108,
// "Invalid Signature"): the secret or the signing is wrong.
func IsInvalidSignature(err error) bool {
	e, ok := flowRefusal(err)
	return ok && (e.Code == CodeInvalidSignature || messageHas(e, "invalid signature"))
}

// IsInvalidAPIKey reports whether Flow refused the apiKey ("apiKey not
// found" or similar).
func IsInvalidAPIKey(err error) bool {
	e, ok := flowRefusal(err)
	return ok && messageHas(e, "apikey")
}

// IsNotFound reports whether Flow answered that the object does not exist
// ("Transaction not found", "Customer not found", …). An unknown apiKey is
// not a not-found (see IsInvalidAPIKey).
func IsNotFound(err error) bool {
	e, ok := flowRefusal(err)
	return ok && messageHas(e, "not found") && !messageHas(e, "apikey")
}

// IsTransactionNotFound reports whether Flow answered "Transaction not found"
// (payment/getStatusByCommerceId for an order it does not know: the charge
// never happened).
func IsTransactionNotFound(err error) bool {
	e, ok := flowRefusal(err)
	return ok && messageHas(e, "transaction not found")
}

// IsAlreadyExists reports whether Flow refused to create a duplicate (e.g. a
// customer with an externalId already in use).
func IsAlreadyExists(err error) bool {
	e, ok := flowRefusal(err)
	return ok && messageHas(e, "already exist")
}

// IsQuotaExceeded reports whether Flow refused a charge because the customer
// "has exceeded the daily transaction quota" (sandbox, ≈6 per day).
func IsQuotaExceeded(err error) bool {
	e, ok := flowRefusal(err)
	return ok && messageHas(e, "quota")
}

// IsMissingParams reports whether Flow answered "There's some missing
// params".
func IsMissingParams(err error) bool {
	e, ok := flowRefusal(err)
	return ok && messageHas(e, "missing param")
}

// IsPreviouslyPaid reports whether Flow refused an order already paid (code
// 1605, "This commerceOrder N has been previously paid").
func IsPreviouslyPaid(err error) bool {
	e, ok := flowRefusal(err)
	return ok && (e.Code == CodePreviouslyPaid || messageHas(e, "previously paid"))
}

// maxErrorExcerpt bounds the body excerpt kept in Error.Message.
const maxErrorExcerpt = 200

// errorFromBody builds the *Error of a non-200 answer. Flow's body is
// {"code": number, "message": string}, decoded leniently; any other body
// (an HTML error page) is kept as a short sanitised excerpt.
func errorFromBody(service string, status int, body []byte, redact func(string) string) *Error {
	e := &Error{Service: service, HTTPStatus: status}
	var fe struct {
		Code    Number `json:"code"`
		Message Text   `json:"message"`
	}
	if json.Unmarshal(body, &fe) == nil && (fe.Code != "" || fe.Message != "") {
		if c, err := fe.Code.Int64(); err == nil && c >= -1<<31 && c < 1<<31 {
			e.Code = int(c)
		}
		e.Message = redact(excerpt(string(fe.Message)))
		return e
	}
	e.Message = redact(excerpt(string(body)))
	if e.Message == "" {
		e.Message = http.StatusText(status)
	}
	return e
}

// excerpt keeps at most maxErrorExcerpt runes of s with control characters
// turned into spaces and runs of space collapsed.
func excerpt(s string) string {
	var b strings.Builder
	n := 0
	space := false
	for _, r := range s {
		if n >= maxErrorExcerpt {
			b.WriteString("…")
			break
		}
		if unicode.IsControl(r) || unicode.IsSpace(r) || r == unicode.ReplacementChar {
			if !space && b.Len() > 0 {
				b.WriteByte(' ')
				n++
			}
			space = true
			continue
		}
		space = false
		b.WriteRune(r)
		n++
	}
	return strings.TrimSpace(b.String())
}
