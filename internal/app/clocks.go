package app

import (
	"context"
	"errors"
	"fmt"
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
func (a *App) CreateTestClock(ctx context.Context, s billing.Scope, name string, t time.Time) (billing.TestClock, error) {
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
		if err := tx.CreateTestClock(ctx, c); err != nil {
			return fmt.Errorf("create test clock: %w", err)
		}
		return a.audit(ctx, tx, change{merchantID: s.MerchantID, mode: s.Mode, action: "test_clock.create", objectType: "test_clock", objectID: c.ID, after: c})
	})
	return c, err
}

// GetTestClock returns a test clock of scope s.
func (a *App) GetTestClock(ctx context.Context, s billing.Scope, id string) (billing.TestClock, error) {
	return read(ctx, a, func(tx billing.Tx) (billing.TestClock, error) {
		c, err := tx.GetTestClock(ctx, s, id)
		return c, notFound(err, "test_clock", id)
	})
}

// ListTestClocks lists test clocks, newest first.
func (a *App) ListTestClocks(ctx context.Context, s billing.Scope, page billing.Page) (List[billing.TestClock], error) {
	return list(ctx, a, page, billing.PrefixTestClock, func(tx billing.Tx, page billing.Page) ([]billing.TestClock, bool, error) {
		return tx.ListTestClocks(ctx, s, page)
	})
}

// AdvanceTestClock moves a test clock forward to t and runs, in time order,
// every piece of work due for the subscriptions on it up to t: each at its
// own due time, with the clock showing that time while it runs. It returns
// when everything due is done. Moving backwards, or beyond what
// billing.CheckTime allows, is 400; so is work due on the way that cannot
// be billed (a renewal whose period would end after 9999): the clock then
// stops, ready, at the time of that work.
func (a *App) AdvanceTestClock(ctx context.Context, s billing.Scope, id string, t time.Time) (billing.TestClock, error) {
	if err := billing.CheckTime("frozen_time", t); err != nil {
		return billing.TestClock{}, err
	}
	t = t.UTC().Truncate(time.Second)
	var clock billing.TestClock
	err := a.store.InTx(ctx, func(tx billing.Tx) error {
		var err error
		if clock, err = tx.GetTestClock(ctx, s, id); err != nil {
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
		clock.Status, clock.Updated = billing.TestClockAdvancing, a.Now()
		if err := tx.UpdateTestClock(ctx, clock); err != nil {
			return fmt.Errorf("update test clock: %w", err)
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
	// the client can poll the clock meanwhile. A process that dies here
	// leaves it advancing until RecoverTestClocks runs at the next start.
	ctx = context.WithoutCancel(ctx)
	runErr := a.runClock(ctx, s, id, t)
	if e := billing.AsError(runErr); e != nil && e.Kind == billing.KindInvalid && e.Param == "" {
		// Work the advance reached cannot be done (a period beyond the
		// billing range): the requested time is what is invalid.
		named := *e
		named.Param = "frozen_time"
		runErr = &named
	}
	err = a.store.InTx(ctx, func(tx billing.Tx) error {
		c, err := tx.GetTestClock(ctx, s, id)
		if err != nil {
			return fmt.Errorf("read test clock: %w", err)
		}
		if runErr == nil {
			c.FrozenTime = t
		}
		c.Status, c.Updated = billing.TestClockReady, a.Now()
		clock = c
		return tx.UpdateTestClock(ctx, c)
	})
	return clock, errors.Join(runErr, err)
}

// RecoverTestClocks releases every test clock that a process which died
// mid-advance left advancing: it becomes ready at the time the advance had
// reached, which is where its due work stands (each piece of work is done
// in its own transaction, and the clock is moved to a piece's time before
// the piece runs, so whatever was cut short is still due and the next
// advance does it). Without this such a clock refuses every advance. serve
// calls it at start; it returns how many clocks it released.
func (a *App) RecoverTestClocks(ctx context.Context) (int, error) {
	merchants, err := a.ListMerchants(ctx)
	if err != nil {
		return 0, err
	}
	released := 0
	for _, m := range merchants {
		s := billing.Scope{MerchantID: m.ID, Mode: billing.ModeTest}
		page := billing.Page{Limit: 100}
		for {
			clocks, err := a.ListTestClocks(ctx, s, page)
			if err != nil {
				return released, err
			}
			for _, c := range clocks.Data {
				if c.Status != billing.TestClockAdvancing {
					continue
				}
				if err := a.releaseTestClock(ctx, s, c.ID); err != nil {
					return released, err
				}
				released++
			}
			if !clocks.HasMore || len(clocks.Data) == 0 {
				break
			}
			page.StartingAfter = clocks.Data[len(clocks.Data)-1].ID
		}
	}
	return released, nil
}

// releaseTestClock sets a clock left advancing ready at the time it had
// reached, and audits it.
func (a *App) releaseTestClock(ctx context.Context, s billing.Scope, id string) error {
	ctx = WithRequestInfo(ctx, RequestInfo{Actor: "system"})
	return a.store.InTx(ctx, func(tx billing.Tx) error {
		c, err := tx.GetTestClock(ctx, s, id)
		if err != nil {
			return fmt.Errorf("read test clock: %w", err)
		}
		if c.Status != billing.TestClockAdvancing {
			return nil
		}
		before := c
		c.Status, c.Updated = billing.TestClockReady, a.Now()
		if err := tx.UpdateTestClock(ctx, c); err != nil {
			return fmt.Errorf("update test clock: %w", err)
		}
		return a.audit(ctx, tx, change{merchantID: s.MerchantID, mode: s.Mode, action: "test_clock.recover",
			objectType: "test_clock", objectID: id, before: before, after: c})
	})
}

// runClock processes the clock's due work up to t, earliest first.
func (a *App) runClock(ctx context.Context, s billing.Scope, id string, t time.Time) error {
	for range maxAdvanceSteps {
		if err := ctx.Err(); err != nil {
			return err
		}
		due, err := read(ctx, a, func(tx billing.Tx) ([]billing.Subscription, error) {
			return tx.DueSubscriptions(ctx, id, t, 1)
		})
		if err != nil {
			return fmt.Errorf("find due work: %w", err)
		}
		if len(due) == 0 {
			return nil
		}
		at := *due[0].NextActionAt
		if err := a.store.InTx(ctx, func(tx billing.Tx) error {
			c, err := tx.GetTestClock(ctx, s, id)
			if err != nil {
				return fmt.Errorf("read test clock: %w", err)
			}
			if c.FrozenTime.Before(at) {
				c.FrozenTime = at
			}
			return tx.UpdateTestClock(ctx, c)
		}); err != nil {
			return err
		}
		if err := a.stepSubscription(ctx, due[0].Scope, due[0].ID, at); err != nil {
			return err
		}
	}
	return fmt.Errorf("test clock %s: more than %d steps in one advance", id, maxAdvanceSteps)
}
