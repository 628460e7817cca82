// Package httpapi is cuota's merchant REST API: huma on net/http, API-key
// authentication, Idempotency-Key handling, per-key rate limits, problem+json
// errors, metrics and request logs. All routes are listed in routes.go.
package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"reflect"
	"regexp"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
)

// Config tunes the API.
type Config struct {
	// Version is reported in the OpenAPI document.
	Version string
	// RateLimit is the sustained requests per second allowed per API key;
	// RateBurst is the bucket size. RateLimit 0 disables the limit.
	RateLimit float64
	RateBurst int
	// BodyLimit caps request bodies (default 1 MiB).
	BodyLimit int64
}

// Pinger is what readiness checks ask of the store.
type Pinger interface {
	Ping(ctx context.Context) error
	MigrationsCurrent(ctx context.Context) (bool, error)
}

// Server serves the API. Create it with New. It holds what every request
// goes through (authentication, limits, idempotency, problem+json errors,
// metrics and logs); the operations themselves are served by one handler
// type per area of the API (see handlers.go), which routes builds.
type Server struct {
	app     UseCases
	store   Pinger
	cfg     Config
	logger  *slog.Logger
	api     huma.API
	limiter *limiter
	metrics *metrics
	handler http.Handler
}

// New builds the API handler. Metrics are registered on reg.
func New(a UseCases, store Pinger, cfg Config, logger *slog.Logger, reg prometheus.Registerer) *Server {
	if cfg.BodyLimit == 0 {
		cfg.BodyLimit = 1 << 20
	}
	s := &Server{
		app:     a,
		store:   store,
		cfg:     cfg,
		logger:  logger,
		limiter: newLimiter(cfg.RateLimit, cfg.RateBurst, time.Now),
		metrics: newMetrics(reg),
	}
	apiMux := http.NewServeMux()
	hc := huma.DefaultConfig("cuota API", cfg.Version)
	hc.CreateHooks = nil // no $schema links in bodies: responses are plain objects
	hc.DocsPath = ""     // the docs renderer loads scripts from a CDN
	hc.Formats = jsonFormats()
	hc.OpenAPIPath = "/openapi"
	hc.Info.Description = "Subscription billing and recurring payments. Authenticate with `Authorization: Bearer sk_test_…`, or HTTP Basic with the key as the user name and an empty password (`curl -u sk_test_…:`)."
	hc.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		"bearer": {Type: "http", Scheme: "bearer", Description: "A secret API key, sk_test_… or sk_live_…"},
		"basic":  {Type: "http", Scheme: "basic", Description: "A secret API key as the user name, with an empty password"},
	}
	// Either scheme alone suffices: each is its own requirement object.
	hc.Security = []map[string][]string{{"bearer": {}}, {"basic": {}}}
	// huma's own failures (decoding, validation, body reading) reach the
	// client as a *huma.ErrorModel; problemTransform turns them into
	// cuota's Problem on this API only, leaving huma's process-wide
	// NewError hook alone.
	hc.Transformers = append(hc.Transformers, s.problemTransform)
	s.api = humago.New(apiMux, hc)
	s.api.UseMiddleware(withProblemStatus, s.routeLabel, s.strictCasing)
	root := http.NewServeMux()
	s.routes(root, apiMux)
	describeErrorsAsProblems(s.api.OpenAPI())
	s.handler = s.observe(root)
	return s
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// OpenAPI returns the API description.
func (s *Server) OpenAPI() *huma.OpenAPI { return s.api.OpenAPI() }

type ctxKey int

const (
	keyRequestID ctxKey = iota
	keyAPIKey
	keyRoute
	keyBody
	keyProblemStatus
)

var requestIDRE = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,64}$`)

func requestIDFrom(ctx context.Context) string {
	id, _ := ctx.Value(keyRequestID).(string)
	return id
}

// scopeOf returns the merchant and mode of the authenticated key.
func scopeOf(ctx context.Context) billing.Scope {
	k, _ := ctx.Value(keyAPIKey).(billing.APIKey)
	return billing.Scope{MerchantID: k.MerchantID, Mode: k.Mode}
}

// route is filled in by the innermost router so the outer middleware can
// label metrics and logs with the route pattern rather than the raw path.
type route struct{ pattern, keyID string }

// observe assigns the request id, logs the request and records metrics.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get("X-Request-Id")
		if !requestIDRE.MatchString(id) {
			id = "req_" + strings.ToLower(rand.Text()[:20])
		}
		w.Header().Set("Request-Id", id)
		rt := &route{}
		ctx := context.WithValue(r.Context(), keyRequestID, id)
		ctx = context.WithValue(ctx, keyRoute, rt)
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		r = r.WithContext(ctx)
		next.ServeHTTP(rec, r)
		if rt.pattern == "" {
			rt.pattern = r.Pattern
		}
		if rt.pattern == "" {
			rt.pattern = "unmatched"
		}
		elapsed := time.Since(start)
		s.metrics.observe(rt.pattern, r.Method, rec.status, elapsed)
		s.logger.LogAttrs(ctx, slog.LevelInfo, "request",
			slog.String("request_id", id), slog.String("method", r.Method), slog.String("path", r.URL.Path),
			slog.String("route", rt.pattern), slog.Int("status", rec.status),
			slog.Float64("duration_ms", float64(elapsed.Microseconds())/1000),
			slog.String("key_id", rt.keyID), slog.String("client_ip", clientIP(r)))
	})
}

func keyIDOf(ctx context.Context) string {
	k, _ := ctx.Value(keyAPIKey).(billing.APIKey)
	return k.ID
}

// routeLabel is huma middleware that records the operation's path pattern.
func (s *Server) routeLabel(hctx huma.Context, next func(huma.Context)) {
	if rt, ok := hctx.Context().Value(keyRoute).(*route); ok {
		rt.pattern = hctx.Operation().Method + " " + hctx.Operation().Path
	}
	next(hctx)
}

// authenticate requires a valid secret key and puts it in the context, with
// the request info the audit log records.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		secret, ok := apiKeyFromHeader(r.Header.Get("Authorization"))
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="cuota"`)
			w.Header().Add("WWW-Authenticate", `Basic realm="cuota"`)
			s.writeProblem(w, r, billing.Errorf(billing.KindUnauthorized, billing.CodeInvalidAPIKey,
				"no API key provided: send Authorization: Bearer sk_test_…, or the key as the Basic user name with an empty password"))
			return
		}
		ctx, k, err := s.app.Merchants.AuthenticateRequest(r.Context(), secret)
		if err != nil {
			s.refuseKey(w, r, err)
			return
		}
		if rt, ok := r.Context().Value(keyRoute).(*route); ok {
			rt.keyID = k.ID
		}
		ctx = context.WithValue(ctx, keyAPIKey, k)
		ctx = app.WithRequestInfo(ctx, app.RequestInfo{Actor: "api_key:" + k.ID, RequestID: requestIDFrom(ctx), ClientIP: clientIP(r)})
		r = r.WithContext(ctx)
		next.ServeHTTP(&keyGuard{ResponseWriter: w, s: s, r: r}, r)
	})
}

// refuseKey answers a request whose key was refused.
func (s *Server) refuseKey(w http.ResponseWriter, r *http.Request, err error) {
	if billing.AsError(err) != nil {
		w.Header().Set("WWW-Authenticate", `Bearer realm="cuota", error="invalid_token"`)
	}
	s.writeProblem(w, r, err)
}

// keyGuard holds back a response until the request's key is known to be
// valid. The key is usually verified inside the request's first
// transaction (app.Merchants.AuthenticateRequest); a request that answers
// without one (a parameter error, say) has it verified here, before the
// first byte of its answer leaves. If the key turns out revoked, the
// handler's answer is dropped and 401 invalid_api_key sent instead, so
// that the holder of a revoked key learns nothing else.
type keyGuard struct {
	http.ResponseWriter
	s       *Server
	r       *http.Request
	decided bool // the key's verdict is in
	refused bool // the key was refused: the handler's output is dropped
}

// decide verifies the key once, before the response starts.
func (g *keyGuard) decide() {
	if g.decided {
		return
	}
	g.decided = true
	if err := g.s.app.Merchants.CheckRequestKey(g.r.Context()); err != nil {
		g.refused = true
		h := g.ResponseWriter.Header()
		for name := range h {
			if name != "Request-Id" {
				delete(h, name)
			}
		}
		g.s.refuseKey(g.ResponseWriter, g.r, err)
	}
}

func (g *keyGuard) WriteHeader(code int) {
	if g.decide(); !g.refused {
		g.ResponseWriter.WriteHeader(code)
	}
}

func (g *keyGuard) Write(b []byte) (int, error) {
	if g.decide(); g.refused {
		return len(b), nil
	}
	return g.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (g *keyGuard) Unwrap() http.ResponseWriter { return g.ResponseWriter }

// apiKeyFromHeader reads the secret key from an Authorization header in
// either form Stripe's clients send: "Bearer <key>", or HTTP Basic with the
// key as the user name and an empty password (curl -u sk_test_…:). Scheme
// names are case-insensitive (RFC 9110 §11.1). A Basic password is refused
// rather than ignored, so a key typed into the wrong field is not half-used.
func apiKeyFromHeader(auth string) (string, bool) {
	scheme, cred, found := strings.Cut(strings.TrimSpace(auth), " ")
	if !found {
		return "", false
	}
	cred = strings.TrimSpace(cred)
	switch {
	case strings.EqualFold(scheme, "Bearer"):
		return cred, true
	case strings.EqualFold(scheme, "Basic"):
		decoded, err := base64.StdEncoding.DecodeString(cred)
		if err != nil {
			return "", false
		}
		user, password, ok := strings.Cut(string(decoded), ":")
		if !ok || password != "" || user == "" {
			return "", false
		}
		return user, true
	}
	return "", false
}

// limitBody caps the request body; reading past the cap fails with
// *http.MaxBytesError, reported as 413 body_too_large.
func (s *Server) limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > s.cfg.BodyLimit {
			s.writeProblem(w, r, tooLarge(s.cfg.BodyLimit))
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, s.cfg.BodyLimit)
		next.ServeHTTP(w, r)
	})
}

func tooLarge(limit int64) error {
	return billing.Errorf(billing.KindTooLarge, billing.CodeBodyTooLarge, "request body is larger than %d bytes", limit)
}

// rateLimit applies the per-key token bucket.
func (s *Server) rateLimit(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ok, retry := s.limiter.allow(keyIDOf(r.Context())); !ok {
			w.Header().Set("Retry-After", retryAfter(retry))
			s.writeProblem(w, r, billing.Errorf(billing.KindRateLimited, billing.CodeRateLimited,
				"too many requests with this API key; retry after %s seconds", retryAfter(retry)))
			return
		}
		next.ServeHTTP(w, r)
	})
}

func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func writeJSON(w http.ResponseWriter, status int, contentType string, v any) {
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

type statusRecorder struct {
	http.ResponseWriter
	status      int
	wroteHeader bool
}

func (r *statusRecorder) WriteHeader(code int) {
	if !r.wroteHeader {
		r.status, r.wroteHeader = code, true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	r.wroteHeader = true
	return r.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// describeErrorsAsProblems makes the OpenAPI document describe every error
// response with the Problem body cuota really sends (and so the enum of its
// codes). huma takes the error type of the document from a process-wide
// constructor, which cuota leaves alone; the document is rewritten instead,
// once every operation is registered.
func describeErrorsAsProblems(doc *huma.OpenAPI) {
	problem := doc.Components.Schemas.Schema(reflect.TypeOf(Problem{}), true, "Problem")
	for _, item := range doc.Paths {
		for _, op := range []*huma.Operation{item.Get, item.Put, item.Post, item.Delete, item.Patch, item.Head, item.Options} {
			if op == nil {
				continue
			}
			for status, resp := range op.Responses {
				if status != "default" && status < "400" {
					continue
				}
				for _, media := range resp.Content {
					media.Schema = problem
				}
			}
		}
	}
	delete(doc.Components.Schemas.Map(), "ErrorModel")
}
