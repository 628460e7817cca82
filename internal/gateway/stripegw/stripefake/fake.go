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
	"net/url"
	"sort"
	"strings"
	"sync"
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

// --- HTTP ------------------------------------------------------------------

// --- hosted Checkout page --------------------------------------------------

// --- test helpers ----------------------------------------------------------
