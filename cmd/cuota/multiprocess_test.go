//go:build unix

package main

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/postgres/pgtest"
)

// TestTwoProcesses runs two `cuota serve` processes on one PostgreSQL
// schema with 1,000 due renewals. River enqueues the periodic sweep on its
// elected leader only, as one unique job, so the children alone seldom
// sweep at the same time; to make sweepers really race, the test also
// sweeps from this process, twice concurrently, while the children run.
// Nothing may be invoiced or charged twice, and no sweep may fail because
// another one works on the same subscriptions.
func TestTwoProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the real program twice")
	}
	t.Parallel()
	const n = 1000
	url := pgtest.URL(t)
	merchant := seedDue(t, url, n)
	r := openRenewalDB(t, url, merchant, n)
	cs := newChildSet(t, url)
	deadline := time.Now().Add(3 * time.Minute)

	start := time.Now()
	a := cs.start("a.log")
	b := cs.start("b.log")

	// This process's sweepers: the program's own store and app, on the same
	// schema, started once the leader's sweep is under way.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	logs := &syncBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	s, err := openStore(ctx, url, logger)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	ap, err := simApp(s, time.Now, logger)
	require.NoError(t, err)

	first := r.waitFor(nil, deadline, "a child to start renewing", func(p progress) bool { return p.invoiced > 0 })
	t.Logf("the children began renewing after %s (%v)", time.Since(start).Round(time.Millisecond), first)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var sweepErrs []error
	handled := make([]int, 2)
	for i := range handled {
		wg.Go(func() {
			// Sweep until everything is paid, not just until nothing is due
			// for a moment, so these sweepers keep claiming against the
			// children's until the last renewal is settled.
			for ctx.Err() == nil {
				k, errs := sweepUntilIdle(ctx, ap, 200)
				mu.Lock()
				handled[i] += k
				sweepErrs = append(sweepErrs, errs...)
				mu.Unlock()
				if p, err := r.progress(); err == nil && p.finished(n) {
					return
				}
				time.Sleep(time.Millisecond)
			}
		})
	}
	for _, c := range []*child{a, b} {
		require.False(t, c.exited(), "%s exited: %v", c.name, c.err)
	}
	swept := make(chan struct{})
	go func() { wg.Wait(); close(swept) }()
	select {
	case <-swept:
	case <-time.After(time.Until(deadline)):
		mu.Lock()
		h := fmt.Sprint(handled)
		mu.Unlock()
		t.Errorf("this process's sweepers hang (handled %s so far)\n%s%s", h, r.riverJobs(), r.pgActivity())
		cancel()
		<-swept
		t.FailNow()
	}
	done := r.waitFor(a, deadline, "every renewal to be paid", func(p progress) bool { return p.finished(n) })
	t.Logf("all renewed after %s (%v); this process's sweepers handled %v due subscriptions",
		time.Since(start).Round(time.Millisecond), done, handled)
	require.NoError(t, a.stop(30*time.Second), "a stops cleanly on SIGTERM")
	require.NoError(t, b.stop(30*time.Second), "b stops cleanly on SIGTERM")

	if e := cs.logErrors(); e != "" {
		t.Logf("the children logged errors:\n%s", e)
		for _, k := range []string{"deadlock detected", "version conflict"} {
			if strings.Contains(e, k) {
				t.Errorf("a child's sweep failed (%s) while racing the other sweepers", k)
			}
		}
	}
	// A sweep that fails because another process works on the same
	// subscriptions is a defect even when nothing was charged twice: the
	// rest of its chunk waits for a retry. Report each kind once.
	kinds := map[string][]error{}
	var order []string
	for _, err := range sweepErrs {
		kind := "other"
		for _, k := range []string{"deadlock detected", "version conflict"} {
			if strings.Contains(err.Error(), k) {
				kind = k
			}
		}
		if kinds[kind] == nil {
			order = append(order, kind)
		}
		kinds[kind] = append(kinds[kind], err)
	}
	for _, kind := range order {
		t.Errorf("%d sweeps in this process failed (%s) while racing the children; the first: %v", len(kinds[kind]), kind, kinds[kind][0])
	}
	if l := logs.String(); strings.Contains(l, "level=ERROR") {
		t.Logf("this process's sweepers logged errors:\n%s", l)
	}
	r.checkRenewals()
}
