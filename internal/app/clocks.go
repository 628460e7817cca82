package app

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/cuota/cuota/internal/billing"
)

// CodeLivemodeNotAllowed reports a test-only feature used with a live key.
const CodeLivemodeNotAllowed = billing.CodeLivemodeNotAllowed

// maxAdvanceSteps bounds one advance of a test clock.
const maxAdvanceSteps = 1_000_000

func testModeOnly(s billing.Scope, what string) error {
	if s.Mode != billing.ModeTest {
		return billing.Errorf(billing.KindInvalid, CodeLivemodeNotAllowed, "%s exist only in test mode", what)
	}
	return nil
}

// CreateTestClock creates a test clock frozen at t (test mode only).
func (a *Renewals) CreateTestClock(ctx context.Context, s billing.Scope, name string, t time.Time) (billing.TestClock, error) {
	if err := testModeOnly(s, "test clocks"); err != nil {
		return billing.TestClock{}, err
	}
	var v validator
	v.maxLen("name", name, maxNameLen)
	if t.IsZero() {
		v.fail("frozen_time", billing.CodeParameterMissing, "frozen_time is required")
	}
	if err := v.err(); err != nil {
		return billing.TestClock{}, err
	}
	if err := billing.CheckTime("frozen_time", t); err != nil {
		return billing.TestClock{}, err
	}
	now := a.Now()
	c := billing.TestClock{ID: billing.NewID(billing.PrefixTestClock, now), Scope: s, Name: name,
		FrozenTime: t.UTC().Truncate(time.Second), Status: billing.TestClockReady, Created: now, Updated: now}
	err := a.store.InTx(ctx, func(tx billing.Tx) error {
		if err := tx.Clocks.CreateTestClock(ctx, c); err != nil {
			return fmt.Errorf("create test clock: %w", err)
		}
		return a.audit(ctx, tx, change{merchantID: s.MerchantID, mode: s.Mode, action: "test_clock.create", objectType: "test_clock", objectID: c.ID, after: c})
	})
	return c, err
}

// GetTestClock returns a test clock of scope s.
func (a *Renewals) GetTestClock(ctx context.Context, s billing.Scope, id string) (billing.TestClock, error) {
	return read(ctx, a.core, func(tx billing.Tx) (billing.TestClock, error) {
		c, err := tx.Clocks.GetTestClock(ctx, s, id)
		return c, notFound(err, "test_clock", id)
	})
}

// ListTestClocks lists test clocks, newest first.
func (a *Renewals) ListTestClocks(ctx context.Context, s billing.Scope, page billing.Page) (List[billing.TestClock], error) {
	return list(ctx, a.core, page, billing.PrefixTestClock, func(tx billing.Tx, page billing.Page) ([]billing.TestClock, bool, error) {
		return tx.Clocks.ListTestClocks(ctx, s, page)
	})
}

// DefaultTestClockLease is how long an advance's lease on its test clock
// lasts unless renewed; the advance renews it every third of that while
// it runs. A clock whose lease ended belongs to a process that is gone.
const DefaultTestClockLease = time.Minute

// clockDeps holds the test clocks' lease length and the advances App
// resumed in the background.
type clockDeps struct {
	lease   time.Duration // 0: DefaultTestClockLease
	resumed sync.WaitGroup
}

// errClockLeaseLost stops an advance whose lease another process took
// (this one stalled longer than the lease): that process carries it on.
var errClockLeaseLost = billing.Errorf(billing.KindConflict, billing.CodeInvalidStateTransition,
	"the test clock's advance was taken over by another process")

func (a *Renewals) clockLease() time.Duration {
	if a.clocks.lease <= 0 {
		return DefaultTestClockLease
	}
	return a.clocks.lease
}

// leaseClock takes or renews the advance token's lease on clock id in tx,
// or fails with errClockLeaseLost when another advance holds it.
func (a *Renewals) leaseClock(ctx context.Context, tx billing.Tx, id, token string) error {
	now := a.Now()
	held, err := tx.Clocks.LeaseTestClock(ctx, id, token, now.Add(a.clockLease()), now)
	if err != nil {
		return fmt.Errorf("lease test clock: %w", err)
	}
	if !held {
		return errClockLeaseLost
	}
	return nil
}

// AdvanceTestClock moves a test clock forward to t and runs, in time order,
// every piece of work due for the subscriptions on it up to t: each at its
// own due time, with the clock showing that time while it runs. It returns
// when everything due is done. Moving backwards, or beyond what
// billing.CheckTime allows, is 400; so is work due on the way that cannot
// be billed (a renewal whose period would end after 9999): the clock then
// stops, ready, at the time of that work.
//
// The advance holds a lease on the clock while it runs (see
// DefaultTestClockLease) and records t as the clock's target, so that if
// its process dies another one resumes it (RecoverTestClocks) once the
// lease has ended, and never while this one is alive.
func (a *Renewals) AdvanceTestClock(ctx context.Context, s billing.Scope, id string, t time.Time) (billing.TestClock, error) {
	if err := billing.CheckTime("frozen_time", t); err != nil {
		return billing.TestClock{}, err
	}
	t = t.UTC().Truncate(time.Second)
	token := rand.Text()
	err := a.store.InTx(ctx, func(tx billing.Tx) error {
		clock, err := tx.Clocks.GetTestClock(ctx, s, id)
		if err != nil {
			return notFound(err, "test_clock", id)
		}
		if t.Before(clock.FrozenTime) {
			return billing.Invalid("frozen_time", billing.CodeParameterInvalid,
				"a test clock only moves forward: %s is before its time %s", t.Format(time.RFC3339), clock.FrozenTime.Format(time.RFC3339))
		}
		if clock.Status == billing.TestClockAdvancing {
			return billing.Errorf(billing.KindConflict, billing.CodeInvalidStateTransition, "the test clock is already advancing")
		}
		before := clock
		clock.Status, clock.Updated, clock.AdvanceTarget = billing.TestClockAdvancing, a.Now(), &t
		if err := tx.Clocks.UpdateTestClock(ctx, clock); err != nil {
			return fmt.Errorf("update test clock: %w", err)
		}
		if err := a.leaseClock(ctx, tx, id, token); err != nil {
			return err
		}
		return a.audit(ctx, tx, change{merchantID: s.MerchantID, mode: s.Mode, action: "test_clock.advance",
			objectType: "test_clock", objectID: id, before: before, after: billing.TestClock{ID: id, Scope: s, FrozenTime: t}})
	})
	if err != nil {
		return billing.TestClock{}, err
	}
	// From here on the advance is the clock's, not the request's: a client
	// that disconnects (or times out) must not stop it half-way or leave
	// the clock advancing for good. It finishes and sets the clock ready;
	// the client can poll the clock meanwhile.
	return a.driveClock(context.WithoutCancel(ctx), s, id, t, token)
}

// driveClock carries the advance named token, which holds the clock's
// lease, to t: it renews the lease while it runs the due work, then sets
// the clock ready (at t, or where work that cannot be done stopped it). If
// another process took the lease meanwhile, it stops without touching the
// clock again.
func (a *Renewals) driveClock(ctx context.Context, s billing.Scope, id string, t time.Time, token string) (billing.TestClock, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	stop := a.heartbeat(ctx, a.clockLease()/3, func(ctx context.Context) error {
		err := a.store.InTx(ctx, func(tx billing.Tx) error { return a.leaseClock(ctx, tx, id, token) })
		if errors.Is(err, errClockLeaseLost) {
			cancel(err)
			return nil
		}
		return err
	})
	runErr := a.runClock(ctx, s, id, t, token)
	stop()
	if cause := context.Cause(ctx); errors.Is(cause, errClockLeaseLost) || errors.Is(runErr, errClockLeaseLost) {
		return billing.TestClock{}, errClockLeaseLost
	}
	if e := billing.AsError(runErr); e != nil && e.Kind == billing.KindInvalid && e.Param == "" {
		// Work the advance reached cannot be done (a period beyond the
		// billing range): the requested time is what is invalid.
		named := *e
		named.Param = "frozen_time"
		runErr = &named
	}
	var clock billing.TestClock
	err := a.store.InTx(ctx, func(tx billing.Tx) error {
		// Locks the clock first: nobody takes it over while this ends it.
		if err := a.leaseClock(ctx, tx, id, token); err != nil {
			return err
		}
		c, err := tx.Clocks.GetTestClock(ctx, s, id)
		if err != nil {
			return fmt.Errorf("read test clock: %w", err)
		}
		if runErr == nil {
			c.FrozenTime = t
		}
		c.Status, c.Updated, c.AdvanceTarget = billing.TestClockReady, a.Now(), nil
		clock = c
		if err := tx.Clocks.UpdateTestClock(ctx, c); err != nil {
			return err
		}
		return tx.Clocks.EndTestClockLease(ctx, id)
	})
	return clock, errors.Join(runErr, err)
}

// recoverBatch is how many abandoned clocks RecoverTestClocks takes at a
// time.
const recoverBatch = 100

// RecoverTestClocks takes over every test clock left advancing by a
// process that is gone: one whose advance's lease ended (a live process
// renews its lease, so its clock is never taken). A clock that knows the
// time its advance was asked to reach is resumed to it in the background
// (an advance completes, as on Stripe; WaitResumedAdvances waits for
// them); one that does not (left by a version that did not record it) is
// released: it becomes ready at the time the advance had reached, which
// is where its due work stands (each piece of work is done in its own
// transaction, and the clock is moved to a piece's time before the piece
// runs, so whatever was cut short is still due and the next advance does
// it). Without this such a clock refuses every advance. serve calls it at
// start and its leader periodically; it returns how many clocks it took.
func (a *Renewals) RecoverTestClocks(ctx context.Context) (int, error) {
	ctx = WithRequestInfo(ctx, RequestInfo{Actor: "system"})
	taken := 0
	for {
		clocks, err := read(ctx, a.core, func(tx billing.Tx) ([]billing.TestClock, error) {
			return tx.Clocks.AbandonedTestClocks(ctx, a.Now(), recoverBatch)
		})
		if err != nil {
			return taken, fmt.Errorf("find abandoned test clocks: %w", err)
		}
		for _, c := range clocks {
			// Each one listed is taken, here or by a process racing this
			// one, so the next batch holds only new ones.
			ok, err := a.recoverTestClock(ctx, c)
			if err != nil {
				return taken, err
			}
			if ok {
				taken++
			}
		}
		if len(clocks) < recoverBatch {
			return taken, nil
		}
	}
}

// recoverTestClock takes abandoned clock c's lease and resumes or releases
// it; it reports false if another process took it first.
func (a *Renewals) recoverTestClock(ctx context.Context, c billing.TestClock) (bool, error) {
	token := rand.Text()
	s := c.Scope
	var target *time.Time
	err := a.store.InTx(ctx, func(tx billing.Tx) error {
		if err := a.leaseClock(ctx, tx, c.ID, token); err != nil {
			return err
		}
		cur, err := tx.Clocks.GetTestClock(ctx, s, c.ID)
		if err != nil {
			return fmt.Errorf("read test clock: %w", err)
		}
		target = cur.AdvanceTarget
		if target != nil && !target.Before(cur.FrozenTime) {
			return a.audit(ctx, tx, change{merchantID: s.MerchantID, mode: s.Mode, action: "test_clock.resume",
				objectType: "test_clock", objectID: c.ID, before: cur, after: cur})
		}
		target = nil
		before := cur
		cur.Status, cur.Updated, cur.AdvanceTarget = billing.TestClockReady, a.Now(), nil
		if err := tx.Clocks.UpdateTestClock(ctx, cur); err != nil {
			return fmt.Errorf("update test clock: %w", err)
		}
		if err := tx.Clocks.EndTestClockLease(ctx, c.ID); err != nil {
			return err
		}
		return a.audit(ctx, tx, change{merchantID: s.MerchantID, mode: s.Mode, action: "test_clock.recover",
			objectType: "test_clock", objectID: c.ID, before: before, after: cur})
	})
	if errors.Is(err, errClockLeaseLost) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if target != nil {
		a.clocks.resumed.Add(1)
		go func() {
			defer a.clocks.resumed.Done()
			if _, err := a.driveClock(context.WithoutCancel(ctx), s, c.ID, *target, token); err != nil {
				a.logger.ErrorContext(ctx, "resumed test clock advance failed", "test_clock", c.ID, "error", err)
			}
		}()
	}
	return true, nil
}

// WaitResumedAdvances waits until every advance RecoverTestClocks resumed
// in the background has ended.
func (a *Renewals) WaitResumedAdvances() { a.clocks.resumed.Wait() }

// runClock processes the clock's due work up to t, earliest first, for the
// advance named token (each step renews its lease, and stops if it lost
// it).
func (a *Renewals) runClock(ctx context.Context, s billing.Scope, id string, t time.Time, token string) error {
	for range maxAdvanceSteps {
		if err := ctx.Err(); err != nil {
			return err
		}
		due, err := read(ctx, a.core, func(tx billing.Tx) ([]billing.Subscription, error) {
			return tx.Subscriptions.DueSubscriptions(ctx, id, t, 1)
		})
		if err != nil {
			return fmt.Errorf("find due work: %w", err)
		}
		if len(due) == 0 {
			return nil
		}
		at := *due[0].NextActionAt
		if err := a.store.InTx(ctx, func(tx billing.Tx) error {
			if err := a.leaseClock(ctx, tx, id, token); err != nil {
				return err
			}
			c, err := tx.Clocks.GetTestClock(ctx, s, id)
			if err != nil {
				return fmt.Errorf("read test clock: %w", err)
			}
			if c.FrozenTime.Before(at) {
				c.FrozenTime = at
			}
			return tx.Clocks.UpdateTestClock(ctx, c)
		}); err != nil {
			return err
		}
		if err := a.stepSubscription(ctx, due[0].Scope, due[0].ID, at); err != nil {
			return err
		}
	}
	return fmt.Errorf("test clock %s: more than %d steps in one advance", id, maxAdvanceSteps)
}
