// Package stripefake is a small, stateful, in-process fake of the part of
// Stripe's API that cuota uses, for behaviour tests that stripe-mock (which
// is stateless and never declines) cannot do: declines by test card, SCA,
// 429s, 5xx and dropped connections after the charge, and Stripe's
// Idempotency-Key semantics (the first answer is saved and replayed, the
// same key with other parameters is an idempotency_error, a concurrent
// duplicate is a 409).
//
// Checkout Sessions come in setup mode (CompleteCheckout saves a card) and
// payment mode (PayCheckout pays with a test card; the PaymentIntent is made
// when the customer pays, as Stripe does). A PaymentIntent waiting in
// requires_action that is confirmed again with a return_url (and
// use_stripe_sdk not true) answers next_action.redirect_to_url, a page of
// the fake's (/3ds/{id}) where the "bank" authenticates it; Authenticate
// does the same from a test.
//
// Objects have Stripe's JSON shapes (ids with Stripe's prefixes, "object",
// expandable ids, metadata) for the fields cuota reads. Request shapes are
// checked against the real API description by the stripe-mock tests, not
// here. Webhook events are built and signed on request (Event, Send);
// nothing is delivered on its own.
package stripefake

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/stripe/stripe-go/v86"
	"github.com/stripe/stripe-go/v86/webhook"
)

// Test cards (Stripe's test numbers) and what the fake does with them.
const (
	CardVisa              = "4242424242424242" // succeeds
	CardMastercard        = "5555555555554444" // succeeds
	CardDeclined          = "4000000000000002" // card_declined / generic_decline
	CardInsufficientFunds = "4000000000009995" // card_declined / insufficient_funds
	CardLost              = "4000000000009987" // card_declined / lost_card
	CardStolen            = "4000000000009979" // card_declined / stolen_card
	CardExpired           = "4000000000000069" // expired_card
	CardProcessingError   = "4000000000000119" // processing_error
	// CardAuthRequired needs authentication on every charge: an
	// off-session confirmation fails with 402 authentication_required
	// (Stripe's behaviour for off_session=true).
	CardAuthRequired = "4000002760003184"
	// CardRequiresAction leaves the PaymentIntent in requires_action
	// (a 200), the state an on-session payment needing 3-D Secure is in;
	// Authenticate completes or fails it.
	CardRequiresAction = "4000000000003220"
)

// Fault is a failure injected into the next matching requests.
type Fault int

// Faults.
const (
	FaultNone Fault = iota
	// FaultRateLimit answers 429 rate_limit before doing anything.
	FaultRateLimit
	// FaultServerErrorBefore answers 500 before doing anything (not saved
	// for the key: Stripe never began executing).
	FaultServerErrorBefore
	// FaultServerErrorAfter does the work, then answers 500; the 500 is
	// what the key replays (Stripe saves 500s too).
	FaultServerErrorAfter
	// FaultDropAfterCommit does the work, saves the answer for the key and
	// closes the connection without answering.
	FaultDropAfterCommit
	// FaultHangAfterCommit does the work, saves the answer for the key and
	// answers nothing until the client gives up.
	FaultHangAfterCommit
)

// Entry is one movement of money in the fake's ledger.
type Entry struct {
	Kind           string // "charge" or "refund"
	ID             string // pi_… or re_…
	IdempotencyKey string
	Customer       string
	Amount         int64 // Stripe's minor units
	Currency       string
}

// Request is one API request the fake received.
type Request struct {
	Method         string
	Path           string
	Form           url.Values // body (POST) or query (GET)
	IdempotencyKey string
	Replayed       bool
}

type saved struct {
	fingerprint string
	status      int
	body        []byte
	done        bool
}

type faultRule struct {
	prefix string
	n      int
	fault  Fault
}

// Server is the fake Stripe. Create it with New and serve it over HTTP
// (httptest.NewServer); SetBaseURL must be called with its address.
type Server struct {
	apiKey string

	mu        sync.Mutex
	baseURL   string
	seq       int
	customers map[string]*customer
	sessions  map[string]*session
	setups    map[string]*setupIntent
	methods   map[string]*paymentMethod
	intents   map[string]*paymentIntent
	charges   map[string]*charge
	refunds   map[string]*refund
	keys      map[string]*saved
	faults    []faultRule
	requests  []Request
	ledger    []Entry
	pendingRe bool
	closed    chan struct{}
	closeOnce sync.Once
}

// New returns a fake whose only valid secret key is apiKey (e.g.
// "sk_test_fake").
func New(apiKey string) *Server {
	return &Server{apiKey: apiKey, customers: map[string]*customer{}, sessions: map[string]*session{},
		setups: map[string]*setupIntent{}, methods: map[string]*paymentMethod{}, intents: map[string]*paymentIntent{},
		charges: map[string]*charge{}, refunds: map[string]*refund{}, keys: map[string]*saved{}, closed: make(chan struct{})}
}

// SetBaseURL tells the fake its own address (for Checkout page URLs).
func (f *Server) SetBaseURL(u string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.baseURL = strings.TrimRight(u, "/")
}

// Close releases requests held by FaultHangAfterCommit.
func (f *Server) Close() { f.closeOnce.Do(func() { close(f.closed) }) }

// FaultNext injects fault into the next n POST requests whose path starts
// with prefix (e.g. "/v1/payment_intents").
func (f *Server) FaultNext(prefix string, n int, fault Fault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults = append(f.faults, faultRule{prefix: prefix, n: n, fault: fault})
}

// RefundsPending makes new refunds pending until SettleRefund.
func (f *Server) RefundsPending(on bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.pendingRe = on
}

// Ledger returns the money that moved, in order.
func (f *Server) Ledger() []Entry {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Entry(nil), f.ledger...)
}

// Charges returns the ledger's charges made with an idempotency key.
func (f *Server) Charges(key string) []Entry {
	var out []Entry
	for _, e := range f.Ledger() {
		if e.Kind == "charge" && e.IdempotencyKey == key {
			out = append(out, e)
		}
	}
	return out
}

// Requests returns every API request received, in order.
func (f *Server) Requests() []Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Request(nil), f.requests...)
}

// CustomerIDs returns the ids of the customers created.
func (f *Server) CustomerIDs() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for id := range f.customers {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

// --- objects ---------------------------------------------------------------

type customer struct {
	ID, Email, Name string
	Metadata        map[string]string
	Created         int64
}

type session struct {
	ID, Mode, Status, Customer, SuccessURL, CancelURL, ClientReferenceID, SetupIntent string
	Metadata                                                                          map[string]string
	Created, ExpiresAt                                                                int64
	// Payment mode: the line's total, the PaymentIntent (made when the
	// customer pays) and what it is created with.
	AmountTotal                          int64
	Currency, PaymentIntent, Description string
	IntentMetadata                       map[string]string
}

type setupIntent struct {
	ID, Status, Customer, PaymentMethod string
	Metadata                            map[string]string
	Created                             int64
}

type paymentMethod struct {
	ID, Card, Customer string
	Created            int64
}

type paymentIntent struct {
	ID, Status, Customer, PaymentMethod, Currency, Description, LatestCharge, CancellationReason string
	Amount, Created                                                                              int64
	Metadata                                                                                     map[string]string
	LastError                                                                                    map[string]any
	// Key is the Idempotency-Key the PaymentIntent was created with, or
	// for a Checkout Session's, its metadata[cuota_idempotency_key].
	Key string
	// Session is the Checkout Session that made it ("" for the API's).
	Session string
	// ReturnURL and UseSDK are those of the last confirmation: with a
	// return_url and not use_stripe_sdk, requires_action is a redirect.
	ReturnURL string
	UseSDK    bool
	baseURL   string
}

type charge struct {
	ID, PaymentIntent, Currency, Customer string
	Amount, Refunded, Created             int64
	Metadata                              map[string]string
}

type refund struct {
	ID, Charge, PaymentIntent, Currency, Status string
	Amount, Created                             int64
	Metadata                                    map[string]string
}

// card is what a test card number looks like on a PaymentMethod.
func cardJSON(number string) map[string]any {
	brand := "visa"
	if strings.HasPrefix(number, "5") {
		brand = "mastercard"
	}
	return map[string]any{"brand": brand, "last4": number[len(number)-4:], "exp_month": 12, "exp_year": 2034,
		"funding": "credit", "country": "US", "display_brand": brand}
}

func (f *Server) newID(prefix string) string {
	f.seq++
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%s_fake%05d%x", prefix, f.seq, b)
}

func now() int64 { return time.Now().Unix() }

func meta(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

func (c *customer) json() map[string]any {
	return map[string]any{"id": c.ID, "object": "customer", "email": nullable(c.Email), "name": nullable(c.Name),
		"metadata": meta(c.Metadata), "created": c.Created, "livemode": false}
}

func (f *Server) sessionJSON(s *session, expand map[string]bool) map[string]any {
	out := map[string]any{"id": s.ID, "object": "checkout.session", "mode": s.Mode, "status": s.Status,
		"customer": s.Customer, "success_url": s.SuccessURL, "cancel_url": s.CancelURL, "client_reference_id": s.ClientReferenceID,
		"metadata": meta(s.Metadata), "created": s.Created, "expires_at": s.ExpiresAt, "livemode": false,
		"url": nil, "setup_intent": nullable(s.SetupIntent), "payment_status": "no_payment_required", "ui_mode": "hosted_page",
		"payment_intent": nullable(s.PaymentIntent), "amount_total": nil, "currency": nil}
	if s.Status == "open" {
		out["url"] = f.baseURL + "/c/pay/" + s.ID
	}
	if s.Mode == "payment" {
		out["amount_total"], out["amount_subtotal"], out["currency"] = s.AmountTotal, s.AmountTotal, s.Currency
		out["payment_status"] = "unpaid"
		if pi := f.intents[s.PaymentIntent]; pi != nil {
			if pi.Status == "succeeded" {
				out["payment_status"] = "paid"
			}
			if expand["payment_intent"] {
				out["payment_intent"] = pi.json()
			}
		}
	}
	if si := f.setups[s.SetupIntent]; si != nil && (expand["setup_intent"] || expand["setup_intent.payment_method"]) {
		out["setup_intent"] = f.setupJSON(si, expand["setup_intent.payment_method"])
	}
	return out
}

func (f *Server) setupJSON(si *setupIntent, expandPM bool) map[string]any {
	out := map[string]any{"id": si.ID, "object": "setup_intent", "status": si.Status, "customer": si.Customer,
		"payment_method": nullable(si.PaymentMethod), "metadata": meta(si.Metadata), "created": si.Created,
		"usage": "off_session", "livemode": false}
	if pm := f.methods[si.PaymentMethod]; pm != nil && expandPM {
		out["payment_method"] = pm.json()
	}
	return out
}

func (pm *paymentMethod) json() map[string]any {
	return map[string]any{"id": pm.ID, "object": "payment_method", "type": "card", "card": cardJSON(pm.Card),
		"customer": nullable(pm.Customer), "metadata": map[string]string{}, "created": pm.Created, "livemode": false}
}

func (pi *paymentIntent) json() map[string]any {
	out := map[string]any{"id": pi.ID, "object": "payment_intent", "amount": pi.Amount, "currency": pi.Currency,
		"customer": pi.Customer, "payment_method": pi.PaymentMethod, "status": pi.Status, "metadata": meta(pi.Metadata),
		"description": nullable(pi.Description), "created": pi.Created, "livemode": false, "latest_charge": nullable(pi.LatestCharge),
		"last_payment_error": nil, "cancellation_reason": nullable(pi.CancellationReason), "next_action": nil,
		"client_secret": pi.ID + "_secret_fake", "payment_method_types": []string{"card"}, "capture_method": "automatic",
		"confirmation_method": "automatic"}
	if pi.LastError != nil {
		out["last_payment_error"] = pi.LastError
	}
	if pi.Status == "requires_action" {
		out["next_action"] = map[string]any{"type": "use_stripe_sdk", "use_stripe_sdk": map[string]any{}}
		if pi.ReturnURL != "" && !pi.UseSDK {
			out["next_action"] = map[string]any{"type": "redirect_to_url",
				"redirect_to_url": map[string]any{"url": pi.baseURL + "/3ds/" + pi.ID, "return_url": pi.ReturnURL}}
		}
	}
	if pi.Status == "succeeded" {
		out["amount_received"] = pi.Amount
	}
	return out
}

func (c *charge) json() map[string]any {
	return map[string]any{"id": c.ID, "object": "charge", "amount": c.Amount, "amount_captured": c.Amount,
		"amount_refunded": c.Refunded, "refunded": c.Refunded >= c.Amount, "currency": c.Currency, "customer": c.Customer,
		"payment_intent": c.PaymentIntent, "metadata": meta(c.Metadata), "status": "succeeded", "paid": true, "captured": true,
		"created": c.Created, "livemode": false}
}

func (r *refund) json() map[string]any {
	return map[string]any{"id": r.ID, "object": "refund", "amount": r.Amount, "currency": r.Currency, "charge": r.Charge,
		"payment_intent": r.PaymentIntent, "status": r.Status, "metadata": meta(r.Metadata), "created": r.Created}
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// --- HTTP ------------------------------------------------------------------

type apiError struct {
	status int
	body   map[string]any
}

func errorOf(status int, typ, code, msg string, extra map[string]any) *apiError {
	e := map[string]any{"type": typ, "message": msg}
	if code != "" {
		e["code"] = code
	}
	for k, v := range extra {
		e[k] = v
	}
	return &apiError{status: status, body: map[string]any{"error": e}}
}

func notFound(kind, id string) *apiError {
	return errorOf(http.StatusNotFound, "invalid_request_error", "resource_missing",
		fmt.Sprintf("No such %s: '%s'", kind, id), map[string]any{"param": "id"})
}

// ServeHTTP implements http.Handler.
func (f *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/c/pay/") {
		f.page(w, r)
		return
	}
	if strings.HasPrefix(r.URL.Path, "/3ds/") {
		f.authPage(w, r)
		return
	}
	if !strings.HasPrefix(r.URL.Path, "/v1/") {
		writeJSON(w, http.StatusNotFound, errorOf(404, "invalid_request_error", "", "Unrecognized request URL", nil).body)
		return
	}
	if auth := r.Header.Get("Authorization"); auth != "Bearer "+f.apiKey {
		writeJSON(w, http.StatusUnauthorized, errorOf(401, "invalid_request_error", "", "Invalid API Key provided", nil).body)
		return
	}
	var form url.Values
	if r.Method == http.MethodPost {
		if err := r.ParseForm(); err != nil {
			writeJSON(w, http.StatusBadRequest, errorOf(400, "invalid_request_error", "", "bad form", nil).body)
			return
		}
		form = r.PostForm
	} else {
		form = r.URL.Query()
	}
	key := r.Header.Get("Idempotency-Key")
	fault := FaultNone
	var slot *saved
	f.mu.Lock()
	f.requests = append(f.requests, Request{Method: r.Method, Path: r.URL.Path, Form: form, IdempotencyKey: key})
	reqIdx := len(f.requests) - 1
	if r.Method == http.MethodPost {
		if key != "" {
			fp := r.URL.Path + "?" + form.Encode()
			if s, ok := f.keys[key]; ok {
				f.mu.Unlock()
				switch {
				case s.fingerprint != fp:
					writeJSON(w, http.StatusBadRequest, errorOf(400, "idempotency_error", "",
						"Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '"+key+"' if you meant to execute a different request.", nil).body)
				case !s.done:
					writeJSON(w, http.StatusConflict, errorOf(409, "invalid_request_error", "idempotency_key_in_use",
						"There is currently another in-progress request using this Idempotent Key (that probably means you submitted twice, and the other request is still going through): "+key+". Please try again later.", nil).body)
				default:
					f.mu.Lock()
					f.requests[reqIdx].Replayed = true
					f.mu.Unlock()
					w.Header().Set("Idempotent-Replayed", "true")
					w.Header().Set("Idempotency-Key", key)
					w.Header().Set("Content-Type", "application/json")
					w.WriteHeader(s.status)
					_, _ = w.Write(s.body)
				}
				return
			}
			slot = &saved{fingerprint: fp}
			f.keys[key] = slot
		}
		for i := range f.faults {
			if f.faults[i].n > 0 && strings.HasPrefix(r.URL.Path, f.faults[i].prefix) {
				f.faults[i].n--
				fault = f.faults[i].fault
				break
			}
		}
	}
	f.mu.Unlock()

	forget := func() {
		if slot != nil {
			f.mu.Lock()
			delete(f.keys, key)
			f.mu.Unlock()
		}
	}
	switch fault {
	case FaultRateLimit:
		forget()
		writeJSON(w, http.StatusTooManyRequests, errorOf(429, "invalid_request_error", "rate_limit",
			"Too many requests hit the API too quickly.", nil).body)
		return
	case FaultServerErrorBefore:
		forget()
		writeJSON(w, http.StatusInternalServerError, errorOf(500, "api_error", "", "An unknown error occurred", nil).body)
		return
	}

	f.mu.Lock()
	status, body := f.route(r.Method, r.URL.Path, form, key)
	if fault == FaultServerErrorAfter {
		status, body = http.StatusInternalServerError, errorOf(500, "api_error", "", "An unknown error occurred", nil).body
	}
	raw, _ := json.Marshal(body)
	if slot != nil {
		if status == http.StatusBadRequest && !strings.Contains(string(raw), "idempotency") {
			// Parameter validation failures are not saved (Stripe).
			delete(f.keys, key)
		} else {
			slot.status, slot.body, slot.done = status, raw, true
		}
	}
	f.mu.Unlock()

	switch fault {
	case FaultDropAfterCommit:
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				_ = conn.Close()
				return
			}
		}
		// Not hijackable (HTTP/2): abort the stream the way net/http
		// documents, which it recovers from silently. Only a test's
		// injected fault gets here.
		panic(http.ErrAbortHandler)
	case FaultHangAfterCommit:
		select {
		case <-r.Context().Done():
		case <-f.closed:
		}
		return
	}
	if key != "" {
		w.Header().Set("Idempotency-Key", key)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Request-Id", "req_fake")
	w.WriteHeader(status)
	_, _ = w.Write(raw)
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

// formMap reads name[key]=value fields.
func formMap(form url.Values, name string) map[string]string {
	out := map[string]string{}
	prefix := name + "["
	for k, vs := range form {
		if strings.HasPrefix(k, prefix) && strings.HasSuffix(k, "]") && len(vs) > 0 {
			out[k[len(prefix):len(k)-1]] = vs[0]
		}
	}
	return out
}

// formList reads name[0]=a&name[1]=b fields.
func formList(form url.Values, name string) []string {
	var out []string
	for i := 0; ; i++ {
		v, ok := form[name+"["+strconv.Itoa(i)+"]"]
		if !ok || len(v) == 0 {
			return out
		}
		out = append(out, v[0])
	}
}

func missing(param string) (int, map[string]any) {
	e := errorOf(400, "invalid_request_error", "parameter_missing", "Missing required param: "+param+".", map[string]any{"param": param})
	return e.status, e.body
}

func fail(e *apiError) (int, map[string]any) { return e.status, e.body }

// route runs one API call with f.mu held.
func (f *Server) route(method, path string, form url.Values, key string) (int, map[string]any) {
	parts := strings.Split(strings.Trim(path, "/"), "/") // v1, resource, id, action
	expand := map[string]bool{}
	for _, e := range formList(form, "expand") {
		expand[e] = true
	}
	switch {
	case method == http.MethodPost && path == "/v1/customers":
		c := &customer{ID: f.newID("cus"), Email: form.Get("email"), Name: form.Get("name"), Metadata: formMap(form, "metadata"), Created: now()}
		f.customers[c.ID] = c
		return 200, c.json()
	case method == http.MethodGet && path == "/v1/customers":
		var data []any
		for _, id := range sortedKeys(f.customers) {
			data = append(data, f.customers[id].json())
			break
		}
		return 200, list("/v1/customers", data)
	case method == http.MethodPost && path == "/v1/checkout/sessions":
		return f.createSession(form)
	case method == http.MethodGet && path == "/v1/checkout/sessions":
		return f.listSessions(form)
	case method == http.MethodGet && len(parts) == 4 && parts[1] == "checkout" && parts[2] == "sessions":
		s := f.sessions[parts[3]]
		if s == nil {
			return fail(notFound("checkout.session", parts[3]))
		}
		return 200, f.sessionJSON(s, expand)
	case method == http.MethodPost && len(parts) == 5 && parts[1] == "checkout" && parts[2] == "sessions" && parts[4] == "expire":
		s := f.sessions[parts[3]]
		if s == nil {
			return fail(notFound("checkout.session", parts[3]))
		}
		if s.Status != "open" {
			return fail(errorOf(400, "invalid_request_error", "",
				"Only Checkout Sessions with a status in [\"open\"] can be expired. This Checkout Session has a status of \""+s.Status+"\".", nil))
		}
		f.expire(s)
		return 200, f.sessionJSON(s, expand)
	case method == http.MethodGet && len(parts) == 3 && parts[1] == "setup_intents":
		si := f.setups[parts[2]]
		if si == nil {
			return fail(notFound("setup_intent", parts[2]))
		}
		return 200, f.setupJSON(si, expand["payment_method"])
	case method == http.MethodGet && len(parts) == 3 && parts[1] == "payment_methods":
		pm := f.methods[parts[2]]
		if pm == nil {
			return fail(notFound("payment_method", parts[2]))
		}
		return 200, pm.json()
	case method == http.MethodPost && len(parts) == 4 && parts[1] == "payment_methods" && parts[3] == "attach":
		pm := f.methods[parts[2]]
		if pm == nil {
			return fail(notFound("payment_method", parts[2]))
		}
		cus := form.Get("customer")
		if f.customers[cus] == nil {
			return fail(notFound("customer", cus))
		}
		if pm.Customer != "" && pm.Customer != cus {
			return fail(errorOf(400, "invalid_request_error", "payment_method_unexpected_state",
				"The payment method you provided has already been attached to a customer.", nil))
		}
		pm.Customer = cus
		return 200, pm.json()
	case method == http.MethodPost && path == "/v1/payment_intents":
		return f.createIntent(form, key)
	case method == http.MethodGet && path == "/v1/payment_intents":
		cus := form.Get("customer")
		var data []any
		for _, id := range sortedKeys(f.intents) {
			if pi := f.intents[id]; cus == "" || pi.Customer == cus {
				data = append(data, pi.json())
			}
		}
		reverse(data) // newest first
		return 200, list("/v1/payment_intents", data)
	case method == http.MethodGet && len(parts) == 3 && parts[1] == "payment_intents":
		pi := f.intents[parts[2]]
		if pi == nil {
			return fail(notFound("payment_intent", parts[2]))
		}
		return 200, pi.json()
	case method == http.MethodPost && len(parts) == 4 && parts[1] == "payment_intents" && parts[3] == "confirm":
		pi := f.intents[parts[2]]
		if pi == nil {
			return fail(notFound("payment_intent", parts[2]))
		}
		return f.confirmIntent(pi, form)
	case method == http.MethodPost && len(parts) == 4 && parts[1] == "payment_intents" && parts[3] == "cancel":
		pi := f.intents[parts[2]]
		if pi == nil {
			return fail(notFound("payment_intent", parts[2]))
		}
		switch pi.Status {
		case "requires_payment_method", "requires_action", "requires_confirmation", "requires_capture":
			pi.Status, pi.CancellationReason = "canceled", form.Get("cancellation_reason")
			return 200, pi.json()
		}
		return fail(errorOf(400, "invalid_request_error", "payment_intent_unexpected_state",
			"You cannot cancel this PaymentIntent because it has a status of "+pi.Status+".", nil))
	case method == http.MethodPost && path == "/v1/refunds":
		return f.createRefund(form)
	case method == http.MethodGet && path == "/v1/refunds":
		ch := form.Get("charge")
		var data []any
		for _, id := range sortedKeys(f.refunds) {
			if re := f.refunds[id]; ch == "" || re.Charge == ch {
				data = append(data, re.json())
			}
		}
		reverse(data)
		return 200, list("/v1/refunds", data)
	case method == http.MethodGet && len(parts) == 3 && parts[1] == "refunds":
		re := f.refunds[parts[2]]
		if re == nil {
			return fail(notFound("refund", parts[2]))
		}
		return 200, re.json()
	}
	return fail(errorOf(404, "invalid_request_error", "", "Unrecognized request URL ("+method+": "+path+")", nil))
}

func sortedKeys[T any](m map[string]T) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out) // ids carry a sequence number: creation order
	return out
}

func reverse(s []any) {
	for i, j := 0, len(s)-1; i < j; i, j = i+1, j-1 {
		s[i], s[j] = s[j], s[i]
	}
}

func list(url string, data []any) map[string]any {
	if data == nil {
		data = []any{}
	}
	return map[string]any{"object": "list", "url": url, "has_more": false, "data": data}
}

func (f *Server) createSession(form url.Values) (int, map[string]any) {
	for _, p := range []string{"mode", "success_url"} {
		if form.Get(p) == "" {
			return missing(p)
		}
	}
	mode := form.Get("mode")
	if mode != "setup" && mode != "payment" {
		return fail(errorOf(400, "invalid_request_error", "parameter_invalid", "the fake does setup and payment mode", nil))
	}
	cus := form.Get("customer")
	if f.customers[cus] == nil {
		return fail(notFound("customer", cus))
	}
	s := &session{ID: f.newID("cs_test"), Mode: mode, Status: "open", Customer: cus, SuccessURL: form.Get("success_url"),
		CancelURL: form.Get("cancel_url"), ClientReferenceID: form.Get("client_reference_id"),
		Metadata: formMap(form, "metadata"), Created: now(), ExpiresAt: now() + 24*3600}
	if v := form.Get("expires_at"); v != "" {
		at, err := strconv.ParseInt(v, 10, 64)
		if err != nil || at < now()+30*60 || at > now()+24*3600 {
			return fail(errorOf(400, "invalid_request_error", "parameter_invalid",
				"The `expires_at` timestamp must be at least 30 minutes and at most 24 hours after the Checkout Session is created.",
				map[string]any{"param": "expires_at"}))
		}
		s.ExpiresAt = at
	}
	if mode == "payment" {
		// One line with price_data, as cuota sends it.
		const line = "line_items[0]"
		for _, p := range []string{line + "[price_data][currency]", line + "[price_data][unit_amount]", line + "[price_data][product_data][name]", line + "[quantity]"} {
			if form.Get(p) == "" {
				return missing(p)
			}
		}
		if form.Get("line_items[1][quantity]") != "" {
			return fail(errorOf(400, "invalid_request_error", "parameter_invalid", "the fake takes one line item", nil))
		}
		unit, err1 := strconv.ParseInt(form.Get(line+"[price_data][unit_amount]"), 10, 64)
		qty, err2 := strconv.ParseInt(form.Get(line+"[quantity]"), 10, 64)
		if err1 != nil || err2 != nil || unit <= 0 || qty <= 0 {
			return fail(errorOf(400, "invalid_request_error", "parameter_invalid_integer", "Invalid line item amount or quantity", nil))
		}
		s.AmountTotal, s.Currency = unit*qty, strings.ToLower(form.Get(line+"[price_data][currency]"))
		s.IntentMetadata, s.Description = formMap(form, "payment_intent_data[metadata]"), form.Get("payment_intent_data[description]")
	} else {
		si := &setupIntent{ID: f.newID("seti"), Status: "requires_payment_method", Customer: cus,
			Metadata: formMap(form, "setup_intent_data[metadata]"), Created: now()}
		f.setups[si.ID] = si
		s.SetupIntent = si.ID
	}
	f.sessions[s.ID] = s
	return 200, f.sessionJSON(s, nil)
}

// listSessions lists Checkout Sessions, newest first, filtered by
// customer, payment_intent and created[gte].
func (f *Server) listSessions(form url.Values) (int, map[string]any) {
	var since int64
	if v := form.Get("created[gte]"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return fail(errorOf(400, "invalid_request_error", "parameter_invalid_integer", "Invalid integer: "+v, nil))
		}
		since = n
	}
	var data []any
	for _, id := range sortedKeys(f.sessions) {
		s := f.sessions[id]
		if (form.Get("customer") == "" || s.Customer == form.Get("customer")) &&
			(form.Get("payment_intent") == "" || s.PaymentIntent == form.Get("payment_intent")) && s.Created >= since {
			data = append(data, f.sessionJSON(s, nil))
		}
	}
	reverse(data)
	return 200, list("/v1/checkout/sessions", data)
}

// expire ends an open session; its PaymentIntent, if the customer began
// paying, is canceled (Stripe's behaviour).
func (f *Server) expire(s *session) {
	s.Status = "expired"
	if pi := f.intents[s.PaymentIntent]; pi != nil {
		switch pi.Status {
		case "requires_payment_method", "requires_action", "requires_confirmation":
			pi.Status = "canceled"
		}
	}
}

func (f *Server) createIntent(form url.Values, key string) (int, map[string]any) {
	for _, p := range []string{"amount", "currency"} {
		if form.Get(p) == "" {
			return missing(p)
		}
	}
	amount, err := strconv.ParseInt(form.Get("amount"), 10, 64)
	if err != nil || amount <= 0 {
		return fail(errorOf(400, "invalid_request_error", "parameter_invalid_integer", "Invalid integer: "+form.Get("amount"),
			map[string]any{"param": "amount"}))
	}
	cus := form.Get("customer")
	if cus != "" && f.customers[cus] == nil {
		return fail(notFound("customer", cus))
	}
	pmID := form.Get("payment_method")
	pm := f.methods[pmID]
	if pmID != "" && pm == nil {
		e := notFound("payment_method", pmID)
		e.body["error"].(map[string]any)["param"] = "payment_method"
		return fail(e)
	}
	if pm != nil && pm.Customer != cus {
		return fail(errorOf(400, "invalid_request_error", "payment_method_unexpected_state",
			"The provided PaymentMethod was previously used or attached to another Customer.", map[string]any{"param": "payment_method"}))
	}
	pi := &paymentIntent{ID: f.newID("pi"), Status: "requires_payment_method", Customer: cus, PaymentMethod: pmID,
		Currency: strings.ToLower(form.Get("currency")), Description: form.Get("description"), Amount: amount, Created: now(),
		Metadata: formMap(form, "metadata"), Key: key, baseURL: f.baseURL}
	f.intents[pi.ID] = pi
	if form.Get("confirm") != "true" || pm == nil {
		if form.Get("confirm") == "true" {
			pi.Status = "requires_payment_method"
		} else {
			pi.Status = "requires_confirmation"
		}
		return 200, pi.json()
	}
	pi.ReturnURL, pi.UseSDK = form.Get("return_url"), form.Get("use_stripe_sdk") == "true"
	return f.attempt(pi, pm, form.Get("off_session") == "true")
}

// confirmIntent confirms a PaymentIntent again (POST …/confirm): with its
// payment method (or the one given), on or off session.
func (f *Server) confirmIntent(pi *paymentIntent, form url.Values) (int, map[string]any) {
	switch pi.Status {
	case "requires_payment_method", "requires_confirmation", "requires_action":
	default:
		return fail(errorOf(400, "invalid_request_error", "payment_intent_unexpected_state",
			"You cannot confirm this PaymentIntent because it has a status of "+pi.Status+".", nil))
	}
	if v := form.Get("off_session"); v != "" && v != "true" && v != "false" && v != "one_off" && v != "recurring" {
		return fail(errorOf(400, "invalid_request_error", "parameter_invalid", "Invalid off_session: "+v, nil))
	}
	pmID := form.Get("payment_method")
	if pmID == "" {
		pmID = pi.PaymentMethod
	}
	pm := f.methods[pmID]
	if pm == nil {
		return fail(errorOf(400, "invalid_request_error", "payment_intent_unexpected_state",
			"You cannot confirm this PaymentIntent because it's missing a payment method.", nil))
	}
	pi.PaymentMethod = pmID
	pi.ReturnURL, pi.UseSDK = form.Get("return_url"), form.Get("use_stripe_sdk") == "true"
	off := form.Get("off_session")
	return f.attempt(pi, pm, off == "true" || off == "one_off" || off == "recurring")
}

// attempt charges pm for pi as the test card behaves: succeeded, a
// decline (402), or requires_action (authentication needed).
func (f *Server) attempt(pi *paymentIntent, pm *paymentMethod, offSession bool) (int, map[string]any) {
	decline := func(code, declineCode, msg string) (int, map[string]any) {
		e := map[string]any{"type": "card_error", "code": code, "message": msg, "payment_method": pm.json()}
		if declineCode != "" {
			e["decline_code"] = declineCode
		}
		ch := f.newID("ch")
		e["charge"] = ch
		pi.Status, pi.LastError, pi.LatestCharge = "requires_payment_method", e, ch
		full := map[string]any{}
		for k, v := range e {
			full[k] = v
		}
		full["payment_intent"] = pi.json()
		return http.StatusPaymentRequired, map[string]any{"error": full}
	}
	switch pm.Card {
	case CardDeclined:
		return decline("card_declined", "generic_decline", "Your card was declined.")
	case CardInsufficientFunds:
		return decline("card_declined", "insufficient_funds", "Your card has insufficient funds.")
	case CardLost:
		return decline("card_declined", "lost_card", "Your card was declined.")
	case CardStolen:
		return decline("card_declined", "stolen_card", "Your card was declined.")
	case CardExpired:
		return decline("expired_card", "", "Your card has expired.")
	case CardProcessingError:
		return decline("processing_error", "", "An error occurred while processing your card. Try again in a little bit.")
	case CardAuthRequired:
		if offSession {
			return decline("authentication_required", "authentication_required",
				"Your card was declined. This transaction requires authentication.")
		}
		pi.Status = "requires_action"
		return 200, pi.json()
	case CardRequiresAction:
		pi.Status = "requires_action"
		return 200, pi.json()
	}
	f.succeed(pi)
	return 200, pi.json()
}

// succeed moves a PaymentIntent to succeeded with its charge and ledger
// entry.
func (f *Server) succeed(pi *paymentIntent) {
	ch := &charge{ID: f.newID("ch"), PaymentIntent: pi.ID, Currency: pi.Currency, Customer: pi.Customer, Amount: pi.Amount,
		Created: now(), Metadata: pi.Metadata}
	f.charges[ch.ID] = ch
	pi.Status, pi.LatestCharge, pi.LastError = "succeeded", ch.ID, nil
	f.ledger = append(f.ledger, Entry{Kind: "charge", ID: pi.ID, IdempotencyKey: pi.Key, Customer: pi.Customer,
		Amount: pi.Amount, Currency: pi.Currency})
	if s := f.sessions[pi.Session]; s != nil && s.Status == "open" {
		s.Status = "complete"
	}
}

func (f *Server) createRefund(form url.Values) (int, map[string]any) {
	var ch *charge
	switch {
	case form.Get("payment_intent") != "":
		pi := f.intents[form.Get("payment_intent")]
		if pi == nil {
			return fail(notFound("payment_intent", form.Get("payment_intent")))
		}
		ch = f.charges[pi.LatestCharge]
	case form.Get("charge") != "":
		ch = f.charges[form.Get("charge")]
	default:
		return missing("charge")
	}
	if ch == nil {
		return fail(errorOf(400, "invalid_request_error", "charge_not_refundable", "This PaymentIntent has no successful charge to refund.", nil))
	}
	amount := ch.Amount - ch.Refunded
	if v := form.Get("amount"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			return fail(errorOf(400, "invalid_request_error", "parameter_invalid_integer", "Invalid integer: "+v, nil))
		}
		amount = n
	}
	if amount > ch.Amount-ch.Refunded || amount == 0 {
		return fail(errorOf(400, "invalid_request_error", "amount_too_large",
			fmt.Sprintf("Refund amount (%d) is greater than unrefunded amount on charge (%d)", amount, ch.Amount-ch.Refunded), nil))
	}
	re := &refund{ID: f.newID("re"), Charge: ch.ID, PaymentIntent: ch.PaymentIntent, Currency: ch.Currency, Amount: amount,
		Status: "succeeded", Created: now(), Metadata: formMap(form, "metadata")}
	if f.pendingRe {
		re.Status = "pending"
	}
	ch.Refunded += amount
	f.refunds[re.ID] = re
	f.ledger = append(f.ledger, Entry{Kind: "refund", ID: re.ID, Customer: ch.Customer, Amount: amount, Currency: ch.Currency})
	return 200, re.json()
}

// --- hosted Checkout page --------------------------------------------------

var pageTmpl = template.Must(template.New("p").Parse(`<!doctype html><title>Fake Stripe Checkout</title>
<form method="post" action="/c/pay/{{.ID}}"><input name="card" value="4242424242424242">{{if eq .Mode "payment"}}<button name="action" value="pay">Pay</button>{{else}}<button name="action" value="save">Save card</button>{{end}}<button name="action" value="cancel">Back</button></form>`))

var authTmpl = template.Must(template.New("a").Parse(`<!doctype html><title>Fake 3-D Secure</title>
<form method="post" action="/3ds/{{.}}"><button name="action" value="complete">Complete authentication</button><button name="action" value="fail">Fail authentication</button></form>`))

// page is the fake Stripe-hosted Checkout page of a session: GET shows a
// form; POST card=…&action=save (setup mode) or action=pay (payment mode)
// completes the session and redirects to success_url (with the session
// id), action=cancel to cancel_url. A payment whose card needs
// authentication goes to the fake's 3-D Secure page first; a declined one
// is a 402 (the session stays open, as Checkout lets the customer retry).
func (f *Server) page(w http.ResponseWriter, r *http.Request) {
	id := strings.TrimPrefix(r.URL.Path, "/c/pay/")
	f.mu.Lock()
	s := f.sessions[id]
	var mode string
	if s != nil {
		mode = s.Mode
	}
	f.mu.Unlock()
	if s == nil {
		http.NotFound(w, r)
		return
	}
	if r.Method == http.MethodGet {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_ = pageTmpl.Execute(w, map[string]string{"ID": id, "Mode": mode})
		return
	}
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	if r.PostForm.Get("action") == "cancel" {
		http.Redirect(w, r, s.CancelURL, http.StatusSeeOther)
		return
	}
	var dest string
	var err error
	if mode == "payment" {
		dest, err = f.PayCheckout(id, r.PostForm.Get("card"))
		if errors.Is(err, ErrRequiresAction) {
			http.Redirect(w, r, "/3ds/"+f.SessionIntent(id), http.StatusSeeOther)
			return
		}
		var d *DeclineError
		if errors.As(err, &d) {
			http.Error(w, d.Error(), http.StatusPaymentRequired)
			return
		}
	} else {
		dest, err = f.CompleteCheckout(id, r.PostForm.Get("card"))
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusConflict)
		return
	}
	http.Redirect(w, r, dest, http.StatusSeeOther)
}

// authPage is the fake bank's 3-D Secure page of a PaymentIntent waiting
// in requires_action: GET shows it; POST action=complete authenticates
// (the PaymentIntent succeeds), action=fail fails it; either way the
// browser goes to the confirmation's return_url (with Stripe's
// payment_intent and redirect_status parameters), or for a Checkout
// Session's PaymentIntent back to Checkout (its success_url once paid).
func (f *Server) authPage(w http.ResponseWriter, r *http.Request) {
	id := strings.TrimPrefix(r.URL.Path, "/3ds/")
	if r.Method == http.MethodGet {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_ = authTmpl.Execute(w, id)
		return
	}
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	ok := r.PostForm.Get("action") == "complete"
	if err := f.Authenticate(id, ok); err != nil {
		http.Error(w, err.Error(), http.StatusConflict)
		return
	}
	f.mu.Lock()
	pi := f.intents[id]
	dest, status := pi.ReturnURL, pi.Status
	if s := f.sessions[pi.Session]; s != nil {
		dest = f.baseURL + "/c/pay/" + s.ID
		if status == "succeeded" {
			dest = strings.ReplaceAll(s.SuccessURL, "{CHECKOUT_SESSION_ID}", s.ID)
		}
	} else if dest != "" {
		redirect := "succeeded"
		if status != "succeeded" {
			redirect = "failed"
		}
		sep := "?"
		if strings.Contains(dest, "?") {
			sep = "&"
		}
		dest += sep + url.Values{"payment_intent": {pi.ID}, "payment_intent_client_secret": {pi.ID + "_secret_fake"},
			"redirect_status": {redirect}}.Encode()
	}
	f.mu.Unlock()
	if dest == "" {
		w.WriteHeader(http.StatusOK)
		return
	}
	http.Redirect(w, r, dest, http.StatusSeeOther)
}

// --- test helpers ----------------------------------------------------------

// CompleteCheckout saves card on an open setup session as the customer
// would: a PaymentMethod attached to the session's customer, the
// SetupIntent succeeded, the session complete. It returns the success URL
// the browser goes to.
func (f *Server) CompleteCheckout(sessionID, card string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.sessions[sessionID]
	if s == nil || s.Status != "open" {
		return "", fmt.Errorf("stripefake: no open session %s", sessionID)
	}
	if len(card) < 12 {
		return "", fmt.Errorf("stripefake: %q is not a card number", card)
	}
	pm := &paymentMethod{ID: f.newID("pm"), Card: card, Customer: s.Customer, Created: now()}
	f.methods[pm.ID] = pm
	si := f.setups[s.SetupIntent]
	si.Status, si.PaymentMethod = "succeeded", pm.ID
	s.Status = "complete"
	return strings.ReplaceAll(s.SuccessURL, "{CHECKOUT_SESSION_ID}", s.ID), nil
}

// ExpireCheckout expires an open session (as Stripe does at its
// expires_at), canceling its PaymentIntent if the customer began paying.
func (f *Server) ExpireCheckout(sessionID string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if s := f.sessions[sessionID]; s != nil && s.Status == "open" {
		f.expire(s)
	}
}

// ErrRequiresAction is PayCheckout's answer when the card needs the
// customer to authenticate: the session's PaymentIntent (SessionIntent)
// waits in requires_action until Authenticate.
var ErrRequiresAction = errors.New("stripefake: the payment requires authentication")

// DeclineError is PayCheckout's answer when the card was declined; the
// session stays open and the customer may try another card.
type DeclineError struct{ Code, DeclineCode, Message string }

func (e *DeclineError) Error() string {
	return fmt.Sprintf("stripefake: declined (%s/%s): %s", e.Code, e.DeclineCode, e.Message)
}

// PayCheckout pays an open payment-mode session with a test card as the
// customer would on Stripe's page: the session's PaymentIntent is made (or
// attempted again) with the session's amount, customer and
// payment_intent_data, on session. A card that succeeds completes the
// session and returns the success URL; one that needs authentication
// returns ErrRequiresAction; a decline returns a *DeclineError.
func (f *Server) PayCheckout(sessionID, card string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.sessions[sessionID]
	if s == nil || s.Status != "open" || s.Mode != "payment" {
		return "", fmt.Errorf("stripefake: no open payment session %s", sessionID)
	}
	if len(card) < 12 {
		return "", fmt.Errorf("stripefake: %q is not a card number", card)
	}
	pm := &paymentMethod{ID: f.newID("pm"), Card: card, Created: now()}
	f.methods[pm.ID] = pm
	pi := f.intents[s.PaymentIntent]
	if pi == nil {
		pi = &paymentIntent{ID: f.newID("pi"), Status: "requires_payment_method", Customer: s.Customer, Currency: s.Currency,
			Description: s.Description, Amount: s.AmountTotal, Created: now(), Metadata: s.IntentMetadata,
			Key: s.IntentMetadata["cuota_idempotency_key"], Session: s.ID, baseURL: f.baseURL}
		f.intents[pi.ID] = pi
		s.PaymentIntent = pi.ID
	}
	if pi.Status == "requires_action" {
		return "", ErrRequiresAction
	}
	pi.PaymentMethod, pi.ReturnURL, pi.UseSDK = pm.ID, "", true
	status, body := f.attempt(pi, pm, false)
	switch {
	case pi.Status == "succeeded":
		return strings.ReplaceAll(s.SuccessURL, "{CHECKOUT_SESSION_ID}", s.ID), nil
	case pi.Status == "requires_action":
		return "", ErrRequiresAction
	case status == http.StatusPaymentRequired:
		e, _ := body["error"].(map[string]any)
		d := &DeclineError{}
		d.Code, _ = e["code"].(string)
		d.DeclineCode, _ = e["decline_code"].(string)
		d.Message, _ = e["message"].(string)
		return "", d
	}
	return "", fmt.Errorf("stripefake: payment of session %s is %s", sessionID, pi.Status)
}

// SessionIntent returns the PaymentIntent of a payment-mode session (""
// until the customer tries to pay).
func (f *Server) SessionIntent(sessionID string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if s := f.sessions[sessionID]; s != nil {
		return s.PaymentIntent
	}
	return ""
}

// Intents returns the ids of the PaymentIntents made for a payment's
// idempotency key (created with it as Idempotency-Key, or carrying it in
// metadata[cuota_idempotency_key]), oldest first.
func (f *Server) Intents(key string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, id := range sortedKeys(f.intents) {
		if pi := f.intents[id]; pi.Key == key || pi.Metadata["cuota_idempotency_key"] == key {
			out = append(out, id)
		}
	}
	return out
}

// NewPaymentMethod creates an unattached card PaymentMethod (as Stripe.js
// would) and returns its id.
func (f *Server) NewPaymentMethod(card string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	pm := &paymentMethod{ID: f.newID("pm"), Card: card, Created: now()}
	f.methods[pm.ID] = pm
	return pm.ID
}

// ChangeCard makes a saved PaymentMethod behave as another test card from
// now on (its bank started declining, say).
func (f *Server) ChangeCard(pmID, card string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if pm := f.methods[pmID]; pm != nil {
		pm.Card = card
	}
}

// Authenticate finishes a PaymentIntent waiting in requires_action: the
// customer authenticated (it succeeds) or failed to.
func (f *Server) Authenticate(piID string, ok bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	pi := f.intents[piID]
	if pi == nil || pi.Status != "requires_action" {
		return fmt.Errorf("stripefake: %s is not waiting for authentication", piID)
	}
	if ok {
		f.succeed(pi)
		return nil
	}
	pi.Status = "requires_payment_method"
	pi.LastError = map[string]any{"type": "card_error", "code": "payment_intent_authentication_failure",
		"message": "The provided PaymentMethod has failed authentication."}
	return nil
}

// AgeIntent moves a PaymentIntent's creation time back by d.
func (f *Server) AgeIntent(piID string, d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if pi := f.intents[piID]; pi != nil {
		pi.Created -= int64(d / time.Second)
	}
}

// SettleRefund finishes a pending refund.
func (f *Server) SettleRefund(refundID string, ok bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	re := f.refunds[refundID]
	if re == nil || re.Status != "pending" {
		return fmt.Errorf("stripefake: refund %s is not pending", refundID)
	}
	re.Status = "succeeded"
	if !ok {
		re.Status = "failed"
		if ch := f.charges[re.Charge]; ch != nil {
			ch.Refunded -= re.Amount
		}
	}
	return nil
}

// IntentByKey returns the id of the PaymentIntent created with an
// Idempotency-Key ("" if none).
func (f *Server) IntentByKey(key string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, id := range sortedKeys(f.intents) {
		if f.intents[id].Key == key {
			return id
		}
	}
	return ""
}

// Object returns the current JSON of an object by id (cs_, seti_, pi_,
// ch_, re_, pm_, cus_), as an event's data.object.
func (f *Server) Object(id string) (map[string]any, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case f.sessions[id] != nil:
		return f.sessionJSON(f.sessions[id], nil), nil
	case f.setups[id] != nil:
		return f.setupJSON(f.setups[id], false), nil
	case f.intents[id] != nil:
		return f.intents[id].json(), nil
	case f.charges[id] != nil:
		return f.charges[id].json(), nil
	case f.refunds[id] != nil:
		return f.refunds[id].json(), nil
	case f.methods[id] != nil:
		return f.methods[id].json(), nil
	case f.customers[id] != nil:
		return f.customers[id].json(), nil
	}
	return nil, fmt.Errorf("stripefake: no object %s", id)
}

// LatestCharge returns the charge id of a PaymentIntent.
func (f *Server) LatestCharge(piID string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if pi := f.intents[piID]; pi != nil {
		return pi.LatestCharge
	}
	return ""
}

// Dispute returns a dispute object on a PaymentIntent's charge.
func (f *Server) Dispute(piID, reason string) map[string]any {
	f.mu.Lock()
	defer f.mu.Unlock()
	pi := f.intents[piID]
	if pi == nil {
		return nil
	}
	return map[string]any{"id": f.newID("dp"), "object": "dispute", "amount": pi.Amount, "currency": pi.Currency,
		"charge": pi.LatestCharge, "payment_intent": pi.ID, "reason": reason, "status": "needs_response",
		"created": now(), "livemode": false, "metadata": map[string]string{}, "is_charge_refundable": false}
}

// Event builds a webhook event of type typ about obj, with the API
// version stripe-go is pinned to.
func (f *Server) Event(typ string, obj map[string]any) []byte {
	f.mu.Lock()
	id := f.newID("evt")
	f.mu.Unlock()
	return EventJSON(id, typ, stripe.APIVersion, obj)
}

// EventJSON builds a webhook event body.
func EventJSON(id, typ, apiVersion string, obj map[string]any) []byte {
	b, _ := json.Marshal(map[string]any{"id": id, "object": "event", "api_version": apiVersion, "type": typ,
		"created": now(), "livemode": false, "pending_webhooks": 1, "request": map[string]any{"id": nil, "idempotency_key": nil},
		"data": map[string]any{"object": obj}})
	return b
}

// Sign returns a Stripe-Signature header for payload, made with secret at
// time at (zero: now).
func Sign(payload []byte, secret string, at time.Time) string {
	return webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: payload, Secret: secret, Timestamp: at}).Header
}

// Send posts a signed event to a webhook endpoint and returns the status.
func Send(ctx context.Context, endpoint, secret string, payload []byte) (int, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(payload))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("Stripe-Signature", Sign(payload, secret, time.Time{}))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer res.Body.Close()
	var b strings.Builder
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
		b.WriteString(sc.Text())
	}
	return res.StatusCode, b.String(), nil
}
