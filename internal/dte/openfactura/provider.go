package openfactura

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/textcut"
)

// DefaultTimeout bounds each call when Provider.Timeout is zero: the
// value OpenFactura's own WooCommerce plugin uses (OpenFactura publishes
// none).
const DefaultTimeout = 30 * time.Second

// maxBody bounds what is read of an answer: a PDF in base64 of a
// one-page document is far smaller.
const maxBody = 16 << 20

// Provider is app.DTEProvider over OpenFactura's API. The zero value is
// ready: it uses http.DefaultTransport and DefaultTimeout.
type Provider struct {
	// HTTPClient sends the requests; nil means a client over
	// http.DefaultTransport.
	HTTPClient *http.Client
	// Timeout bounds each call on top of the caller's context.
	Timeout time.Duration
}

// baseURL is the address for creds: their BaseURL when set (dtesim),
// else development in test mode and production in live mode.
func baseURL(creds app.DTECredentials) string {
	if creds.BaseURL != "" {
		return strings.TrimRight(creds.BaseURL, "/")
	}
	if creds.Mode == billing.ModeLive {
		return ProdBaseURL
	}
	return DevBaseURL
}

// Issue sends POST /document with doc.Key as the Idempotency-Key.
func (p *Provider) Issue(ctx context.Context, creds app.DTECredentials, doc billing.DTEDocument) (app.DTEIssue, error) {
	return p.issue(ctx, creds, doc)
}

// IssueCreditNote issues a nota de crédito: the same endpoint, with the
// document's Referencia.
func (p *Provider) IssueCreditNote(ctx context.Context, creds app.DTECredentials, doc billing.DTEDocument) (app.DTEIssue, error) {
	if doc.Type != billing.DTENotaDeCredito || doc.Reference == nil {
		return app.DTEIssue{}, &app.DTEError{Kind: app.DTEErrRefused, Message: "a nota de crédito needs type 61 and its reference"}
	}
	return p.issue(ctx, creds, doc)
}

// LookUp replays the identical request under the same Idempotency-Key,
// OpenFactura's documented way to recover a document: within 24 hours of
// the first use it issues nothing and answers OF-06 with the existing
// token, whose folio is then read from GET /document/{token}/json. When
// the first request never arrived, the replay issues the document once.
// Either way Found is true; OpenFactura has no answer meaning "nothing
// under this key" that does not issue.
func (p *Provider) LookUp(ctx context.Context, creds app.DTECredentials, doc billing.DTEDocument) (app.DTEIssue, error) {
	return p.issue(ctx, creds, doc)
}

func (p *Provider) issue(ctx context.Context, creds app.DTECredentials, doc billing.DTEDocument) (app.DTEIssue, error) {
	if doc.Key == "" {
		return app.DTEIssue{}, &app.DTEError{Kind: app.DTEErrRefused, Message: "an emission needs its key"}
	}
	body, err := json.Marshal(Request(doc))
	if err != nil {
		return app.DTEIssue{}, &app.DTEError{Kind: app.DTEErrRefused, Message: "the document cannot be encoded", Err: err}
	}
	status, answer, err := p.do(ctx, creds, http.MethodPost, "/document", doc.Key, body)
	if err != nil {
		return app.DTEIssue{}, err
	}
	if status == http.StatusOK {
		var r IssueResponse
		if err := json.Unmarshal(answer, &r); err != nil || r.TOKEN == "" {
			// A 200 whose body cannot be read may still be a document.
			return app.DTEIssue{}, &app.DTEError{Kind: app.DTEErrAnswerLost, Message: "unreadable answer", Err: err}
		}
		out := app.DTEIssue{Found: true, ProviderID: r.TOKEN, Folio: r.FOLIO, Warning: r.WARNING}
		if out.Folio == 0 {
			return p.withFolio(ctx, creds, out)
		}
		return out, nil
	}
	e := classify(status, answer, true)
	if e.Code == CodeIdempotency {
		token := idempotencyToken(answer)
		if token == "" {
			return app.DTEIssue{}, &app.DTEError{Kind: app.DTEErrAnswerLost, Code: e.Code, Message: "OF-06 without the document's token"}
		}
		return p.withFolio(ctx, creds, app.DTEIssue{Found: true, ProviderID: token})
	}
	return app.DTEIssue{}, e
}

// withFolio reads the folio of a document known by its token.
func (p *Provider) withFolio(ctx context.Context, creds app.DTECredentials, in app.DTEIssue) (app.DTEIssue, error) {
	status, answer, err := p.do(ctx, creds, http.MethodGet, docPath(in.ProviderID, valueJSON), "", nil)
	if err != nil {
		return in, err
	}
	if status != http.StatusOK {
		return in, classify(status, answer, false)
	}
	var r JSONResponse
	if err := json.Unmarshal(answer, &r); err != nil {
		return in, &app.DTEError{Kind: app.DTEErrNotSent, Message: "unreadable document", Err: err}
	}
	in.Folio = int64(r.JSON.Encabezado.IdDoc.Folio)
	return in, nil
}

// Status reads GET /document/{token}/status.
func (p *Provider) Status(ctx context.Context, creds app.DTECredentials, providerID string) (app.DTEStatusReport, error) {
	status, answer, err := p.do(ctx, creds, http.MethodGet, docPath(providerID, valueStatus), "", nil)
	if err != nil {
		return app.DTEStatusReport{}, err
	}
	if status != http.StatusOK {
		return app.DTEStatusReport{}, classify(status, answer, false)
	}
	var r StatusResponse
	if err := json.Unmarshal(answer, &r); err != nil {
		return app.DTEStatusReport{}, &app.DTEError{Kind: app.DTEErrNotSent, Message: "unreadable status", Err: err}
	}
	return app.DTEStatusReport{Outcome: statusOutcome(r.Estado), Text: textcut.Runes(r.Estado, 60)}, nil
}

// File reads GET /document/{token}/pdf or /xml and decodes its base64.
func (p *Provider) File(ctx context.Context, creds app.DTECredentials, providerID string, format app.DTEFormat) ([]byte, error) {
	value := valuePDF
	if format == app.DTEFormatXML {
		value = valueXML
	} else if format != app.DTEFormatPDF {
		return nil, &app.DTEError{Kind: app.DTEErrRefused, Message: "unknown format " + string(format)}
	}
	status, answer, err := p.do(ctx, creds, http.MethodGet, docPath(providerID, value), "", nil)
	if err != nil {
		return nil, err
	}
	if status != http.StatusOK {
		return nil, classify(status, answer, false)
	}
	var r FileResponse
	if err := json.Unmarshal(answer, &r); err != nil {
		return nil, &app.DTEError{Kind: app.DTEErrNotSent, Message: "unreadable file", Err: err}
	}
	enc := r.PDF
	if value == valueXML {
		enc = r.XML
	}
	data, err := base64.StdEncoding.DecodeString(enc)
	if err != nil || len(data) == 0 {
		return nil, &app.DTEError{Kind: app.DTEErrNotSent, Message: "the file is not base64", Err: err}
	}
	return data, nil
}

func docPath(token, value string) string {
	return "/document/" + url.PathEscape(token) + "/" + value
}

// do sends one request and reads its answer. A failure to connect is
// not_sent; any failure after the request may have been written is
// answer_lost (for a GET, which changes nothing, it is not_sent too).
func (p *Provider) do(ctx context.Context, creds app.DTECredentials, method, path, key string, body []byte) (int, []byte, error) {
	timeout := p.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, baseURL(creds)+path, rd)
	if err != nil {
		return 0, nil, &app.DTEError{Kind: app.DTEErrNotSent, Message: "bad provider address", Err: err}
	}
	req.Header.Set(HeaderAPIKey, creds.APIKey)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set(HeaderIdempotency, key)
	}
	client := p.HTTPClient
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, transportError(method, err)
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return 0, nil, transportError(method, err)
	}
	return resp.StatusCode, answer, nil
}

// transportError classifies a failed round trip: a dial that failed sent
// nothing; anything else on a POST may have been acted on.
func transportError(method string, err error) error {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" || method == http.MethodGet {
		return &app.DTEError{Kind: app.DTEErrNotSent, Message: "provider unreachable", Err: err}
	}
	return &app.DTEError{Kind: app.DTEErrAnswerLost, Message: "no answer", Err: err}
}

// classify reads an error answer. post tells whether the request could
// have issued something (5xx on a POST is a lost answer).
func classify(status int, answer []byte, post bool) *app.DTEError {
	var b ErrorBody
	_ = json.Unmarshal(answer, &b) // an HTML error page leaves b empty
	code, msg := b.Code, b.Message
	var issues []FieldIssue
	if b.Error != nil {
		code, msg = b.Error.Code, b.Error.Message
		issues = FieldIssues(b.Error.Details)
	} else if len(b.Details) > 0 {
		issues = FieldIssues(b.Details)
	}
	for _, is := range issues {
		msg += fmt.Sprintf("; %s: %s", is.Field, is.Issue)
	}
	msg = textcut.Runes(strings.TrimSpace(msg), 500)
	e := &app.DTEError{Code: code, Message: msg}
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden || code == CodePermissions:
		e.Kind = app.DTEErrCredentials
	case status == http.StatusTooManyRequests || code == CodeFolios:
		e.Kind = app.DTEErrNotSent
	case status >= 500 || code == CodeDatabase || code == CodeUnavailable:
		e.Kind = app.DTEErrNotSent
		if post {
			e.Kind = app.DTEErrAnswerLost
		}
		if e.Message == "" {
			e.Message = fmt.Sprintf("HTTP %d", status)
		}
	case status >= 400:
		e.Kind = app.DTEErrRefused
	default:
		e.Kind = app.DTEErrAnswerLost
		e.Message = fmt.Sprintf("unexpected HTTP %d", status)
	}
	return e
}

// idempotencyToken is the existing document's token in an OF-06 answer:
// error.token as documented, or a details entry named token.
func idempotencyToken(answer []byte) string {
	var b ErrorBody
	if json.Unmarshal(answer, &b) != nil || b.Error == nil {
		return ""
	}
	if b.Error.Token != "" {
		return b.Error.Token
	}
	for _, is := range FieldIssues(b.Error.Details) {
		if strings.EqualFold(is.Field, "token") {
			return is.Issue
		}
	}
	return ""
}
