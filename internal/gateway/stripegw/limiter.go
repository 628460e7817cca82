package stripegw

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// bucket shapes requests with a token bucket: up to burst requests at once,
// refilled at rate tokens per second. Stripe limits requests per account
// (about 25 per second in test mode and 100 in live mode, fewer on some
// endpoints); cuota shapes its own traffic below that instead of collecting
// 429s.
type bucket struct {
	lim *rate.Limiter
	now func() time.Time
}

func newBucket(perSecond float64, burst int, now func() time.Time) *bucket {
	return &bucket{lim: rate.NewLimiter(rate.Limit(perSecond), burst), now: now}
}

// reserve takes one token and returns the reservation, whose delay says how
// long the caller must wait before using it. Waiting callers queue up: each
// reservation pushes the next one further out.
func (b *bucket) reserve() *rate.Reservation { return b.lim.ReserveN(b.now(), 1) }

// wait blocks until the caller may send one request, or ctx ends; a caller
// that gives up returns its token.
func (b *bucket) wait(ctx context.Context) error {
	r := b.reserve()
	d := r.DelayFrom(b.now())
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		r.CancelAt(b.now())
		return ctx.Err()
	}
}

// trace records whether any attempt of one adapter call left the process.
// stripe-go may retry a request (same Idempotency-Key) after a timeout; if
// the first attempt was sent and a later one is held back by the limiter,
// the call's outcome is still unknown, never "not sent".
type trace struct{ sent atomic.Bool }

type traceKey struct{}

// withTrace returns a context whose requests are recorded in the returned
// trace.
func withTrace(ctx context.Context) (context.Context, *trace) {
	t := &trace{}
	return context.WithValue(ctx, traceKey{}, t), t
}

// neverSent reports whether err is the limiter's refusal and no attempt
// of the traced call reached the network.
func neverSent(err error, t *trace) bool {
	return errors.Is(err, errNotSent) && t != nil && !t.sent.Load()
}

// errNotSent marks a request that the client-side limiter held back until
// its context ended: Stripe never saw it, so nothing was charged.
var errNotSent = errors.New("stripe: request not sent (client-side rate limit)")

// limitedTransport waits for the bucket before each request leaves.
// Because it sits under stripe-go, its own network retries are shaped too.
type limitedTransport struct {
	base   http.RoundTripper
	bucket *bucket
}

// RoundTrip implements http.RoundTripper.
func (t *limitedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if err := t.bucket.wait(r.Context()); err != nil {
		if r.Body != nil {
			_ = r.Body.Close()
		}
		return nil, fmt.Errorf("%w: %w", errNotSent, err)
	}
	if tr, ok := r.Context().Value(traceKey{}).(*trace); ok {
		tr.sent.Store(true)
	}
	return t.base.RoundTrip(r)
}
