package postgres

import (
	"context"
	"fmt"

	"github.com/cuota/cuota/internal/gateway/sim"
	"github.com/cuota/cuota/internal/postgres/pgdb/opsdb"
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
// back otherwise (run again, like InTx, when PostgreSQL aborts it).
func (s *Store) InSimLedger(ctx context.Context, fn func(sim.Ledger) error) error {
	return s.inTx(ctx, func(b *base) error { return fn(simLedgerTx{b}) })
}

// InsertCharge records c in the simulated gateway's ledger unless its
// key is already there; then it returns the recorded charge and false.
// A concurrent insert of the same key waits for the other transaction and
// then sees its row (or inserts, if that one rolled back).
func (t simLedgerTx) InsertCharge(ctx context.Context, c sim.Charge) (sim.Charge, bool, error) {
	op := "insert sim charge " + c.Key
	c.Created = ts(c.Created)
	var inserted bool
	err := t.writeOps(ctx, op, func(q *opsdb.Queries) error {
		n, err := q.InsertSimCharge(ctx, opsdb.InsertSimChargeParams{
			Key:      c.Key,
			Token:    c.Token,
			Amount:   c.Amount,
			Currency: c.Currency,
			Outcome:  c.Outcome,
			Code:     c.Code,
			Ref:      c.Ref,
			Refunded: c.Refunded,
			Created:  c.Created,
		})
		inserted = n > 0
		return err
	})
	if err != nil {
		return sim.Charge{}, false, err
	}
	if inserted {
		return c, true, nil
	}
	row, err := t.ops.GetSimCharge(ctx, c.Key)
	if err != nil {
		return sim.Charge{}, false, dbError(op+": read recorded charge", err)
	}
	return simChargeFromRow(row), false, nil
}

// InsertCharges records entries with distinct keys in one statement and
// reads back, in a second one, those whose keys were already there.
func (t simLedgerTx) InsertCharges(ctx context.Context, cs []sim.Charge) ([]sim.Charge, []bool, error) {
	if len(cs) == 0 {
		return nil, nil, nil
	}
	p := opsdb.InsertSimChargesParams{}
	for i := range cs {
		cs[i].Created = ts(cs[i].Created)
		c := cs[i]
		p.Keys = append(p.Keys, c.Key)
		p.Tokens = append(p.Tokens, c.Token)
		p.Amounts = append(p.Amounts, c.Amount)
		p.Currencies = append(p.Currencies, c.Currency)
		p.Outcomes = append(p.Outcomes, c.Outcome)
		p.Codes = append(p.Codes, c.Code)
		p.Refs = append(p.Refs, c.Ref)
		p.Refundeds = append(p.Refundeds, c.Refunded)
		p.Createds = append(p.Createds, c.Created)
	}
	var keys []string
	err := t.writeOps(ctx, "insert sim charges", func(q *opsdb.Queries) error {
		var err error
		keys, err = q.InsertSimCharges(ctx, p)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	fresh := make(map[string]bool, len(keys))
	for _, k := range keys {
		fresh[k] = true
	}
	recorded := make([]sim.Charge, len(cs))
	inserted := make([]bool, len(cs))
	var others []string
	for i, c := range cs {
		if recorded[i], inserted[i] = c, fresh[c.Key]; !inserted[i] {
			others = append(others, c.Key)
		}
	}
	if len(others) == 0 {
		return recorded, inserted, nil
	}
	rows, err := t.ops.GetSimChargesByKey(ctx, others)
	if err != nil {
		return nil, nil, dbError("insert sim charges: read recorded charges", err)
	}
	byKey := make(map[string]sim.Charge, len(rows))
	for _, r := range rows {
		byKey[r.Key] = simChargeFromRow(r)
	}
	for i, c := range cs {
		if !inserted[i] {
			rec, ok := byKey[c.Key]
			if !ok {
				return nil, nil, fmt.Errorf("postgres: insert sim charges: %s neither inserted nor recorded", c.Key)
			}
			recorded[i] = rec
		}
	}
	return recorded, inserted, nil
}

// GetCharge returns the ledger entry for key.
func (t simLedgerTx) GetCharge(ctx context.Context, key string) (sim.Charge, error) {
	row, err := t.ops.GetSimCharge(ctx, key)
	if err != nil {
		return sim.Charge{}, dbError("get sim charge "+key, err)
	}
	return simChargeFromRow(row), nil
}

// UpdateCharge writes c's refunded amount.
func (t simLedgerTx) UpdateCharge(ctx context.Context, c sim.Charge) error {
	return t.writeOps(ctx, "update sim charge "+c.Key, func(q *opsdb.Queries) error {
		return updated(q.UpdateSimCharge(ctx, opsdb.UpdateSimChargeParams{Refunded: c.Refunded, Key: c.Key}))
	})
}

// CountCharges counts the ledger entries of token with outcome.
func (t simLedgerTx) CountCharges(ctx context.Context, token, outcome string) (int64, error) {
	n, err := t.ops.CountSimCharges(ctx, opsdb.CountSimChargesParams{Token: token, Outcome: outcome})
	if err != nil {
		return 0, dbError("count sim charges", err)
	}
	return n, nil
}

// ListCharges returns the whole ledger in insertion order.
func (t simLedgerTx) ListCharges(ctx context.Context) ([]sim.Charge, error) {
	rows, err := t.ops.ListSimCharges(ctx)
	if err != nil {
		return nil, dbError("list sim charges", err)
	}
	out := make([]sim.Charge, 0, len(rows))
	for _, r := range rows {
		out = append(out, simChargeFromRow(r))
	}
	return out, nil
}

func simChargeFromRow(r opsdb.SimCharge) sim.Charge {
	return sim.Charge{
		Key:      r.Key,
		Token:    r.Token,
		Amount:   r.Amount,
		Currency: r.Currency,
		Outcome:  r.Outcome,
		Code:     r.Code,
		Ref:      r.Ref,
		Refunded: r.Refunded,
		Created:  r.Created.UTC(),
	}
}
