// Package flow is cuota's own client for the Flow.cl REST API (Chile).
//
// It knows Flow's transport and nothing about billing: every request carries
// apiKey and the signature s (see Sign), reads are GET with a query string,
// writes are form-encoded POSTs, answers are JSON decoded leniently (Flow mixes
// numbers and strings for the same fields, see Number and Text), and errors
// are typed:
//
//   - *Error: something answered over HTTP with an error status. Flow's own
//     400/401 answers carry a numeric code and a message ({"code":108,
//     "message":"Invalid Signature"}); a 5xx or another unexpected status means
//     the outcome is unknown.
//   - *CallError: no usable answer (connection refused, timeout, dropped
//     connection, unreadable 200). CallError.Sent tells whether the request
//     may have reached Flow.
//
// IsOutcomeUnknown reports whether an error leaves open whether Flow acted
// (money may have moved). Such a write must never be retried blindly: the
// caller resolves it with a read (GetPaymentStatusByCommerceID for a charge).
// The client itself never retries anything.
//
// The adapter that implements billing.Gateway for Flow lives elsewhere and is
// built on this client; internal/flowsim is a fake Flow server for tests that
// verifies signatures with the same Sign function.
package flow
