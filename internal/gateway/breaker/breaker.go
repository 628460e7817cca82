// Package breaker is the circuit breaker of gateway adapters
// (docs/architecture.md, "Gateways"): one per merchant gateway (scope), so a
// gateway that stops answering is not hammered, and checkouts can offer another
// one meanwhile. Only calls that got no usable answer (timeouts, 5xx, dropped
// connections) count against a gateway; refusals and declines are answers.
package breaker

import (
	"sync"
	"time"

	"github.com/cuota/cuota/internal/billing"
)

// ErrOpen is returned, before anything is sent, while a breaker is open.
// It is billing's sentinel, so that app can raise the gateway's alert
// without knowing this package.
var ErrOpen = billing.ErrCircuitOpen

// Default settings: after Threshold calls in a row without an answer,
// calls fail at once for Cooldown; then one call is let through to test
// the gateway again.
const (
	Threshold = 5
	Cooldown  = 30 * time.Second
)

// Set holds one breaker per scope. The zero Set is not usable; use New.
type Set struct {
	now func() time.Time
	mu  sync.Mutex
	m   map[billing.Scope]*state
}

type state struct {
	failures  int
	openUntil time.Time
}

// New returns a set of breakers on clock now (time.Now when nil).
func New(now func() time.Time) *Set {
	if now == nil {
		now = time.Now
	}
	return &Set{now: now, m: map[billing.Scope]*state{}}
}

func (s *Set) get(sc billing.Scope) *state {
	st, ok := s.m[sc]
	if !ok {
		st = &state{}
		s.m[sc] = st
	}
	return st
}

// Allow returns ErrOpen while scope's breaker is open.
func (s *Set) Allow(sc billing.Scope) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.now().Before(s.get(sc).openUntil) {
		return ErrOpen
	}
	return nil
}

// Available reports whether scope's calls are going through.
func (s *Set) Available(sc billing.Scope) bool { return s.Allow(sc) == nil }

// Record counts a call's outcome: unanswered is true when the call got no
// usable answer.
func (s *Set) Record(sc billing.Scope, unanswered bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.get(sc)
	if !unanswered {
		st.failures, st.openUntil = 0, time.Time{}
		return
	}
	st.failures++
	if st.failures >= Threshold {
		st.openUntil = s.now().Add(Cooldown)
	}
}
