package flowsim_test

import (
	"context"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/flowsim"
	"github.com/cuota/cuota/internal/gateway/flow"
)

// env is a flowsim behind a real loopback HTTP server, and a flow.Client
// configured for it.
type env struct {
	sim    *flowsim.Server
	ts     *httptest.Server
	client *flow.Client
}

func newEnv(t *testing.T, opts flowsim.Options) *env {
	t.Helper()
	sim := flowsim.New(opts)
	ts := httptest.NewServer(sim)
	t.Cleanup(ts.Close)
	t.Cleanup(sim.Close) // runs before ts.Close: releases withheld answers
	return &env{sim: sim, ts: ts, client: newClient(t, ts.URL, sim.APIKey(), sim.Secret(), 0)}
}

func newClient(t *testing.T, root, apiKey, secret string, timeout time.Duration) *flow.Client {
	t.Helper()
	c, err := flow.New(flow.Config{BaseURL: root + "/api", APIKey: apiKey, Secret: secret, Timeout: timeout})
	require.NoError(t, err)
	return c
}

var extSeq atomic.Int64

// customer creates a customer and enrols card through the test hook.
func (e *env) customer(t *testing.T, card string) string {
	t.Helper()
	ctx := context.Background()
	n := extSeq.Add(1)
	c, err := e.client.CreateCustomer(ctx, flow.CreateCustomerRequest{
		Name: fmt.Sprintf("Cliente %d", n), Email: fmt.Sprintf("c%d@example.cl", n), ExternalID: fmt.Sprintf("ext-%d", n),
	})
	require.NoError(t, err)
	id := c.CustomerID.String()
	if card == "" {
		return id
	}
	reg, err := e.client.RegisterCustomer(ctx, id, "https://shop.example/return")
	require.NoError(t, err)
	_, err = e.sim.CompleteRegistration(reg.Token.String(), card)
	require.NoError(t, err)
	return id
}

func (e *env) charge(t *testing.T, customerID, commerceOrder string, amount int64) (*flow.PaymentStatus, error) {
	t.Helper()
	return e.client.Charge(context.Background(), flow.ChargeRequest{
		CustomerID: customerID, CommerceOrder: commerceOrder, Subject: "Plan Pro", Amount: amount,
	})
}

func int64Of(t *testing.T, n flow.Number) int64 {
	t.Helper()
	v, err := n.Int64()
	require.NoError(t, err)
	return v
}

// post is what a receiver got.
type post struct {
	path        string
	token       string
	contentType string
	form        url.Values
}

// receiver is the merchant's side: it records every POST and answers
// status. onPost, if set, runs inside the handler (like a real
// confirmation handler that calls getStatus before answering).
type receiver struct {
	ts     *httptest.Server
	mu     sync.Mutex
	posts  []post
	status int
	onPost func(p post)
	got    chan post
}

func newReceiver(t *testing.T) *receiver {
	t.Helper()
	rc := &receiver{status: http.StatusOK, got: make(chan post, 100)}
	rc.ts = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		p := post{path: r.URL.Path, token: r.PostForm.Get("token"), contentType: r.Header.Get("Content-Type"), form: r.PostForm}
		rc.mu.Lock()
		hook, status := rc.onPost, rc.status
		rc.mu.Unlock()
		if r.Method != http.MethodPost {
			status = http.StatusMethodNotAllowed
		} else if hook != nil {
			hook(p)
		}
		rc.mu.Lock()
		rc.posts = append(rc.posts, p)
		rc.mu.Unlock()
		rc.got <- p
		w.WriteHeader(status)
	}))
	t.Cleanup(rc.ts.Close)
	return rc
}

func (rc *receiver) url(path string) string { return rc.ts.URL + path }

func (rc *receiver) setStatus(s int) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.status = s
}

func (rc *receiver) all() []post {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]post(nil), rc.posts...)
}

// browser is a plain net/http client that walks the hosted pages.
var browser = &http.Client{
	Timeout:       30 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

func getPage(t *testing.T, u string) (int, string) {
	t.Helper()
	resp, err := browser.Get(u)
	require.NoError(t, err)
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

func postForm(t *testing.T, u string, form url.Values) (int, string) {
	t.Helper()
	resp, err := browser.PostForm(u, form)
	require.NoError(t, err)
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

var (
	returnFormRe = regexp.MustCompile(`<form id="flowsim-return" method="post" action="([^"]*)">`)
	tokenInputRe = regexp.MustCompile(`<input type="hidden" name="token" value="([^"]*)">`)
	formActionRe = regexp.MustCompile(`<form method="post" action="([^"]*)">`)
)

// returnTarget reads the automatic return form of a page: where the browser
// goes and the token it posts.
func returnTarget(t *testing.T, page string) (string, string) {
	t.Helper()
	m := returnFormRe.FindStringSubmatch(page)
	require.NotNil(t, m, "no return form in:\n%s", page)
	tok := tokenInputRe.FindStringSubmatch(page)
	require.NotNil(t, tok)
	return html.UnescapeString(m[1]), html.UnescapeString(tok[1])
}

// formAction resolves a hosted page's form action against the page URL.
func formAction(t *testing.T, pageURL, page string) string {
	t.Helper()
	m := formActionRe.FindStringSubmatch(page)
	require.NotNil(t, m, "no form in:\n%s", page)
	base, err := url.Parse(pageURL)
	require.NoError(t, err)
	ref, err := url.Parse(html.UnescapeString(m[1]))
	require.NoError(t, err)
	return base.ResolveReference(ref).String()
}

func hasAll(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}
