package flow

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// Base URLs of Flow's API.
const (
	ProductionURL = "https://www.flow.cl/api"
	SandboxURL    = "https://sandbox.flow.cl/api"
)

// DefaultTimeout bounds every call when Config.Timeout is zero.
const DefaultTimeout = 30 * time.Second

// maxResponseBytes bounds the answers the client reads.
const maxResponseBytes = 1 << 20

// Config configures a Client.
type Config struct {
	// BaseURL is ProductionURL, SandboxURL or a flowsim URL ending in /api.
	BaseURL string
	// APIKey and Secret are the merchant's credentials for that environment.
	APIKey string
	Secret string
	// Timeout bounds each call (on top of the caller's context);
	// 0 means DefaultTimeout.
	Timeout time.Duration
	// HTTPClient sends the requests; nil means a client with dial, TLS and
	// overall timeouts that does not follow redirects.
	HTTPClient *http.Client
}

// String describes the configuration without the credentials.
func (c Config) String() string {
	return fmt.Sprintf("flow.Config{BaseURL: %q, APIKey: [redacted], Secret: [redacted], Timeout: %s}", c.BaseURL, c.Timeout)
}

// GoString is String, so that %#v does not print the credentials either.
func (c Config) GoString() string { return c.String() }

// LogValue keeps the credentials out of slog output.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(slog.String("base_url", c.BaseURL), slog.Duration("timeout", c.Timeout))
}

// Client calls Flow's API. It is safe for concurrent use and never retries:
// whether to retry is the caller's decision, and a write whose outcome is
// unknown (IsOutcomeUnknown) must be resolved by a read, not repeated.
type Client struct {
	baseURL string
	apiKey  string
	secret  string
	timeout time.Duration
	http    *http.Client
}

// New returns a Client for cfg. BaseURL must be an absolute http(s) URL;
// APIKey and Secret must be set.
func New(cfg Config) (*Client, error) {
	u, err := url.Parse(strings.TrimRight(cfg.BaseURL, "/"))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("flow: base URL %q: want an absolute http(s) URL without query: %w", cfg.BaseURL, ErrInvalidRequest)
	}
	if cfg.APIKey == "" || cfg.Secret == "" {
		return nil, fmt.Errorf("flow: apiKey and secret are required: %w", ErrInvalidRequest)
	}
	if cfg.Timeout < 0 {
		return nil, fmt.Errorf("flow: negative timeout: %w", ErrInvalidRequest)
	}
	timeout := cfg.Timeout
	if timeout == 0 {
		timeout = DefaultTimeout
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = defaultHTTPClient(timeout)
	}
	return &Client{baseURL: u.String(), apiKey: cfg.APIKey, secret: cfg.Secret, timeout: timeout, http: hc}, nil
}

// defaultHTTPClient has explicit dial, TLS, header and overall timeouts and
// does not follow redirects (a redirected POST would silently turn into a
// GET).
func defaultHTTPClient(timeout time.Duration) *http.Client {
	return &http.Client{
		Timeout: timeout,
		Transport: &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			ForceAttemptHTTP2:     true,
			TLSHandshakeTimeout:   10 * time.Second,
			ResponseHeaderTimeout: timeout,
			ExpectContinueTimeout: time.Second,
			IdleConnTimeout:       90 * time.Second,
			MaxIdleConnsPerHost:   16,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// String describes the client without its credentials.
func (c *Client) String() string { return "flow.Client{" + c.baseURL + "}" }

// GoString is String, so that %#v does not print the credentials either.
func (c *Client) GoString() string { return c.String() }

// BaseURL returns the API base URL the client calls.
func (c *Client) BaseURL() string { return c.baseURL }

// Do calls any Flow service ("customer/charge") with method GET (params in
// the query) or POST (params form-encoded in the body), signing params with
// apiKey added (any apiKey or s in params is replaced). On HTTP 200 the JSON
// answer is decoded into out (nil to discard it). The typed methods below
// are built on Do; use it for services they do not cover.
func (c *Client) Do(ctx context.Context, method, service string, params url.Values, out any) error {
	service = strings.Trim(service, "/")
	if method != http.MethodGet && method != http.MethodPost {
		return fmt.Errorf("flow %s: method %q: %w", service, method, ErrInvalidRequest)
	}
	if service == "" || strings.ContainsAny(service, "?#") {
		return fmt.Errorf("flow: service %q: %w", service, ErrInvalidRequest)
	}
	signed := make(url.Values, len(params)+2)
	for k, v := range params {
		if k != SignatureParam && k != "apiKey" {
			signed[k] = slices.Clone(v)
		}
	}
	signed.Set("apiKey", c.apiKey)
	sig := Sign(c.secret, signed)
	signed.Set(SignatureParam, sig)
	encoded := signed.Encode()
	redact := c.redactor(sig)

	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	if err := ctx.Err(); err != nil {
		return newCallError(service, false, err, redact)
	}
	// sent becomes true once a connection is obtained: from then on bytes
	// may reach Flow, so a failure leaves the outcome unknown.
	var sent atomic.Bool
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		GotConn: func(httptrace.GotConnInfo) { sent.Store(true) },
	})

	endpoint := c.baseURL + "/" + service
	var req *http.Request
	var err error
	if method == http.MethodGet {
		req, err = http.NewRequestWithContext(ctx, method, endpoint+"?"+encoded, nil)
	} else {
		req, err = http.NewRequestWithContext(ctx, method, endpoint, strings.NewReader(encoded))
	}
	if err != nil {
		return newCallError(service, false, stripURL(err), redact)
	}
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("Accept", "application/json")
	// Never set an Idempotency-Key header: net/http would then replay a POST
	// on a broken keep-alive connection.

	resp, err := c.http.Do(req)
	if err != nil {
		return newCallError(service, sent.Load(), stripURL(err), redact)
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes+1))
	if err != nil {
		return newCallError(service, true, fmt.Errorf("read HTTP %d answer: %w", resp.StatusCode, stripURL(err)), redact)
	}
	if len(body) > maxResponseBytes {
		return newCallError(service, true, fmt.Errorf("HTTP %d answer larger than %d bytes", resp.StatusCode, maxResponseBytes), redact)
	}
	return decodeResponse(service, resp.StatusCode, body, out, redact)
}

// checker is implemented by answers that can tell a real answer from an
// empty or foreign JSON object.
type checker interface{ check() error }

// decodeResponse turns an HTTP answer into out or an error. It never
// panics, whatever body holds.
func decodeResponse(service string, status int, body []byte, out any, redact func(string) string) error {
	if status != http.StatusOK {
		return errorFromBody(service, status, body, redact)
	}
	if out == nil {
		return nil
	}
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return newCallError(service, true, fmt.Errorf("HTTP 200 answer is not a JSON object (%d bytes)", len(body)), redact)
	}
	if err := json.Unmarshal(trimmed, out); err != nil {
		return newCallError(service, true, fmt.Errorf("decode HTTP 200 answer: %w", err), redact)
	}
	if ch, ok := out.(checker); ok {
		if err := ch.check(); err != nil {
			return newCallError(service, true, fmt.Errorf("HTTP 200 answer: %w", err), redact)
		}
	}
	return nil
}

// stripURL drops the *url.Error wrapper, whose text holds the request URL
// (and so, for GET, the apiKey and signature).
func stripURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// redactor returns a function that blanks the credentials and the signature
// out of a message, raw or URL-encoded.
func (c *Client) redactor(sig string) func(string) string {
	var secrets []string
	for _, s := range []string{c.apiKey, c.secret, sig} {
		if len(s) >= 4 {
			secrets = append(secrets, s, url.QueryEscape(s))
		}
	}
	return func(msg string) string {
		for _, s := range secrets {
			msg = strings.ReplaceAll(msg, s, "[redacted]")
		}
		return msg
	}
}

// params collects request parameters; optional ones are skipped when zero.
type params struct {
	v       url.Values
	missing []string
}

func newParams() *params { return &params{v: url.Values{}} }

func (p *params) req(name, value string) *params {
	if strings.TrimSpace(value) == "" {
		p.missing = append(p.missing, name)
	}
	p.v.Set(name, value)
	return p
}

func (p *params) opt(name, value string) *params {
	if value != "" {
		p.v.Set(name, value)
	}
	return p
}

func (p *params) optInt(name string, value int64) *params {
	if value != 0 {
		p.v.Set(name, strconv.FormatInt(value, 10))
	}
	return p
}

func (p *params) amount(value int64) *params {
	if value <= 0 {
		p.missing = append(p.missing, "amount (must be positive)")
	}
	p.v.Set("amount", strconv.FormatInt(value, 10))
	return p
}

func (p *params) json(name, value string) *params {
	if value != "" && !json.Valid([]byte(value)) {
		p.missing = append(p.missing, name+" (must be JSON)")
	}
	return p.opt(name, value)
}

func (p *params) err(service string) error {
	if len(p.missing) == 0 {
		return nil
	}
	return fmt.Errorf("flow %s: invalid or missing %s: %w", service, strings.Join(p.missing, ", "), ErrInvalidRequest)
}

// call validates p and calls Do.
func (c *Client) call(ctx context.Context, method, service string, p *params, out any) error {
	if err := p.err(service); err != nil {
		return err
	}
	return c.Do(ctx, method, service, p.v, out)
}

// CreateCustomer creates a Flow customer (POST customer/create). Flow's
// create is not idempotent: persist the returned CustomerID before doing
// anything else, and never retry an outcome-unknown create blindly.
func (c *Client) CreateCustomer(ctx context.Context, r CreateCustomerRequest) (*Customer, error) {
	p := newParams().req("name", r.Name).req("email", r.Email).req("externalId", r.ExternalID)
	var out Customer
	if err := c.call(ctx, http.MethodPost, "customer/create", p, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// GetCustomer reads a customer (GET customer/get).
func (c *Client) GetCustomer(ctx context.Context, customerID string) (*Customer, error) {
	p := newParams().req("customerId", customerID)
	var out Customer
	if err := c.call(ctx, http.MethodGet, "customer/get", p, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// RegisterCustomer starts card enrolment (POST customer/register): send the
// customer's browser to the answer's RedirectURL(); Flow then POSTs token to
// urlReturn, and GetRegisterStatus tells the result.
func (c *Client) RegisterCustomer(ctx context.Context, customerID, urlReturn string) (*RegisterResponse, error) {
	p := newParams().req("customerId", customerID).req("url_return", urlReturn)
	var out RegisterResponse
	if err := c.call(ctx, http.MethodPost, "customer/register", p, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// GetRegisterStatus reads the result of an enrolment by its token (GET
// customer/getRegisterStatus).
func (c *Client) GetRegisterStatus(ctx context.Context, token string) (*RegisterResult, error) {
	p := newParams().req("token", token)
	var out RegisterResult
	if err := c.call(ctx, http.MethodGet, "customer/getRegisterStatus", p, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// UnregisterCustomer removes the customer's card (POST customer/unRegister);
// Flow then collects by email instead of charging the card.
func (c *Client) UnregisterCustomer(ctx context.Context, customerID string) (*Customer, error) {
	p := newParams().req("customerId", customerID)
	var out Customer
	if err := c.call(ctx, http.MethodPost, "customer/unRegister", p, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Charge charges the customer's registered card synchronously (POST
// customer/charge). A declined card is not an error: the answer's status is
// PaymentRejected. Flow does not deduplicate on CommerceOrder, so an error
// for which IsOutcomeUnknown is true must never lead to calling Charge again
// for the same order before GetPaymentStatusByCommerceID has resolved it.
func (c *Client) Charge(ctx context.Context, r ChargeRequest) (*PaymentStatus, error) {
	p := newParams().req("customerId", r.CustomerID).req("commerceOrder", r.CommerceOrder).
		req("subject", r.Subject).amount(r.Amount).opt("currency", r.Currency).json("optionals", r.Optionals)
	var out PaymentStatus
	if err := c.call(ctx, http.MethodPost, "customer/charge", p, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// CreatePayment creates a hosted one-off payment (POST payment/create):
// send the payer's browser to the answer's RedirectURL(). Flow POSTs token
// to URLConfirmation when it settles; resolve it with GetPaymentStatus.
func (c *Client) CreatePayment(ctx context.Context, r CreatePaymentRequest) (*PayResponse, error) {
	p := newParams().req("commerceOrder", r.CommerceOrder).req("subject", r.Subject).amount(r.Amount).
		req("email", r.Email).req("urlConfirmation", r.URLConfirmation).req("urlReturn", r.URLReturn).
		opt("currency", r.Currency).optInt("paymentMethod", int64(r.PaymentMethod)).json("optional", r.Optional).
		optInt("timeout", int64(r.Timeout)).optInt("checkout_timeout", int64(r.CheckoutTimeout)).
		opt("merchantId", r.MerchantID).opt("payment_currency", r.PaymentCurrency)
	var out PayResponse
	if err := c.call(ctx, http.MethodPost, "payment/create", p, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// GetPaymentStatus reads a payment by its token (GET payment/getStatus).
func (c *Client) GetPaymentStatus(ctx context.Context, token string) (*PaymentStatus, error) {
	return c.paymentStatus(ctx, "payment/getStatus", newParams().req("token", token))
}

// GetPaymentStatusByCommerceID reads a payment or charge by the merchant's
// order id (GET payment/getStatusByCommerceId). An order Flow does not know
// is an *Error for which IsTransactionNotFound is true.
func (c *Client) GetPaymentStatusByCommerceID(ctx context.Context, commerceID string) (*PaymentStatus, error) {
	return c.paymentStatus(ctx, "payment/getStatusByCommerceId", newParams().req("commerceId", commerceID))
}

// GetPaymentStatusByFlowOrder reads a payment or charge by Flow's order
// number (GET payment/getStatusByFlowOrder).
func (c *Client) GetPaymentStatusByFlowOrder(ctx context.Context, flowOrder int64) (*PaymentStatus, error) {
	return c.paymentStatus(ctx, "payment/getStatusByFlowOrder", flowOrderParams(flowOrder))
}

// GetPaymentStatusExtended is GetPaymentStatus with the extended fields,
// LastError included (GET payment/getStatusExtended).
func (c *Client) GetPaymentStatusExtended(ctx context.Context, token string) (*PaymentStatus, error) {
	return c.paymentStatus(ctx, "payment/getStatusExtended", newParams().req("token", token))
}

// GetPaymentStatusByFlowOrderExtended is GetPaymentStatusByFlowOrder with
// the extended fields (GET payment/getStatusByFlowOrderExtended); use it to
// learn why a charge was rejected (LastError.Code).
func (c *Client) GetPaymentStatusByFlowOrderExtended(ctx context.Context, flowOrder int64) (*PaymentStatus, error) {
	return c.paymentStatus(ctx, "payment/getStatusByFlowOrderExtended", flowOrderParams(flowOrder))
}

func flowOrderParams(flowOrder int64) *params {
	p := newParams()
	if flowOrder <= 0 {
		p.missing = append(p.missing, "flowOrder (must be positive)")
	}
	p.v.Set("flowOrder", strconv.FormatInt(flowOrder, 10))
	return p
}

func (c *Client) paymentStatus(ctx context.Context, service string, p *params) (*PaymentStatus, error) {
	var out PaymentStatus
	if err := c.call(ctx, http.MethodGet, service, p, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// CreateRefund asks Flow to refund (part of) a payment (POST refund/create).
// Flow POSTs token to URLCallBack when the refund settles; read it with
// GetRefundStatus.
func (c *Client) CreateRefund(ctx context.Context, r CreateRefundRequest) (*RefundStatus, error) {
	p := newParams().req("refundCommerceOrder", r.RefundCommerceOrder).req("receiverEmail", r.ReceiverEmail).
		amount(r.Amount).req("urlCallBack", r.URLCallBack).opt("commerceTrxId", r.CommerceTrxID).
		optInt("flowTrxId", r.FlowTrxID)
	if r.CommerceTrxID == "" && r.FlowTrxID == 0 {
		p.missing = append(p.missing, "commerceTrxId or flowTrxId")
	}
	var out RefundStatus
	if err := c.call(ctx, http.MethodPost, "refund/create", p, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// GetRefundStatus reads a refund by its token (GET refund/getStatus).
func (c *Client) GetRefundStatus(ctx context.Context, token string) (*RefundStatus, error) {
	p := newParams().req("token", token)
	var out RefundStatus
	if err := c.call(ctx, http.MethodGet, "refund/getStatus", p, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
