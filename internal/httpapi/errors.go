package httpapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
)

// Problem is an RFC 9457 problem document with cuota's stable machine code
// and the offending parameter. It is the body of every error response.
type Problem struct {
	Type      string `json:"type"`
	Title     string `json:"title"`
	Status    int    `json:"status"`
	Detail    string `json:"detail"`
	Code      string `json:"code"`
	Param     string `json:"param,omitempty"`
	RequestID string `json:"request_id,omitempty"`
}

// Error implements error.
func (p *Problem) Error() string { return p.Detail }

// GetStatus implements huma.StatusError.
func (p *Problem) GetStatus() int { return p.Status }

// ContentType makes huma send problems as application/problem+json.
func (p *Problem) ContentType(string) string { return "application/problem+json" }

// problemFor converts a domain error into a Problem. Errors that are not
// *billing.Error are internal: they are logged with the request id and the
// caller sees only "internal_error".
func (s *Server) problemFor(ctx context.Context, err error) *Problem {
	var p *Problem
	if errors.As(err, &p) {
		return p
	}
	reqID := requestIDFrom(ctx)
	if e := billing.AsError(err); e != nil {
		status := e.Kind.HTTPStatus()
		return &Problem{Type: "about:blank", Title: http.StatusText(status), Status: status,
			Detail: e.Message, Code: e.Code, Param: e.Param, RequestID: reqID}
	}
	if errors.Is(err, context.Canceled) {
		s.logger.InfoContext(ctx, "request canceled", "request_id", reqID)
	} else {
		s.logger.ErrorContext(ctx, "internal error", "request_id", reqID, "error", err)
	}
	return &Problem{Type: "about:blank", Title: "Internal Server Error", Status: http.StatusInternalServerError,
		Detail: "an internal error occurred; quote the request id to support", Code: billing.CodeInternal, RequestID: reqID}
}

// codeProblem is the Problem of a transport-only code (one the HTTP layer
// reports about the request itself, with no domain Kind): its status is
// the one registered for the code.
func codeProblem(ctx context.Context, code, detail string) *Problem {
	status := billing.CodeStatus(code)
	return &Problem{Type: "about:blank", Title: http.StatusText(status), Status: status,
		Detail: detail, Code: code, RequestID: requestIDFrom(ctx)}
}

// writeProblem writes err as problem+json on a plain net/http handler.
func (s *Server) writeProblem(w http.ResponseWriter, r *http.Request, err error) {
	p := s.problemFor(r.Context(), err)
	writeJSON(w, p.Status, "application/problem+json", p)
}

// problemTransform is a huma transformer: huma runs it on every response
// body, its own errors included. A *huma.ErrorModel (a failure of
// decoding, validation or body reading) becomes a Problem through
// humaError, and the status humaError chose is the one sent (see
// withProblemStatus); every other body passes unchanged.
func (s *Server) problemTransform(hctx huma.Context, _ string, v any) (any, error) {
	em, ok := v.(*huma.ErrorModel)
	if !ok {
		return v, nil
	}
	errs := make([]error, 0, len(em.Errors))
	for _, d := range em.Errors {
		if d != nil {
			errs = append(errs, d)
		}
	}
	ps, _ := hctx.Context().Value(keyProblemStatus).(*problemStatus)
	if ps != nil && ps.tooBig != nil {
		errs = append(errs, ps.tooBig)
	}
	p := humaError(hctx.Operation(), em.Status, em.Detail, errs...).(*Problem)
	p.RequestID = requestIDFrom(hctx.Context())
	if ps != nil {
		ps.status = p.Status
	}
	return p, nil
}

// problemStatus carries, for one request, what problemTransform needs
// beyond huma's ErrorModel: the *http.MaxBytesError huma met reading the
// body (huma keeps only its text), and the status of the Problem written.
type problemStatus struct {
	status int
	tooBig *http.MaxBytesError
}

// problemContext is the huma.Context every operation runs with: huma fixes
// an error's status before transformers run, so SetStatus sends the status
// problemTransform chose instead (422 validation failures are 400 in cuota,
// a body over the limit is 413); and the body reader notes a
// *http.MaxBytesError.
type problemContext struct {
	humaContext
	ctx context.Context
	ps  *problemStatus
}

// humaContext names huma.Context for embedding: problemContext's own
// Context method could not coexist with a field named Context.
type humaContext = huma.Context

// withProblemStatus is huma middleware that runs the operation with a
// problemContext.
func withProblemStatus(hctx huma.Context, next func(huma.Context)) {
	ps := &problemStatus{}
	next(&problemContext{humaContext: hctx, ctx: context.WithValue(hctx.Context(), keyProblemStatus, ps), ps: ps})
}

// Context returns the request's context, which carries the problemStatus.
func (c *problemContext) Context() context.Context { return c.ctx }

// SetStatus sends the Problem's status when problemTransform wrote one.
func (c *problemContext) SetStatus(code int) {
	if c.ps.status != 0 {
		code = c.ps.status
	}
	c.humaContext.SetStatus(code)
}

// BodyReader notes a body read that stopped at the body limit.
func (c *problemContext) BodyReader() io.Reader {
	r := c.humaContext.BodyReader()
	if r == nil {
		return nil
	}
	return &limitWatch{r: r, ps: c.ps}
}

// limitWatch is a body reader that keeps the *http.MaxBytesError it meets.
type limitWatch struct {
	r  io.Reader
	ps *problemStatus
}

func (l *limitWatch) Read(b []byte) (int, error) {
	n, err := l.r.Read(b)
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		l.ps.tooBig = tooBig
	}
	return n, err
}

// Close closes the body, as huma expects of the reader it reads.
func (l *limitWatch) Close() error {
	if c, ok := l.r.(io.Closer); ok {
		return c.Close()
	}
	return nil
}

// humaError turns huma's own failures (decoding, schema validation, body
// size) into Problems with stable codes too.
// op is the failing operation (nil when unknown): its Amount fields are
// amount_invalid rather than parameter_invalid.
func humaError(op *huma.Operation, status int, msg string, errs ...error) huma.StatusError {
	p := &Problem{Type: "about:blank", Status: status, Detail: msg, Code: billing.CodeParameterInvalid}
	for _, err := range errs {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			status = http.StatusRequestEntityTooLarge
			p.Status = status
			p.Detail = fmt.Sprintf("request body is larger than %d bytes", tooBig.Limit)
		}
	}
	switch {
	case status == http.StatusRequestEntityTooLarge:
		p.Code = billing.CodeBodyTooLarge
	case status >= 500:
		p.Code = billing.CodeInternal
		p.Detail = "an internal error occurred"
	case status == http.StatusUnsupportedMediaType:
		p.Code = billing.CodeUnsupportedMediaType
		p.Detail = "send a JSON body with Content-Type: application/json"
	case status == http.StatusUnprocessableEntity:
		p.Status = http.StatusBadRequest
	case status == http.StatusBadRequest && len(errs) > 0:
		p.Code = billing.CodeBodyInvalid
		p.Detail = "the request body is not valid JSON"
	case status == http.StatusBadRequest && strings.Contains(msg, "body is required"):
		p.Code = billing.CodeBodyInvalid
		p.Detail = "a JSON object body is required"
	}
	for _, err := range errs {
		var d *huma.ErrorDetail
		if !errors.As(err, &d) {
			continue
		}
		param := paramOf(d.Location)
		if param == "" && !strings.HasPrefix(d.Message, "expected required property ") {
			if p.Status == http.StatusBadRequest {
				p.Code = billing.CodeBodyInvalid
				p.Detail = "the request body must be a JSON object: " + d.Message
			}
			break
		}
		switch {
		case d.Message == "unexpected property":
			p.Code = billing.CodeParameterUnknown
			p.Detail = "unknown parameter: " + param
		case strings.HasPrefix(d.Message, "expected required property "):
			name := strings.TrimSuffix(strings.TrimPrefix(d.Message, "expected required property "), " to be present")
			param = joinParam(param, name)
			p.Code = billing.CodeParameterMissing
			p.Detail = param + " is required"
		case isAmountParam(op, param):
			p.Code = billing.CodeAmountInvalid
			p.Detail = fmt.Sprintf("%s: an amount is a whole number of minor units from 0 to %d", param, app.MaxAmount)
		case lastSegment(param) == "currency":
			p.Code = billing.CodeCurrencyInvalid
			p.Detail = param + ": " + d.Message
		default:
			p.Code = billing.CodeParameterInvalid
			p.Detail = param + ": " + d.Message
		}
		p.Param = param
		break // report the first problem, like the domain validators
	}
	p.Title = http.StatusText(p.Status)
	return p
}

// paramOf turns huma's "body.recurring.interval" or "query.limit" into
// the parameter name "recurring.interval" or "limit".
func paramOf(location string) string {
	for _, prefix := range []string{"body.", "query.", "path.", "header."} {
		if strings.HasPrefix(location, prefix) {
			return strings.TrimPrefix(location, prefix)
		}
	}
	if location == "body" {
		return ""
	}
	return location
}

func joinParam(parent, name string) string {
	if parent == "" {
		return name
	}
	return parent + "." + name
}

func lastSegment(param string) string {
	if i := strings.LastIndexByte(param, '.'); i >= 0 {
		return param[i+1:]
	}
	return param
}

// TransformSchema implements huma.SchemaTransformer: the OpenAPI document
// lists every registered error code as the enum of Problem.code, so
// clients can switch on codes the document names.
func (p *Problem) TransformSchema(_ huma.Registry, s *huma.Schema) *huma.Schema {
	if c := s.Properties["code"]; c != nil {
		c.Enum = nil
		for _, info := range billing.Codes() {
			c.Enum = append(c.Enum, info.Code)
		}
	}
	return s
}
