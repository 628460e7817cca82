package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/postgres/pgdb"
)

// CreateTestClock inserts c.
func (t *tx) CreateTestClock(ctx context.Context, c billing.TestClock) error {
	return t.write(ctx, "create test clock "+c.ID, func(_ pgx.Tx, q *pgdb.Queries) error {
		return q.CreateTestClock(ctx, pgdb.CreateTestClockParams{
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
func (t *tx) GetTestClock(ctx context.Context, s billing.Scope, id string) (billing.TestClock, error) {
	row, err := t.q.GetTestClock(ctx, pgdb.GetTestClockParams{MerchantID: s.MerchantID, Mode: string(s.Mode), ID: id})
	if err != nil {
		return billing.TestClock{}, dbError("get test clock "+id, err)
	}
	return testClockFromRow(row), nil
}

// UpdateTestClock writes c's frozen time, status and updated time.
func (t *tx) UpdateTestClock(ctx context.Context, c billing.TestClock) error {
	return t.write(ctx, "update test clock "+c.ID, func(_ pgx.Tx, q *pgdb.Queries) error {
		return updated(q.UpdateTestClock(ctx, pgdb.UpdateTestClockParams{
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
func (t *tx) LeaseTestClock(ctx context.Context, id, token string, until, now time.Time) (bool, error) {
	var n int64
	err := t.write(ctx, "lease test clock "+id, func(_ pgx.Tx, q *pgdb.Queries) error {
		var err error
		n, err = q.LeaseTestClock(ctx, pgdb.LeaseTestClockParams{AdvanceToken: token, AdvancingUntil: new(ts(until)),
			ID: id, Now: new(ts(now))})
		return err
	})
	return n == 1, err
}

// EndTestClockLease drops clock id's lease.
func (t *tx) EndTestClockLease(ctx context.Context, id string) error {
	return t.write(ctx, "end lease of test clock "+id, func(_ pgx.Tx, q *pgdb.Queries) error {
		return q.EndTestClockLease(ctx, id)
	})
}

// AbandonedTestClocks returns up to limit advancing clocks whose lease
// ended before now.
func (t *tx) AbandonedTestClocks(ctx context.Context, now time.Time, limit int) ([]billing.TestClock, error) {
	rows, err := t.q.AbandonedTestClocks(ctx, pgdb.AbandonedTestClocksParams{Now: new(ts(now)), RowLimit: maxRows(limit)})
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
func (t *tx) ListTestClocks(ctx context.Context, s billing.Scope, pg billing.Page) ([]billing.TestClock, bool, error) {
	rows, err := t.q.ListTestClocks(ctx, pgdb.ListTestClocksParams{
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

func testClockFromRow(r pgdb.TestClock) billing.TestClock {
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

// CreatePaymentMethod inserts pm.
func (t *tx) CreatePaymentMethod(ctx context.Context, pm billing.PaymentMethod) error {
	return t.write(ctx, "create payment method "+pm.ID, func(_ pgx.Tx, q *pgdb.Queries) error {
		return q.CreatePaymentMethod(ctx, pgdb.CreatePaymentMethodParams{
			ID:         pm.ID,
			MerchantID: pm.Scope.MerchantID,
			Mode:       string(pm.Scope.Mode),
			CustomerID: pm.CustomerID,
			Gateway:    pm.Gateway,
			Token:      pm.Token,
			Brand:      pm.Brand,
			Last4:      pm.Last4,
			ExpMonth:   pm.ExpMonth,
			ExpYear:    pm.ExpYear,
			Status:     pm.Status,
			Created:    ts(pm.Created),
			Updated:    ts(pm.Updated),
		})
	})
}

// GetPaymentMethod returns the payment method with id in scope s.
func (t *tx) GetPaymentMethod(ctx context.Context, s billing.Scope, id string) (billing.PaymentMethod, error) {
	row, err := t.q.GetPaymentMethod(ctx, pgdb.GetPaymentMethodParams{MerchantID: s.MerchantID, Mode: string(s.Mode), ID: id})
	if err != nil {
		return billing.PaymentMethod{}, dbError("get payment method "+id, err)
	}
	return paymentMethodFromRow(row), nil
}

// UpdatePaymentMethod writes pm's status and updated time.
func (t *tx) UpdatePaymentMethod(ctx context.Context, pm billing.PaymentMethod) error {
	return t.write(ctx, "update payment method "+pm.ID, func(_ pgx.Tx, q *pgdb.Queries) error {
		return updated(q.UpdatePaymentMethod(ctx, pgdb.UpdatePaymentMethodParams{
			Status:     pm.Status,
			Updated:    ts(pm.Updated),
			MerchantID: pm.Scope.MerchantID,
			Mode:       string(pm.Scope.Mode),
			ID:         pm.ID,
		}))
	})
}

// ListPaymentMethods returns every payment method of a customer in scope
// s, newest first.
func (t *tx) ListPaymentMethods(ctx context.Context, s billing.Scope, customerID string) ([]billing.PaymentMethod, error) {
	rows, err := t.q.ListPaymentMethods(ctx, pgdb.ListPaymentMethodsParams{
		MerchantID: s.MerchantID,
		Mode:       string(s.Mode),
		CustomerID: customerID,
	})
	if err != nil {
		return nil, dbError("list payment methods of customer "+customerID, err)
	}
	out := make([]billing.PaymentMethod, 0, len(rows))
	for _, r := range rows {
		out = append(out, paymentMethodFromRow(r))
	}
	return out, nil
}

func paymentMethodFromRow(r pgdb.PaymentMethod) billing.PaymentMethod {
	return billing.PaymentMethod{
		ID:         r.ID,
		Scope:      billing.Scope{MerchantID: r.MerchantID, Mode: billing.Mode(r.Mode)},
		CustomerID: r.CustomerID,
		Gateway:    r.Gateway,
		Token:      r.Token,
		Brand:      r.Brand,
		Last4:      r.Last4,
		ExpMonth:   r.ExpMonth,
		ExpYear:    r.ExpYear,
		Status:     r.Status,
		Created:    r.Created.UTC(),
		Updated:    r.Updated.UTC(),
	}
}
