package billing

import (
	"errors"
	"fmt"
)

// Kind classifies an Error. Kind.HTTPStatus (codes.go) maps each Kind to
// one HTTP status, for the API and the hosted pages alike; nothing else
// decides statuses. The codes and the kinds they come with are registered
// in codes.go.
type Kind string

// The kinds of error the domain reports.
const (
	KindInvalid      Kind = "invalid"      // the caller sent something unacceptable
	KindNotFound     Kind = "not_found"    // no such object in the caller's scope
	KindConflict     Kind = "conflict"     // the object exists or is in the wrong state
	KindUnauthorized Kind = "unauthorized" // missing or bad credentials
	KindRateLimited  Kind = "rate_limited" // too many requests
	KindTooLarge     Kind = "too_large"    // request body over the limit
	KindUnavailable  Kind = "unavailable"  // a gateway is not answering; nothing happened
	KindInternal     Kind = "internal"     // our fault; details are logged, never shown
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
