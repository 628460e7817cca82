package webhookout_test

import (
	"context"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/webhookout"
)

// received is what a test receiver saw.
type received struct {
	header http.Header
	body   []byte
}

// receiver starts a loopback server that records each request on the
// returned channel and answers with status and reply.
func receiver(t *testing.T, status int, reply string) (*httptest.Server, <-chan received) {
	t.Helper()
	got := make(chan received, 10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		got <- received{header: r.Header.Clone(), body: body}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, reply)
	}))
	t.Cleanup(srv.Close)
	return srv, got
}

// counter starts a loopback server that only counts the requests it gets.
func counter(t *testing.T) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

// testClient may reach loopback receivers.
func testClient() *http.Client {
	return webhookout.NewClient(webhookout.ClientOptions{AllowPrivateNetworks: true})
}

func request(t *testing.T, url string, secrets ...string) webhookout.Request {
	t.Helper()
	if len(secrets) == 0 {
		secrets = []string{newSecret(t)}
	}
	return webhookout.Request{
		URL:       url,
		ID:        "evt_01jq3v8y2k7c9m4n6p8r0t2w4x",
		Timestamp: time.Now(), // receivers check it against their clock
		Body:      []byte(`{"id":"evt_01jq3v8y2k7c9m4n6p8r0t2w4x","type":"customer.subscription.created"}`),
		Secrets:   secrets,
	}
}

func TestDeliverSuccess(t *testing.T) {
	srv, got := receiver(t, http.StatusNoContent, "")
	secret, old := newSecret(t), newSecret(t)
	req := request(t, srv.URL+"/hooks/cuota", secret, old)

	res := webhookout.Deliver(t.Context(), testClient(), req)
	require.NoError(t, res.Err)
	require.True(t, res.Success)
	require.Equal(t, http.StatusNoContent, res.StatusCode)
	require.Equal(t, webhookout.ErrorNone, res.Kind)
	require.Positive(t, res.Latency)

	r := <-got
	require.Equal(t, req.Body, r.body)
	require.Equal(t, "application/json", r.header.Get("Content-Type"))
	require.Equal(t, "cuota", r.header.Get("User-Agent"))
	require.Equal(t, req.ID, r.header.Get("webhook-id"))
	require.Len(t, strings.Fields(r.header.Get("webhook-signature")), 2)

	// The receiver can verify with our Verify and with the reference
	// library, holding either secret.
	for _, s := range []string{secret, old} {
		require.NoError(t, webhookout.Verify([]string{s}, r.header, r.body, req.Timestamp, 0))
		lib, err := standardwebhooks.NewWebhook(s)
		require.NoError(t, err)
		require.NoError(t, lib.Verify(r.body, r.header))
	}
}

func TestDeliverNon2xx(t *testing.T) {
	srv, got := receiver(t, http.StatusInternalServerError, `{"error":"database is down"}`)
	res := webhookout.Deliver(t.Context(), testClient(), request(t, srv.URL))
	<-got
	require.False(t, res.Success)
	require.Equal(t, http.StatusInternalServerError, res.StatusCode)
	require.Equal(t, webhookout.ErrorHTTPStatus, res.Kind)
	require.ErrorContains(t, res.Err, "500")
	require.Equal(t, `{"error":"database is down"}`, res.ResponseExcerpt)
	require.False(t, res.ResponseTruncated)
}

func TestDeliverExcerpt(t *testing.T) {
	t.Run("long body is cut at the limit", func(t *testing.T) {
		srv, _ := receiver(t, http.StatusOK, strings.Repeat("x", 5000))
		res := webhookout.Deliver(t.Context(), testClient(), request(t, srv.URL))
		require.True(t, res.Success)
		require.Len(t, res.ResponseExcerpt, webhookout.ExcerptLimit)
		require.True(t, res.ResponseTruncated)
	})
	t.Run("cut never splits a character", func(t *testing.T) {
		srv, _ := receiver(t, http.StatusBadGateway, "a"+strings.Repeat("é", 1000))
		res := webhookout.Deliver(t.Context(), testClient(), request(t, srv.URL))
		require.Equal(t, webhookout.ErrorHTTPStatus, res.Kind)
		require.True(t, utf8.ValidString(res.ResponseExcerpt))
		require.Len(t, res.ResponseExcerpt, webhookout.ExcerptLimit-1)
		require.True(t, res.ResponseTruncated)
	})
	t.Run("binary is made storable", func(t *testing.T) {
		srv, _ := receiver(t, http.StatusOK, "ok\x00\xff")
		res := webhookout.Deliver(t.Context(), testClient(), request(t, srv.URL))
		require.Equal(t, "ok\uFFFD\uFFFD", res.ResponseExcerpt)
	})
}

func TestDeliverTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		// Hold the request until the client gives up (the server sees the
		// connection close) or the test ends.
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) }) // runs before srv.Close

	req := request(t, srv.URL)
	req.Timeout = 100 * time.Millisecond
	res := webhookout.Deliver(t.Context(), testClient(), req)
	require.False(t, res.Success)
	require.Equal(t, webhookout.ErrorTimeout, res.Kind, "%v", res.Err)
	require.Zero(t, res.StatusCode)
	require.NotContains(t, res.Err.Error(), srv.URL)
}

func TestDeliverConnectionRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())

	res := webhookout.Deliver(t.Context(), testClient(), request(t, "http://"+addr+"/hook"))
	require.False(t, res.Success)
	require.Equal(t, webhookout.ErrorConnectionRefused, res.Kind, "%v", res.Err)
	require.Zero(t, res.StatusCode)
}

func TestDeliverDoesNotFollowRedirects(t *testing.T) {
	target, hits := counter(t)
	src := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.URL+"/new", http.StatusTemporaryRedirect)
	}))
	t.Cleanup(src.Close)

	// A plain http.Client would follow the redirect; Deliver must not,
	// whatever client it is given.
	for name, client := range map[string]*http.Client{"NewClient": testClient(), "plain": {}} {
		res := webhookout.Deliver(t.Context(), client, request(t, src.URL))
		require.False(t, res.Success, name)
		require.Equal(t, http.StatusTemporaryRedirect, res.StatusCode, name)
		require.Equal(t, webhookout.ErrorRedirect, res.Kind, name)
		require.ErrorContains(t, res.Err, target.URL+"/new", name)
	}
	require.Zero(t, hits.Load(), "the redirect target was called")
}

func TestDeliverGuardRefusesLoopback(t *testing.T) {
	srv, hits := counter(t)
	for name, client := range map[string]*http.Client{
		"NewClient": webhookout.NewClient(webhookout.ClientOptions{}),
		"nil":       nil,
	} {
		for _, url := range []string{srv.URL, strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)} {
			res := webhookout.Deliver(t.Context(), client, request(t, url))
			require.False(t, res.Success, name)
			require.Equal(t, webhookout.ErrorBlocked, res.Kind, "%s %s: %v", name, url, res.Err)
			require.ErrorIs(t, res.Err, webhookout.ErrBlockedAddress)
		}
	}
	require.Zero(t, hits.Load())
}

func TestDeliverTLS(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake is expected
	srv.StartTLS()
	t.Cleanup(srv.Close)

	// Our client does not trust the test server's certificate.
	res := webhookout.Deliver(t.Context(), testClient(), request(t, srv.URL))
	require.Equal(t, webhookout.ErrorTLS, res.Kind, "%v", res.Err)
	require.Zero(t, hits.Load())

	// The server's own client does.
	res = webhookout.Deliver(t.Context(), srv.Client(), request(t, srv.URL))
	require.True(t, res.Success, "%v", res.Err)
	require.EqualValues(t, 1, hits.Load())
}

func TestDeliverInvalidRequest(t *testing.T) {
	srv, hits := counter(t)
	for name, mutate := range map[string]func(*webhookout.Request){
		"scheme":       func(r *webhookout.Request) { r.URL = strings.Replace(r.URL, "http", "ftp", 1) },
		"no host":      func(r *webhookout.Request) { r.URL = "http:///hook" },
		"unparsable":   func(r *webhookout.Request) { r.URL = "http://[::1" },
		"no secrets":   func(r *webhookout.Request) { r.Secrets = nil },
		"bad secret":   func(r *webhookout.Request) { r.Secrets = []string{"whsec_short"} },
		"id with dot":  func(r *webhookout.Request) { r.ID = "evt.1" },
		"no timestamp": func(r *webhookout.Request) { r.Timestamp = time.Time{} },
	} {
		req := request(t, srv.URL)
		mutate(&req)
		res := webhookout.Deliver(t.Context(), testClient(), req)
		require.Equal(t, webhookout.ErrorInvalidRequest, res.Kind, name)
		require.Error(t, res.Err, name)
		require.False(t, res.Success, name)
	}
	require.Zero(t, hits.Load())
}

func TestDeliverCanceled(t *testing.T) {
	srv, hits := counter(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	res := webhookout.Deliver(ctx, testClient(), request(t, srv.URL))
	require.Equal(t, webhookout.ErrorCanceled, res.Kind, "%v", res.Err)
	require.Zero(t, hits.Load())
}
