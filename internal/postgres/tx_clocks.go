package postgres

import (
	"context"
	"time"

	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/postgres/pgdb/lifecycledb"
)

// clockTx is the billing.ClockTx of one transaction.
type clockTx struct{ *base }

var _ billing.ClockTx = clockTx{}

// CreateTestClock inserts c.
func (t clockTx) CreateTestClock(ctx context.Context, c billing.TestClock) error {
	return t.writeLifecycle(ctx, "create test clock "+c.ID, func(q *lifecycledb.Queries) error {
		return q.CreateTestClock(ctx, lifecycledb.CreateTestClockParams{
			ID:         c.ID,
			MerchantID: c.Scope.MerchantID,
			Mode:       string(c.Scope.Mode),
			Name:       c.Name,
			FrozenTime: ts(c.FrozenTime),
			Status:     c.Status,
			Created:    ts(c.Created),
			Updated:    ts(c.Updated),
		})
	})
}

// GetTestClock returns the test clock with id in scope s.
func (t clockTx) GetTestClock(ctx context.Context, s billing.Scope, id string) (billing.TestClock, error) {
	row, err := t.lifecycle.GetTestClock(ctx, lifecycledb.GetTestClockParams{MerchantID: s.MerchantID, Mode: string(s.Mode), ID: id})
	if err != nil {
		return billing.TestClock{}, dbError("get test clock "+id, err)
	}
	return testClockFromRow(row), nil
}

// UpdateTestClock writes c's frozen time, status and updated time.
func (t clockTx) UpdateTestClock(ctx context.Context, c billing.TestClock) error {
	return t.writeLifecycle(ctx, "update test clock "+c.ID, func(q *lifecycledb.Queries) error {
		return updated(q.UpdateTestClock(ctx, lifecycledb.UpdateTestClockParams{
			FrozenTime:    ts(c.FrozenTime),
			Status:        c.Status,
			Updated:       ts(c.Updated),
			AdvanceTarget: tsPtr(c.AdvanceTarget),
			MerchantID:    c.Scope.MerchantID,
			Mode:          string(c.Scope.Mode),
			ID:            c.ID,
		}))
	})
}

// LeaseTestClock takes or renews an advance's lease on clock id. The
// UPDATE locks the row and re-checks its condition on the row's latest
// version, so two processes never both take the lease.
func (t clockTx) LeaseTestClock(ctx context.Context, id, token string, until, now time.Time) (bool, error) {
	var n int64
	err := t.writeLifecycle(ctx, "lease test clock "+id, func(q *lifecycledb.Queries) error {
		var err error
		n, err = q.LeaseTestClock(ctx, lifecycledb.LeaseTestClockParams{AdvanceToken: token, AdvancingUntil: new(ts(until)),
			ID: id, Now: new(ts(now))})
		return err
	})
	return n == 1, err
}

// EndTestClockLease drops clock id's lease.
func (t clockTx) EndTestClockLease(ctx context.Context, id string) error {
	return t.writeLifecycle(ctx, "end lease of test clock "+id, func(q *lifecycledb.Queries) error {
		return q.EndTestClockLease(ctx, id)
	})
}

// AbandonedTestClocks returns up to limit advancing clocks whose lease
// ended before now.
func (t clockTx) AbandonedTestClocks(ctx context.Context, now time.Time, limit int) ([]billing.TestClock, error) {
	rows, err := t.lifecycle.AbandonedTestClocks(ctx, lifecycledb.AbandonedTestClocksParams{Now: new(ts(now)), RowLimit: maxRows(limit)})
	if err != nil {
		return nil, dbError("list abandoned test clocks", err)
	}
	out := make([]billing.TestClock, 0, len(rows))
	for _, r := range rows {
		out = append(out, testClockFromRow(r))
	}
	return out, nil
}

// ListTestClocks returns a page of scope s's test clocks, newest first.
func (t clockTx) ListTestClocks(ctx context.Context, s billing.Scope, pg billing.Page) ([]billing.TestClock, bool, error) {
	rows, err := t.lifecycle.ListTestClocks(ctx, lifecycledb.ListTestClocksParams{
		MerchantID:    s.MerchantID,
		Mode:          string(s.Mode),
		StartingAfter: pg.StartingAfter,
		RowLimit:      rowLimit(pg.Limit),
	})
	if err != nil {
		return nil, false, dbError("list test clocks", err)
	}
	rows, more := trimPage(rows, pg.Limit)
	out := make([]billing.TestClock, 0, len(rows))
	for _, r := range rows {
		out = append(out, testClockFromRow(r))
	}
	return out, more, nil
}

func testClockFromRow(r lifecycledb.TestClock) billing.TestClock {
	return billing.TestClock{
		ID:            r.ID,
		Scope:         billing.Scope{MerchantID: r.MerchantID, Mode: billing.Mode(r.Mode)},
		Name:          r.Name,
		FrozenTime:    r.FrozenTime.UTC(),
		Status:        r.Status,
		Created:       r.Created.UTC(),
		Updated:       r.Updated.UTC(),
		AdvanceTarget: utcPtr(r.AdvanceTarget),
	}
}
