package sqlite

import (
	"context"

	"github.com/cuota/cuota/internal/gateway/sim"
	"github.com/cuota/cuota/internal/sqlite/litedb/opsdb"
)

// simLedgerTx is the sim.Ledger of one transaction: the simulated
// gateway keeps its ledger in cuota's database (table sim_charges), so it
// survives a crash and every process on the database shares it.
type simLedgerTx struct{ *base }

var (
	_ sim.Ledger      = simLedgerTx{}
	_ sim.LedgerStore = (*Store)(nil)
)

// InSimLedger runs fn in a transaction of its own that sees only the
// simulated gateway's ledger, committing if fn returns nil and rolling
// back otherwise.
func (s *Store) InSimLedger(ctx context.Context, fn func(sim.Ledger) error) error {
	return s.inTx(ctx, func(b *base) error { return fn(simLedgerTx{b}) })
}

// InsertCharge records c unless its key is already in the ledger, in
// which case it returns the recorded charge and false.
func (t simLedgerTx) InsertCharge(ctx context.Context, c sim.Charge) (sim.Charge, bool, error) {
	n, err := t.ops.InsertSimCharge(ctx, opsdb.InsertSimChargeParams{
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
		return sim.Charge{}, false, dbError(err, "insert sim charge %q", c.Key)
	}
	if n == 1 {
		c.Created = storedTime(c.Created) // what a read would now return
		return c, true, nil
	}
	got, err := t.GetCharge(ctx, c.Key)
	if err != nil {
		return sim.Charge{}, false, err
	}
	return got, false, nil
}

// InsertCharges records entries with distinct keys one by one: in
// process, a statement costs no round trip.
func (t simLedgerTx) InsertCharges(ctx context.Context, cs []sim.Charge) ([]sim.Charge, []bool, error) {
	recorded := make([]sim.Charge, len(cs))
	inserted := make([]bool, len(cs))
	for i, c := range cs {
		var err error
		if recorded[i], inserted[i], err = t.InsertCharge(ctx, c); err != nil {
			return nil, nil, err
		}
	}
	return recorded, inserted, nil
}

// GetCharge returns the ledger entry for key.
func (t simLedgerTx) GetCharge(ctx context.Context, key string) (sim.Charge, error) {
	row, err := t.ops.GetSimCharge(ctx, key)
	if err != nil {
		return sim.Charge{}, dbError(err, "get sim charge %q", key)
	}
	return simChargeFromRow(row)
}

// UpdateCharge writes c's refunded amount.
func (t simLedgerTx) UpdateCharge(ctx context.Context, c sim.Charge) error {
	n, err := t.ops.UpdateSimCharge(ctx, opsdb.UpdateSimChargeParams{Refunded: c.Refunded, Key: c.Key})
	return notFoundIfNone(n, err, "update sim charge %q", c.Key)
}

// CountCharges counts a token's ledger entries with the given outcome.
func (t simLedgerTx) CountCharges(ctx context.Context, token, outcome string) (int64, error) {
	n, err := t.ops.CountSimCharges(ctx, opsdb.CountSimChargesParams{Token: token, Outcome: outcome})
	if err != nil {
		return 0, dbError(err, "count sim charges")
	}
	return n, nil
}

// ListCharges returns the whole ledger in insertion order.
func (t simLedgerTx) ListCharges(ctx context.Context) ([]sim.Charge, error) {
	rows, err := t.ops.ListSimCharges(ctx)
	if err != nil {
		return nil, dbError(err, "list sim charges")
	}
	return convertRows(rows, simChargeFromRow)
}

func simChargeFromRow(row opsdb.SimCharge) (sim.Charge, error) {
	return sim.Charge{
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
