package sim

import (
	"context"
	"time"
)

// Charge is one call the simulated gateway accepted (or refused), kept in
// its ledger so tests can compare the money that moved with cuota's
// records. A refund is an entry too (Outcome OutcomeRefund).
type Charge struct {
	Key      string    `json:"key"` // the caller's idempotency key
	Token    string    `json:"token"`
	Amount   int64     `json:"amount"`
	Currency string    `json:"currency"`
	Outcome  string    `json:"outcome"` // OutcomeSucceeded, OutcomeDeclined, OutcomeError or OutcomeRefund
	Code     string    `json:"code"`
	Ref      string    `json:"ref"`
	Refunded int64     `json:"refunded"`
	Created  time.Time `json:"created"`
}

// Ledger is the simulated gateway's ledger (table sim_charges) within one
// transaction of the store that keeps it. Getters return an error wrapping
// billing.ErrNotFound when the key is not there, like every store area.
type Ledger interface {
	// InsertCharge records a call to the simulated gateway unless its key
	// is already in the ledger, in which case it returns the recorded one
	// and false (the sim honours idempotency keys, like Stripe).
	InsertCharge(ctx context.Context, c Charge) (Charge, bool, error)
	// InsertCharges is InsertCharge for entries with distinct keys, in as
	// few statements as the store can: recorded[i] and inserted[i] answer
	// for cs[i].
	InsertCharges(ctx context.Context, cs []Charge) (recorded []Charge, inserted []bool, err error)
	// GetCharge returns the ledger entry for a key.
	GetCharge(ctx context.Context, key string) (Charge, error)
	// UpdateCharge writes refunded.
	UpdateCharge(ctx context.Context, c Charge) error
	// CountCharges counts a token's ledger entries with the given outcome.
	CountCharges(ctx context.Context, token, outcome string) (int64, error)
	// ListCharges returns the whole ledger in insertion order (for tests
	// and reconciliation reports).
	ListCharges(ctx context.Context) ([]Charge, error)
}

// LedgerStore is what the sim needs of cuota's store: transactions that
// see only the ledger. Both stores (internal/sqlite, internal/postgres)
// are LedgerStores; the ledger lives in cuota's database so that it
// survives a crash and is shared by every process on that database.
type LedgerStore interface {
	// InSimLedger runs fn in a transaction of its own, committing if fn
	// returns nil and rolling back otherwise. fn must not retain the
	// Ledger.
	InSimLedger(ctx context.Context, fn func(Ledger) error) error
}
