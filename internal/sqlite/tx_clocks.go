package sqlite

import (
	"context"
	"time"

	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/sqlite/litedb/lifecycledb"
)

// clockTx is the billing.ClockTx of one transaction.
type clockTx struct{ *base }

var _ billing.ClockTx = clockTx{}

// Test clocks.

// CreateTestClock inserts c.
func (t clockTx) CreateTestClock(ctx context.Context, c billing.TestClock) error {
	err := t.lifecycle.CreateTestClock(ctx, lifecycledb.CreateTestClockParams{
		ID:         c.ID,
		MerchantID: c.Scope.MerchantID,
		Mode:       string(c.Scope.Mode),
		Name:       c.Name,
		FrozenTime: micros(c.FrozenTime),
		Status:     c.Status,
		Created:    micros(c.Created),
		Updated:    micros(c.Updated),
	})
	if err != nil {
		return dbError(err, "create test clock %s", c.ID)
	}
	return nil
}

// GetTestClock returns the test clock with id in scope s.
func (t clockTx) GetTestClock(ctx context.Context, s billing.Scope, id string) (billing.TestClock, error) {
	row, err := t.lifecycle.GetTestClock(ctx, lifecycledb.GetTestClockParams{MerchantID: s.MerchantID, Mode: string(s.Mode), ID: id})
	if err != nil {
		return billing.TestClock{}, dbError(err, "get test clock %s", id)
	}
	return testClockFromRow(row)
}

// UpdateTestClock writes c's frozen time, status and updated.
func (t clockTx) UpdateTestClock(ctx context.Context, c billing.TestClock) error {
	n, err := t.lifecycle.UpdateTestClock(ctx, lifecycledb.UpdateTestClockParams{
		FrozenTime:    micros(c.FrozenTime),
		Status:        c.Status,
		Updated:       micros(c.Updated),
		AdvanceTarget: nullMicros(c.AdvanceTarget),
		MerchantID:    c.Scope.MerchantID,
		Mode:          string(c.Scope.Mode),
		ID:            c.ID,
	})
	return notFoundIfNone(n, err, "update test clock %s", c.ID)
}

// LeaseTestClock takes or renews an advance's lease on clock id. SQLite
// has one writer, so the conditional UPDATE cannot race another.
func (t clockTx) LeaseTestClock(ctx context.Context, id, token string, until, now time.Time) (bool, error) {
	n, err := t.lifecycle.LeaseTestClock(ctx, lifecycledb.LeaseTestClockParams{AdvanceToken: token, AdvancingUntil: nullMicros(&until),
		ID: id, Now: nullMicros(&now)})
	if err != nil {
		return false, dbError(err, "lease test clock %s", id)
	}
	return n == 1, nil
}

// EndTestClockLease drops clock id's lease.
func (t clockTx) EndTestClockLease(ctx context.Context, id string) error {
	if err := t.lifecycle.EndTestClockLease(ctx, id); err != nil {
		return dbError(err, "end lease of test clock %s", id)
	}
	return nil
}

// AbandonedTestClocks returns up to limit advancing clocks whose lease
// ended before now.
func (t clockTx) AbandonedTestClocks(ctx context.Context, now time.Time, limit int) ([]billing.TestClock, error) {
	n := int64(limit)
	if limit <= 0 {
		n = -1
	}
	rows, err := t.lifecycle.AbandonedTestClocks(ctx, lifecycledb.AbandonedTestClocksParams{Now: nullMicros(&now), RowLimit: n})
	if err != nil {
		return nil, dbError(err, "list abandoned test clocks")
	}
	return convertRows(rows, testClockFromRow)
}

// ListTestClocks returns a page of s's test clocks, newest first.
func (t clockTx) ListTestClocks(ctx context.Context, s billing.Scope, page billing.Page) ([]billing.TestClock, bool, error) {
	rows, err := t.lifecycle.ListTestClocks(ctx, lifecycledb.ListTestClocksParams{
		MerchantID:    s.MerchantID,
		Mode:          string(s.Mode),
		StartingAfter: page.StartingAfter,
		RowLimit:      rowLimit(page.Limit),
	})
	if err != nil {
		return nil, false, dbError(err, "list test clocks")
	}
	rows, more := trimPage(rows, page.Limit)
	out, err := convertRows(rows, testClockFromRow)
	return out, more, err
}

func testClockFromRow(row lifecycledb.TestClock) (billing.TestClock, error) {
	return billing.TestClock{
		ID:            row.ID,
		Scope:         billing.Scope{MerchantID: row.MerchantID, Mode: billing.Mode(row.Mode)},
		Name:          row.Name,
		FrozenTime:    fromMicros(row.FrozenTime),
		Status:        row.Status,
		Created:       fromMicros(row.Created),
		Updated:       fromMicros(row.Updated),
		AdvanceTarget: fromNullMicros(row.AdvanceTarget),
	}, nil
}
