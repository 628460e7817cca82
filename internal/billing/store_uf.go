package billing

import (
	"context"
	"time"
)

// UFTx stores the UF's values per day and the invoices waiting for one
// (docs/uf.md).
type UFTx interface {
	// PutUFRate creates or replaces the value of r's day for r's scope
	// (the zero scope: the fetched value every merchant shares).
	PutUFRate(ctx context.Context, r UFRate) error
	// UFRatesOn returns the values of date scope s may use: its own and
	// the fetched one (PickUFRate chooses).
	UFRatesOn(ctx context.Context, s Scope, date string) ([]UFRate, error)
	// ListUFRates returns s's values and the fetched ones of the days
	// before `before` (YYYY-MM-DD), newest day first, at most limit.
	ListUFRates(ctx context.Context, s Scope, before string, limit int) ([]UFRate, error)

	// CreateUFWait records an invoice waiting for its day's value.
	CreateUFWait(ctx context.Context, w UFWait) error
	// GetUFWait returns the wait of an invoice, or ErrNotFound.
	GetUFWait(ctx context.Context, s Scope, invoiceID string) (UFWait, error)
	// DueUFWaits returns the waits (of every scope) whose next attempt is
	// at or before `before`, soonest first, at most limit.
	DueUFWaits(ctx context.Context, before time.Time, limit int) ([]UFWait, error)
	// UpdateUFWait writes a wait's attempts and next attempt.
	UpdateUFWait(ctx context.Context, w UFWait) error
	// DeleteUFWait removes an invoice's wait (it was finalized or voided).
	DeleteUFWait(ctx context.Context, s Scope, invoiceID string) error
	// HurryUFWaits moves the next attempt of s's waits for date to at
	// when it is later: the day's value arrived.
	HurryUFWaits(ctx context.Context, s Scope, date string, at time.Time) error
	// CountUFWaits counts s's invoices waiting for date's value.
	CountUFWaits(ctx context.Context, s Scope, date string) (int64, error)
}
