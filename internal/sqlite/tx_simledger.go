package sqlite

import (
	"context"

	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/sqlite/litedb"
)

// simLedgerTx is the billing.SimLedgerTx of one transaction.
type simLedgerTx struct{ *base }

var _ billing.SimLedgerTx = simLedgerTx{}

// InsertSimCharge records c unless its key is already in the ledger, in
// which case it returns the recorded charge and false.
func (t simLedgerTx) InsertSimCharge(ctx context.Context, c billing.SimCharge) (billing.SimCharge, bool, error) {
	n, err := t.q.InsertSimCharge(ctx, litedb.InsertSimChargeParams{
		Key:      c.Key,
		Token:    c.Token,
		Amount:   c.Amount,
		Currency: c.Currency,
		Outcome:  c.Outcome,
		Code:     c.Code,
		Ref:      c.Ref,
		Refunded: c.Refunded,
		Created:  micros(c.Created),
	})
	if err != nil {
		return billing.SimCharge{}, false, dbError(err, "insert sim charge %q", c.Key)
	}
	if n == 1 {
		c.Created = storedTime(c.Created) // what a read would now return
		return c, true, nil
	}
	got, err := t.GetSimCharge(ctx, c.Key)
	if err != nil {
		return billing.SimCharge{}, false, err
	}
	return got, false, nil
}

// InsertSimCharges records entries with distinct keys one by one: in
// process, a statement costs no round trip.
func (t simLedgerTx) InsertSimCharges(ctx context.Context, cs []billing.SimCharge) ([]billing.SimCharge, []bool, error) {
	recorded := make([]billing.SimCharge, len(cs))
	inserted := make([]bool, len(cs))
	for i, c := range cs {
		var err error
		if recorded[i], inserted[i], err = t.InsertSimCharge(ctx, c); err != nil {
			return nil, nil, err
		}
	}
	return recorded, inserted, nil
}

// GetSimCharge returns the ledger entry for key.
func (t simLedgerTx) GetSimCharge(ctx context.Context, key string) (billing.SimCharge, error) {
	row, err := t.q.GetSimCharge(ctx, key)
	if err != nil {
		return billing.SimCharge{}, dbError(err, "get sim charge %q", key)
	}
	return simChargeFromRow(row)
}

// UpdateSimCharge writes c's refunded amount.
func (t simLedgerTx) UpdateSimCharge(ctx context.Context, c billing.SimCharge) error {
	n, err := t.q.UpdateSimCharge(ctx, litedb.UpdateSimChargeParams{Refunded: c.Refunded, Key: c.Key})
	return notFoundIfNone(n, err, "update sim charge %q", c.Key)
}

// CountSimCharges counts a token's ledger entries with the given outcome.
func (t simLedgerTx) CountSimCharges(ctx context.Context, token, outcome string) (int64, error) {
	n, err := t.q.CountSimCharges(ctx, litedb.CountSimChargesParams{Token: token, Outcome: outcome})
	if err != nil {
		return 0, dbError(err, "count sim charges")
	}
	return n, nil
}

// ListSimCharges returns the whole ledger in insertion order.
func (t simLedgerTx) ListSimCharges(ctx context.Context) ([]billing.SimCharge, error) {
	rows, err := t.q.ListSimCharges(ctx)
	if err != nil {
		return nil, dbError(err, "list sim charges")
	}
	return convertRows(rows, simChargeFromRow)
}

func simChargeFromRow(row litedb.SimCharge) (billing.SimCharge, error) {
	return billing.SimCharge{
		Key:      row.Key,
		Token:    row.Token,
		Amount:   row.Amount,
		Currency: row.Currency,
		Outcome:  row.Outcome,
		Code:     row.Code,
		Ref:      row.Ref,
		Refunded: row.Refunded,
		Created:  fromMicros(row.Created),
	}, nil
}
