// Package flowsim is a fake Flow.cl server for tests and demos: the API
// under /api/<service>/<method> with Flow's signature rule (verified with
// the same flow.Sign the client uses), in-memory customers, card enrolment,
// synchronous card charges, hosted payments, refunds, and the hosted pages
// a browser walks (card enrolment at /app/customer/disclaimer.php, payment
// at /app/web/pay.php).
//
// Use it in tests with httptest:
//
//	sim := flowsim.New(flowsim.Options{})
//	ts := httptest.NewServer(sim)
//	defer ts.Close()
//	defer sim.Close() // runs first: releases withheld answers
//	c, _ := flow.New(flow.Config{BaseURL: ts.URL + "/api", APIKey: sim.APIKey(), Secret: sim.Secret()})
//
// or standalone behind http.ListenAndServe. Every charge, payment and refund
// is kept in a ledger (Ledger) that tests compare with their own records,
// and faults (latency, 5xx, an answer lost after the charge committed,
// per-card and per-customer rules, a daily quota) can be set at run time.
// README.md lists the test cards and the behaviours reproduced.
package flowsim

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cuota/cuota/internal/gateway/flow"
)

// Error codes flowsim answers with. Only 108 and 1605 are Flow's documented
// codes; Flow publishes no catalogue, so the others are flowsim's own
// choices (messages follow Flow's where they are known; see the error
// answers of https://www.flow.cl/docs/api.html).
const (
	// CodeMissingParams: "There's some missing params" (Flow's text), HTTP 400.
	CodeMissingParams = 100
	// CodeAPIKeyNotFound: "apiKey not found", HTTP 401.
	CodeAPIKeyNotFound = 101
	// CodeInvalidParam: a value Flow would refuse, HTTP 400.
	CodeInvalidParam = 102
	// CodeCustomerNotFound: "Customer not found", HTTP 400.
	CodeCustomerNotFound = 103
	// CodeTransactionNotFound: "Transaction not found" (Flow's text and
	// status, measured), HTTP 400.
	CodeTransactionNotFound = 104
	// CodeCurrencyNotSupported: any currency but CLP, HTTP 400.
	CodeCurrencyNotSupported = 106
	// CodeInvalidSignature: "Invalid Signature" (Flow's code and text),
	// HTTP Options.SignatureErrorStatus.
	CodeInvalidSignature = flow.CodeInvalidSignature
	// CodeCustomerExists: customer/create with an externalId in use, HTTP 401.
	CodeCustomerExists = 110
	// CodeNoCard: customer/charge to a customer without a card, HTTP 401.
	CodeNoCard = 111
	// CodeQuotaExceeded: "The customer id: N has exceeded the daily
	// transaction quota" (Flow's text and status, measured), HTTP 400.
	CodeQuotaExceeded = 112
	// CodeRefundNotAllowed: refund of an unpaid payment or of more than is
	// left, HTTP 401.
	CodeRefundNotAllowed = 113
	// CodeServiceNotFound: an unknown /api/ path, HTTP 400.
	CodeServiceNotFound = 114
	// CodeTokenNotFound: an unknown register or refund token, HTTP 400.
	CodeTokenNotFound = 115
	// CodeMethodNotAllowed: GET for a POST service or the reverse, HTTP 405.
	CodeMethodNotAllowed = 405
	// CodePreviouslyPaid: "This commerceOrder N has been previously paid"
	// (Flow's code and text), HTTP 401; only with
	// Options.RejectPaidCommerceOrder.
	CodePreviouslyPaid = flow.CodePreviouslyPaid
)

// Options configures a Server. The zero value is a working server with
// random credentials.
type Options struct {
	// APIKey and Secret are the merchant's credentials; empty = random.
	APIKey string
	Secret string
	// BaseURL is the public root URL of the server ("http://127.0.0.1:8089",
	// no /api), used to make the hosted-page URLs absolute. Empty = derived
	// from each request's Host. See also SetBaseURL.
	BaseURL string
	// SignatureErrorStatus is the HTTP status of code-108 answers; 0 = 401.
	// (Flow's real status, 400 or 401, is not documented.)
	SignatureErrorStatus int
	// DailyQuota limits customer/charge calls per customer per (UTC) day,
	// like the sandbox (≈6); 0 = unlimited. See SetDailyQuota.
	DailyQuota int
	// AllowDuplicateExternalID lets customer/create accept an externalId
	// already used by another customer (by default it is refused).
	AllowDuplicateExternalID bool
	// RejectPaidCommerceOrder makes customer/charge and payment/create
	// refuse a commerceOrder that is already paid with code 1605. Off by
	// default: the sandbox was measured to charge the same commerceOrder
	// twice.
	RejectPaidCommerceOrder bool
	// StringNumbers writes every number as a JSON string, to harden clients'
	// lenient decoding. See SetStringNumbers.
	StringNumbers bool
	// AutoCompleteRefunds settles each refund as "refunded" right after
	// refund/create answers, then notifies its urlCallBack. Off: refunds
	// stay "created" until CompleteRefund.
	AutoCompleteRefunds bool
	// Now is the clock (dates in answers, the daily quota); nil = time.Now.
	Now func() time.Time
	// CallbackClient sends the server-to-server notifications; nil = a
	// client with Flow's 15 s limit.
	CallbackClient *http.Client
	// Logger logs one line per API call (never credentials); nil = none.
	Logger *slog.Logger
}

// Server is the fake Flow. It is an http.Handler, safe for concurrent use.
type Server struct {
	apiKey string
	secret string
	opts   Options
	now    func() time.Time
	cb     *http.Client
	log    *slog.Logger
	mux    *http.ServeMux
	closed chan struct{}
	wg     sync.WaitGroup // background work (automatic refund completions)

	mu       sync.Mutex
	isClosed bool // guarded by mu; set before closed is closed
	st       state
	fault    faults
	onCharge func(Entry)
}

// New returns a Server configured by opts.
func New(opts Options) *Server {
	s := &Server{
		apiKey: opts.APIKey,
		secret: opts.Secret,
		opts:   opts,
		now:    opts.Now,
		cb:     opts.CallbackClient,
		log:    opts.Logger,
		closed: make(chan struct{}),
	}
	if s.apiKey == "" {
		s.apiKey = randomAPIKey()
	}
	if s.secret == "" {
		s.secret = randomString(40, lowerHex)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.cb == nil {
		s.cb = &http.Client{Timeout: callbackTimeout}
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.opts.SignatureErrorStatus == 0 {
		s.opts.SignatureErrorStatus = http.StatusUnauthorized
	}
	s.st = newState(strings.TrimRight(opts.BaseURL, "/"), opts.StringNumbers)
	s.fault = newFaults(opts.DailyQuota)
	s.mux = http.NewServeMux()
	s.mux.HandleFunc("/api/", s.serveAPI)
	s.mux.HandleFunc("GET "+enrolPath, s.serveEnrolPage)
	s.mux.HandleFunc("POST "+enrolPath, s.submitEnrolPage)
	s.mux.HandleFunc("GET "+payPath, s.servePayPage)
	s.mux.HandleFunc("POST "+payPath, s.submitPayPage)
	s.mux.HandleFunc("GET /{$}", s.serveIndex)
	return s
}

// APIKey returns the merchant apiKey the server accepts.
func (s *Server) APIKey() string { return s.apiKey }

// Secret returns the merchant secret key the server verifies signatures
// with.
func (s *Server) Secret() string { return s.secret }

// SetBaseURL sets the public root URL used in hosted-page URLs ("" = derive
// from each request).
func (s *Server) SetBaseURL(u string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.baseURL = strings.TrimRight(u, "/")
}

// SetStringNumbers switches JSON numbers to strings (true) or back.
func (s *Server) SetStringNumbers(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.stringNumbers = on
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// Close releases every answer withheld by a hang fault and waits for
// background work (automatic refund completions). Call it before closing
// the HTTP server. The Server still answers afterwards, but withholds
// nothing.
func (s *Server) Close() {
	s.mu.Lock()
	if !s.isClosed {
		s.isClosed = true
		close(s.closed)
	}
	s.mu.Unlock()
	s.wg.Wait()
}

// apiError is an error answer {"code","message"} with its HTTP status.
type apiError struct {
	status int
	code   int
	msg    string
}

func errMissing() *apiError {
	return &apiError{http.StatusBadRequest, CodeMissingParams, "There's some missing params"}
}

func errInvalid(format string, a ...any) *apiError {
	return &apiError{http.StatusBadRequest, CodeInvalidParam, fmt.Sprintf(format, a...)}
}

func errTransactionNotFound() *apiError {
	return &apiError{http.StatusBadRequest, CodeTransactionNotFound, "Transaction not found"}
}

// result is what an API handler decided: a body or an error, and possibly
// a fault to apply after the state was committed.
type result struct {
	body    any
	err     *apiError
	after   Fault
	release <-chan struct{} // for FaultHangAfterCommit: closed by Release
	charged *Entry          // a charge was committed (for the OnCharge hook)
}

// endpoint is one API service.
type endpoint struct {
	method string
	handle func(r *http.Request, p url.Values) result
}

func (s *Server) endpoints() map[string]endpoint {
	return map[string]endpoint{
		"customer/create":                      {http.MethodPost, s.customerCreate},
		"customer/get":                         {http.MethodGet, s.customerGet},
		"customer/register":                    {http.MethodPost, s.customerRegister},
		"customer/getRegisterStatus":           {http.MethodGet, s.customerRegisterStatus},
		"customer/unRegister":                  {http.MethodPost, s.customerUnregister},
		"customer/charge":                      {http.MethodPost, s.customerCharge},
		"payment/create":                       {http.MethodPost, s.paymentCreate},
		"payment/getStatus":                    {http.MethodGet, s.paymentStatus("token", false)},
		"payment/getStatusExtended":            {http.MethodGet, s.paymentStatus("token", true)},
		"payment/getStatusByCommerceId":        {http.MethodGet, s.paymentStatus("commerceId", false)},
		"payment/getStatusByFlowOrder":         {http.MethodGet, s.paymentStatus("flowOrder", false)},
		"payment/getStatusByFlowOrderExtended": {http.MethodGet, s.paymentStatus("flowOrder", true)},
		"refund/create":                        {http.MethodPost, s.refundCreate},
		"refund/getStatus":                     {http.MethodGet, s.refundStatus},
	}
}

// maxBody bounds request bodies.
const maxBody = 1 << 20

func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	service := strings.Trim(strings.TrimPrefix(r.URL.Path, "/api/"), "/")
	status := s.serveAPICall(w, r, service)
	s.log.Info("flowsim api call", "service", service, "method", r.Method, "status", status)
}

// serveAPICall answers one API call and returns the HTTP status it wrote (0
// when it wrote none).
func (s *Server) serveAPICall(w http.ResponseWriter, r *http.Request, service string) int {
	if !s.waitLatency(r, service) {
		return 0
	}
	if st := s.takeFailure(); st != 0 {
		writeServerError(w, st)
		return st
	}
	ep, ok := s.endpoints()[service]
	if !ok {
		return s.writeError(w, &apiError{http.StatusBadRequest, CodeServiceNotFound, "Service not found: " + service})
	}
	if r.Method != ep.method {
		w.Header().Set("Allow", ep.method)
		return s.writeError(w, &apiError{http.StatusMethodNotAllowed, CodeMethodNotAllowed, "Method Not Allowed, use " + ep.method})
	}
	p, perr := readParams(w, r)
	if perr != nil {
		return s.writeError(w, perr)
	}
	if aerr := s.authenticate(p); aerr != nil {
		return s.writeError(w, aerr)
	}
	res := ep.handle(r, p)
	if res.charged != nil {
		s.mu.Lock()
		hook := s.onCharge
		s.mu.Unlock()
		if hook != nil {
			hook(*res.charged)
		}
	}
	if res.err != nil {
		return s.writeError(w, res.err)
	}
	switch res.after {
	case FaultServerError:
		writeServerError(w, http.StatusInternalServerError)
		return http.StatusInternalServerError
	case FaultErrorAfterCommit:
		writeServerError(w, http.StatusBadGateway)
		return http.StatusBadGateway
	case FaultDropAfterCommit:
		dropConnection(w)
		return 0
	case FaultHangAfterCommit:
		if !s.hold(r, res.release) {
			return 0
		}
	}
	return s.writeJSON(w, http.StatusOK, res.body)
}

// readParams returns the request's parameters: the query for GET, the
// urlencoded or multipart form for POST (a JSON body yields none, as Flow
// answers "There's some missing params" to JSON).
func readParams(w http.ResponseWriter, r *http.Request) (url.Values, *apiError) {
	if r.Method == http.MethodGet {
		return r.URL.Query(), nil
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "multipart/form-data":
		if err := r.ParseMultipartForm(maxBody); err != nil {
			return nil, errInvalid("Malformed multipart body")
		}
	case "application/x-www-form-urlencoded":
		if err := r.ParseForm(); err != nil {
			return nil, errInvalid("Malformed form body")
		}
	default:
		// Drain what was sent so that the connection stays usable.
		_, _ = io.Copy(io.Discard, r.Body)
		return url.Values{}, nil
	}
	if r.PostForm == nil {
		return url.Values{}, nil
	}
	return r.PostForm, nil
}

// authenticate checks apiKey and the signature s over every received
// parameter except s.
func (s *Server) authenticate(p url.Values) *apiError {
	key := p.Get("apiKey")
	if key == "" {
		return errMissing()
	}
	if key != s.apiKey {
		return &apiError{http.StatusUnauthorized, CodeAPIKeyNotFound, "apiKey not found"}
	}
	if !flow.Verify(s.secret, p) {
		return &apiError{s.opts.SignatureErrorStatus, CodeInvalidSignature, "Invalid Signature"}
	}
	return nil
}

func (s *Server) writeError(w http.ResponseWriter, e *apiError) int {
	return s.writeJSON(w, e.status, map[string]any{"code": s.num(int64(e.code)), "message": e.msg})
}

func (s *Server) writeJSON(w http.ResponseWriter, status int, v any) int {
	b, err := json.Marshal(v)
	if err != nil {
		// Only flowsim's own values are encoded; this does not happen.
		status = http.StatusInternalServerError
		b = []byte(`{"code":500,"message":"flowsim: encode answer"}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
	return status
}

// writeServerError answers like a failing front end: a status and an HTML
// body.
func writeServerError(w http.ResponseWriter, status int) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = fmt.Fprintf(w, "<html><head><title>%d %s</title></head><body><h1>%d %s</h1></body></html>\n",
		status, http.StatusText(status), status, http.StatusText(status))
}

// dropConnection closes the connection without an answer.
func dropConnection(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		// Not hijackable (HTTP/2): abort the stream the way net/http
		// documents, which it recovers from silently. Only an injected
		// fault gets here.
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
}

// num renders an integer as a JSON number, or a string in string mode.
// Callers hold no lock; it takes it.
func (s *Server) num(v int64) any {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.num(v)
}

const (
	upperAlnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	lowerAlnum = "abcdefghijklmnopqrstuvwxyz0123456789"
	lowerHex   = "0123456789abcdef"
)

// randomString returns n characters of alphabet from crypto/rand, without
// modulo bias.
func randomString(n int, alphabet string) string {
	out := make([]byte, 0, n)
	limit := 256 - 256%len(alphabet)
	buf := make([]byte, n+16)
	for len(out) < n {
		// crypto/rand.Read never returns an error (Go ≥ 1.24).
		_, _ = rand.Read(buf)
		for _, c := range buf {
			if int(c) < limit && len(out) < n {
				out = append(out, alphabet[int(c)%len(alphabet)])
			}
		}
	}
	return string(out)
}

// randomAPIKey looks like Flow's apiKeys (8-4-4-4-12 uppercase).
func randomAPIKey() string {
	r := randomString(32, upperAlnum)
	return r[:8] + "-" + r[8:12] + "-" + r[12:16] + "-" + r[16:20] + "-" + r[20:]
}
