package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/postgres/pgdb"
)

// simLedgerTx is the billing.SimLedgerTx of one transaction.
type simLedgerTx struct{ *base }

var _ billing.SimLedgerTx = simLedgerTx{}

// InsertSimCharge records c in the simulated gateway's ledger unless its
// key is already there; then it returns the recorded charge and false.
// A concurrent insert of the same key waits for the other transaction and
// then sees its row (or inserts, if that one rolled back).
func (t simLedgerTx) InsertSimCharge(ctx context.Context, c billing.SimCharge) (billing.SimCharge, bool, error) {
	op := "insert sim charge " + c.Key
	c.Created = ts(c.Created)
	var inserted bool
	err := t.write(ctx, op, func(_ pgx.Tx, q *pgdb.Queries) error {
		n, err := q.InsertSimCharge(ctx, pgdb.InsertSimChargeParams{
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
		return billing.SimCharge{}, false, err
	}
	if inserted {
		return c, true, nil
	}
	row, err := t.q.GetSimCharge(ctx, c.Key)
	if err != nil {
		return billing.SimCharge{}, false, dbError(op+": read recorded charge", err)
	}
	return simChargeFromRow(row), false, nil
}

// InsertSimCharges records entries with distinct keys in one statement and
// reads back, in a second one, those whose keys were already there.
func (t simLedgerTx) InsertSimCharges(ctx context.Context, cs []billing.SimCharge) ([]billing.SimCharge, []bool, error) {
	if len(cs) == 0 {
		return nil, nil, nil
	}
	p := pgdb.InsertSimChargesParams{}
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
	err := t.write(ctx, "insert sim charges", func(_ pgx.Tx, q *pgdb.Queries) error {
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
	recorded := make([]billing.SimCharge, len(cs))
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
	rows, err := t.q.GetSimChargesByKey(ctx, others)
	if err != nil {
		return nil, nil, dbError("insert sim charges: read recorded charges", err)
	}
	byKey := make(map[string]billing.SimCharge, len(rows))
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

// GetSimCharge returns the ledger entry for key.
func (t simLedgerTx) GetSimCharge(ctx context.Context, key string) (billing.SimCharge, error) {
	row, err := t.q.GetSimCharge(ctx, key)
	if err != nil {
		return billing.SimCharge{}, dbError("get sim charge "+key, err)
	}
	return simChargeFromRow(row), nil
}

// UpdateSimCharge writes c's refunded amount.
func (t simLedgerTx) UpdateSimCharge(ctx context.Context, c billing.SimCharge) error {
	return t.write(ctx, "update sim charge "+c.Key, func(_ pgx.Tx, q *pgdb.Queries) error {
		return updated(q.UpdateSimCharge(ctx, pgdb.UpdateSimChargeParams{Refunded: c.Refunded, Key: c.Key}))
	})
}

// CountSimCharges counts the ledger entries of token with outcome.
func (t simLedgerTx) CountSimCharges(ctx context.Context, token, outcome string) (int64, error) {
	n, err := t.q.CountSimCharges(ctx, pgdb.CountSimChargesParams{Token: token, Outcome: outcome})
	if err != nil {
		return 0, dbError("count sim charges", err)
	}
	return n, nil
}

// ListSimCharges returns the whole ledger in insertion order.
func (t simLedgerTx) ListSimCharges(ctx context.Context) ([]billing.SimCharge, error) {
	rows, err := t.q.ListSimCharges(ctx)
	if err != nil {
		return nil, dbError("list sim charges", err)
	}
	out := make([]billing.SimCharge, 0, len(rows))
	for _, r := range rows {
		out = append(out, simChargeFromRow(r))
	}
	return out, nil
}

func simChargeFromRow(r pgdb.SimCharge) billing.SimCharge {
	return billing.SimCharge{
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
