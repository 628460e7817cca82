//go:build unix

package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/postgres/pgtest"
)

// TestCrashSafety runs the real binary as a child process over at least
// 1,000 due renewals, kills it with SIGKILL in the middle of the sweep
// several times, restarts it until everything is renewed, and then checks
// that nothing was invoiced or charged twice and nothing was lost.
func TestCrashSafety(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills the real program several times")
	}
	t.Parallel()
	t.Run("Postgres", func(t *testing.T) {
		t.Parallel()
		crashAndRecover(t, pgtest.URL(t), 1000)
	})
	t.Run("SQLite", func(t *testing.T) {
		t.Parallel()
		crashAndRecover(t, "sqlite:"+filepath.Join(t.TempDir(), "cuota.db"), 1000)
	})
}

// killPoint is when a run of the program is killed: at the first moment
// the database shows cond (given the progress now and at the run's start).
type killPoint struct {
	name string
	cond func(now, start progress) bool
}

// killPoints aim at the windows a crash can hit, in a sweep that records
// renewals and their payments, then calls the gateway, then records the
// outcomes. Each falls back to "this run paid something" when its window
// is too short to observe, so every kill lands while the run works.
var killPoints = []killPoint{
	{"renewals recorded, not yet charged", func(p, s progress) bool {
		return (p.invoiced > s.invoiced && p.invoiced > p.charged) || p.paid > s.paid
	}},
	{"charges accepted by the gateway, not yet recorded", func(p, s progress) bool {
		return (p.charged > s.charged && p.charged > p.paid) || p.paid > s.paid
	}},
	{"some renewals paid", func(p, s progress) bool { return p.paid > s.paid }},
}

// crashAndRecover seeds n due subscriptions, starts `cuota serve`, kills it
// with SIGKILL at each of killPoints in turn (restarting it after each
// kill), then lets a last run finish everything and checks the invariants.
// Every kill must land before all n are paid: in the middle of the sweep.
func crashAndRecover(t *testing.T, dbURL string, n int) {
	// The database is written by one process at a time: first the seeding
	// here (closed before any child starts), then one child at a time, each
	// dead before the next starts. The test only reads, but for ending the
	// dead process's River leadership between runs.
	merchant := seedDue(t, dbURL, n)
	r := openRenewalDB(t, dbURL, merchant, n)
	cs := newChildSet(t, dbURL)
	// A run that makes no progress fails the test, not the go test timeout.
	// Payments a crash left pending are resolved (looked up, then charged
	// only if the gateway never saw them) one reconcile delay (1 min) after
	// their attempt really started, so a run may have to wait that long.
	const runLimit = 150 * time.Second

	for i, kp := range killPoints {
		before, err := r.progress()
		require.NoError(t, err)
		start := time.Now()
		c := cs.start("cuota.log")
		at := r.waitFor(c, time.Now().Add(runLimit), fmt.Sprintf("run %d to reach %q", i+1, kp.name),
			func(p progress) bool { return kp.cond(p, before) })
		c.kill()
		r.expireLeadership()
		after, err := r.progress()
		require.NoError(t, err)
		t.Logf("run %d: started at %v; killed at %q after %s, seen at %v; after the kill: %v; %s",
			i+1, before, kp.name, time.Since(start).Round(time.Millisecond), at, after, r.inFlight())
		require.Less(t, after.paid, n,
			"kill %d landed after every renewal was paid, not in the middle of the sweep: seed more subscriptions", i+1)
	}

	// The last run renews what is left and resolves every payment that
	// falls due meanwhile. A payment whose reconciliation was itself
	// interrupted has moved on to the next reconcile step (5 min): the run
	// ends once nothing is due within settleHorizon, and this process then
	// reconciles the rest with its clock moved past their time.
	const settleHorizon = 2 * time.Minute
	start := time.Now()
	c := cs.start("cuota.log")
	done := r.waitFor(c, time.Now().Add(runLimit), "the last run to renew everything and leave nothing due soon", func(p progress) bool {
		if p.finished(n) {
			return true
		}
		k, err := r.dueBy(time.Now().Add(settleHorizon))
		return p.invoiced == n && err == nil && k == 0
	})
	// A reconciliation in flight already looks parked (its invoice's clock
	// moves on before the gateway is asked), as does a renewal between its
	// recording and its charge; SIGTERM lets the sweep finish them.
	require.NoError(t, c.stop(30*time.Second), "the last run stops cleanly on SIGTERM")
	stopped, err := r.progress()
	require.NoError(t, err)
	t.Logf("last run: done after %s at %v; after it stopped: %v", time.Since(start).Round(time.Millisecond), done, stopped)
	if e := cs.logErrors(); e != "" {
		t.Logf("the runs logged errors:\n%s", e)
		// Killed runs log nothing more: a cancelled job is the stop's doing.
		// (River's own maintenance loops — the periodic enqueuer, the
		// rescuer — may log a cancelled transaction when the stop reaches
		// them between two ticks; that is no job's work lost.)
		if jobCancelled(e) {
			t.Errorf("SIGTERM cancelled a sweep in flight instead of letting it finish (serve waits %s for jobs in flight)", shutdownTimeout)
		}
	}
	// docs/architecture.md ("Charging exactly once"): an unresolved payment is
	// looked at again after 1 min, 5 min, 1 h, then daily. This test interrupts
	// at most two looks at a payment (the third kill, and the last run's stop),
	// so none may be parked for more than an hour.
	if left, due := r.checkUnresolved(time.Hour + time.Minute); left > 0 {
		reconcileAt(t, dbURL, due)
	}
	r.checkRenewals()
}

// jobCancelled reports whether a logged error says work was cancelled,
// leaving out River's maintenance loops, which the stop interrupts between
// their ticks.
func jobCancelled(logged string) bool {
	for line := range strings.SplitSeq(logged, "\n") {
		if strings.Contains(line, "context canceled") && !strings.Contains(line, `msg="maintenance.`) {
			return true
		}
	}
	return false
}

func TestJobCancelled(t *testing.T) {
	require.False(t, jobCancelled(`cuota.log: time=x level=ERROR msg="maintenance.PeriodicJobEnqueuer: Error starting transaction" error="context canceled"`))
	require.True(t, jobCancelled(`cuota.log: time=x level=ERROR msg="Job errored" kind=sweep error="context canceled"`))
	require.False(t, jobCancelled(`cuota.log: time=x level=ERROR msg="something else" error="boom"`))
}
