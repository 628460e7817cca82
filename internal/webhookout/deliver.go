package webhookout

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/textcut"
)

// DefaultTimeout bounds one delivery attempt, from resolving and dialling
// the endpoint to having read the excerpt of its answer.
const DefaultTimeout = 10 * time.Second

// ExcerptLimit is how many bytes of the response body Deliver keeps.
const ExcerptLimit = 1024

// UserAgent is the User-Agent header of every delivery.
const UserAgent = "cuota"

// Request is one delivery attempt of one message to one endpoint, as app
// declares it (app.WebhookRequest). AllowPrivateNetworks is read by
// Webhooks.Deliver; Deliver itself uses the client it is given.
type Request = app.WebhookRequest

// ErrorKind classifies a failed attempt. The values are stable strings,
// fit to be stored and shown to merchants.
type ErrorKind = app.WebhookErrorKind

// The kinds of failure Deliver reports. Every kind but ErrorInvalidRequest
// and ErrorCanceled is the endpoint's (or the network's) doing and is
// worth retrying on the schedule of billing.NextWebhookAttempt.
const (
	// ErrorNone: the endpoint answered 2xx.
	ErrorNone = app.WebhookErrorNone
	// ErrorTimeout: no complete response within the timeout.
	ErrorTimeout ErrorKind = "timeout"
	// ErrorConnectionRefused: nothing listens at the endpoint's address.
	ErrorConnectionRefused ErrorKind = "connection_refused"
	// ErrorDNS: the endpoint's host name did not resolve.
	ErrorDNS ErrorKind = "dns"
	// ErrorTLS: the TLS handshake failed (untrusted or expired
	// certificate, wrong host name, no common protocol version…).
	ErrorTLS ErrorKind = "tls"
	// ErrorConnection: any other network failure (reset, closed early,
	// unreachable).
	ErrorConnection ErrorKind = "connection"
	// ErrorRedirect: the endpoint answered 3xx. Redirects are never
	// followed; the merchant should register the final URL.
	ErrorRedirect ErrorKind = "redirect"
	// ErrorHTTPStatus: the endpoint answered with a status outside 2xx
	// and 3xx.
	ErrorHTTPStatus ErrorKind = "http_status"
	// ErrorBlocked: the endpoint resolved to a non-public address and the
	// client guards against that (live mode).
	ErrorBlocked ErrorKind = "blocked_address"
	// ErrorInvalidRequest: the request could not be built (bad URL,
	// secret, id or timestamp); nothing was sent. Retrying the same
	// request will fail the same way.
	ErrorInvalidRequest = app.WebhookErrorInvalidRequest
	// ErrorCanceled: the caller's context was canceled (for example at
	// shutdown); the outcome says nothing about the endpoint.
	ErrorCanceled = app.WebhookErrorCanceled
)

// Result is what one attempt produced, as app declares it
// (app.WebhookResult). ResponseExcerpt holds at most ExcerptLimit bytes.
type Result = app.WebhookResult

// ClientOptions configure NewClient.
type ClientOptions struct {
	// AllowPrivateNetworks turns off the guard against non-public
	// addresses. Live mode must leave it false (a merchant could otherwise
	// point an endpoint at cuota's own network: SSRF). Tests, and test
	// mode when a merchant develops against a local receiver, set it.
	AllowPrivateNetworks bool
}

// NewClient returns an HTTP client for deliveries. It follows no redirects
// and uses no proxy (a proxy would be dialled instead of the endpoint and
// so escape the guard). Unless opts.AllowPrivateNetworks is set, it refuses
// to connect to any address outside the public internet (the ranges listed
// at ErrBlockedAddress), failing with ErrBlockedAddress. The check runs on
// each address actually dialled, after DNS resolution, so a host name that
// resolves or rebinds to a private address is refused too.
func NewClient(opts ClientOptions) *http.Client {
	dialer := &net.Dialer{Timeout: DefaultTimeout, KeepAlive: 30 * time.Second}
	if !opts.AllowPrivateNetworks {
		dialer.ControlContext = guardDial
	}
	transport := &http.Transport{
		Proxy:                  nil,
		DialContext:            dialer.DialContext,
		ForceAttemptHTTP2:      true,
		TLSClientConfig:        &tls.Config{MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout:    DefaultTimeout,
		MaxIdleConns:           100,
		MaxIdleConnsPerHost:    4,
		IdleConnTimeout:        90 * time.Second,
		ExpectContinueTimeout:  time.Second,
		MaxResponseHeaderBytes: 64 << 10,
	}
	return &http.Client{Transport: transport, CheckRedirect: noRedirects}
}

// noRedirects makes an http.Client return a 3xx response as it is.
func noRedirects(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// guardedClient is the client Deliver uses when given none.
var guardedClient = sync.OnceValue(func() *http.Client { return NewClient(ClientOptions{}) })

// Deliver makes one attempt to deliver req: a POST of req.Body with
// Content-Type application/json, User-Agent cuota and the Standard
// Webhooks headers, signed with every secret in req.Secrets. A 2xx
// answer is a success; anything else is a failure, classified in
// Result.Kind. Deliver never retries and never follows a redirect, even
// if client would: the schedule of billing.NextWebhookAttempt decides about retries.
//
// client nil means a shared client from NewClient(ClientOptions{}), which
// refuses non-public addresses. The attempt is bounded by req.Timeout
// (default DefaultTimeout) and by ctx.
func Deliver(ctx context.Context, client *http.Client, req Request) Result {
	if client == nil {
		client = guardedClient()
	}
	timeout := req.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}

	invalid := func(err error) Result {
		return Result{Kind: ErrorInvalidRequest, Err: fmt.Errorf("webhookout: deliver: %w", err)}
	}
	endpoint, err := url.Parse(req.URL)
	if err != nil {
		return invalid(errors.New("endpoint URL does not parse"))
	}
	if endpoint.Scheme != "http" && endpoint.Scheme != "https" {
		return invalid(fmt.Errorf("endpoint URL scheme %q is not http or https", endpoint.Scheme))
	}
	if endpoint.Hostname() == "" {
		return invalid(errors.New("endpoint URL has no host"))
	}
	headers, err := Headers(req.Secrets, req.ID, req.Timestamp, req.Body)
	if err != nil {
		return invalid(err)
	}

	attemptCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var tlsFailed atomic.Bool
	attemptCtx = httptrace.WithClientTrace(attemptCtx, &httptrace.ClientTrace{
		TLSHandshakeDone: func(_ tls.ConnectionState, err error) {
			if err != nil {
				tlsFailed.Store(true)
			}
		},
	})
	httpReq, err := http.NewRequestWithContext(attemptCtx, http.MethodPost, endpoint.String(), bytes.NewReader(req.Body))
	if err != nil {
		return invalid(errors.New("cannot build the HTTP request"))
	}
	httpReq.Header = headers
	httpReq.Header.Set("Content-Type", "application/json")
	httpReq.Header.Set("User-Agent", UserAgent)

	noFollow := *client
	noFollow.CheckRedirect = noRedirects

	start := time.Now()
	resp, err := noFollow.Do(httpReq)
	if err != nil {
		// Drop the *url.Error wrapper: its message repeats the URL.
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		kind := classify(ctx, err, tlsFailed.Load())
		// Nor should merchants see which resolver cuota uses.
		var dnsErr *net.DNSError
		if kind == ErrorDNS && errors.As(err, &dnsErr) {
			public := *dnsErr
			public.Server = ""
			err = &public
		}
		return Result{
			Latency: time.Since(start),
			Kind:    kind,
			Err:     fmt.Errorf("webhookout: deliver: POST failed (%s): %w", kind, err),
		}
	}
	defer resp.Body.Close()
	// A read error here (say, the timeout in the middle of the body) leaves
	// a shorter excerpt; the status already tells the outcome.
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, ExcerptLimit+1))
	res := Result{
		StatusCode:        resp.StatusCode,
		Latency:           time.Since(start),
		ResponseTruncated: len(raw) > ExcerptLimit,
	}
	if res.ResponseTruncated {
		raw = []byte(textcut.Bytes(string(raw), ExcerptLimit))
	}
	res.ResponseExcerpt = strings.ReplaceAll(strings.ToValidUTF8(string(raw), "\uFFFD"), "\x00", "\uFFFD")

	switch code := resp.StatusCode; {
	case code >= 200 && code <= 299:
		res.Success = true
	case code >= 300 && code <= 399:
		res.Kind = ErrorRedirect
		res.Err = fmt.Errorf("webhookout: deliver: endpoint redirected with status %d (to %q); redirects are not followed", code, clip(resp.Header.Get("Location"), 200))
	default:
		res.Kind = ErrorHTTPStatus
		res.Err = fmt.Errorf("webhookout: deliver: endpoint answered status %d", code)
	}
	return res
}

// clip shortens s to at most n bytes, on a rune boundary.
func clip(s string, n int) string {
	if cut := textcut.Bytes(s, n); cut != s {
		return cut + "…"
	}
	return s
}

// classify names the cause of a failed round trip. parent is the caller's
// context (not the one carrying the attempt's timeout), so that a
// cancellation from above is told apart from the endpoint being slow.
func classify(parent context.Context, err error, tlsFailed bool) ErrorKind {
	var (
		dnsErr     *net.DNSError
		netErr     net.Error
		certErr    *tls.CertificateVerificationError
		unknownCA  x509.UnknownAuthorityError
		hostErr    x509.HostnameError
		invalidErr x509.CertificateInvalidError
		recordErr  tls.RecordHeaderError
	)
	switch {
	case errors.Is(err, ErrBlockedAddress):
		return ErrorBlocked
	case errors.Is(parent.Err(), context.Canceled):
		return ErrorCanceled
	case errors.As(err, &dnsErr):
		return ErrorDNS
	case errors.Is(err, syscall.ECONNREFUSED):
		return ErrorConnectionRefused
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		return ErrorTimeout
	case tlsFailed, errors.As(err, &certErr), errors.As(err, &unknownCA), errors.As(err, &hostErr),
		errors.As(err, &invalidErr), errors.As(err, &recordErr):
		return ErrorTLS
	default:
		return ErrorConnection
	}
}
