package billing

import (
	"context"
	"time"
)

// SimCharge is one call the simulated gateway accepted (or refused), kept in
// its ledger so tests can compare the money that moved with cuota's records.
type SimCharge struct {
	Key      string    `json:"key"` // the caller's idempotency key
	Token    string    `json:"token"`
	Amount   int64     `json:"amount"`
	Currency string    `json:"currency"`
	Outcome  string    `json:"outcome"` // "succeeded", "declined", "error"
	Code     string    `json:"code"`
	Ref      string    `json:"ref"`
	Refunded int64     `json:"refunded"`
	Created  time.Time `json:"created"`
}

// SimLedgerTx is the storage of the simulated gateway's ledger (table
// sim_charges). Only internal/gateway/sim uses it; it lives here because
// both stores implement it and they may not import a gateway.
type SimLedgerTx interface {
	// InsertSimCharge records a call to the simulated gateway unless its
	// key is already in the ledger, in which case it returns the recorded
	// one and false (the sim honours idempotency keys, like Stripe).
	InsertSimCharge(ctx context.Context, c SimCharge) (SimCharge, bool, error)
	// InsertSimCharges is InsertSimCharge for entries with distinct keys,
	// in as few statements as the store can: recorded[i] and inserted[i]
	// answer for cs[i].
	InsertSimCharges(ctx context.Context, cs []SimCharge) (recorded []SimCharge, inserted []bool, err error)
	// GetSimCharge returns the ledger entry for a key.
	GetSimCharge(ctx context.Context, key string) (SimCharge, error)
	// UpdateSimCharge writes refunded.
	UpdateSimCharge(ctx context.Context, c SimCharge) error
	// CountSimCharges counts a token's ledger entries with the given outcome.
	CountSimCharges(ctx context.Context, token, outcome string) (int64, error)
	// ListSimCharges returns the whole ledger in insertion order (for tests
	// and reconciliation reports).
	ListSimCharges(ctx context.Context) ([]SimCharge, error)
}
