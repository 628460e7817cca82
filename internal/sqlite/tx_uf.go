package sqlite

import (
	"context"
	"time"

	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/sqlite/litedb/ufdb"
)

// ufTx is the billing.UFTx of one transaction.
type ufTx struct{ *base }

var _ billing.UFTx = ufTx{}

// PutUFRate creates or replaces r's row.
func (t ufTx) PutUFRate(ctx context.Context, r billing.UFRate) error {
	err := t.uf.PutUFRate(ctx, ufdb.PutUFRateParams{Date: r.Date, MerchantID: r.Scope.MerchantID, Mode: string(r.Scope.Mode),
		Value: r.Value, Source: r.Source, SetBy: r.SetBy, Created: micros(r.Created), Updated: micros(r.Updated)})
	if err != nil {
		return dbError(err, "put uf rate of %s", r.Date)
	}
	return nil
}

// UFRatesOn returns the values of date s may use.
func (t ufTx) UFRatesOn(ctx context.Context, s billing.Scope, date string) ([]billing.UFRate, error) {
	rows, err := t.uf.UFRatesOn(ctx, ufdb.UFRatesOnParams{Date: date, MerchantID: s.MerchantID, Mode: string(s.Mode)})
	if err != nil {
		return nil, dbError(err, "uf rates of %s", date)
	}
	return ufRatesFromRows(rows), nil
}

// ListUFRates returns s's values and the fetched ones before `before`.
func (t ufTx) ListUFRates(ctx context.Context, s billing.Scope, before string, limit int) ([]billing.UFRate, error) {
	rows, err := t.uf.ListUFRates(ctx, ufdb.ListUFRatesParams{Before: before, MerchantID: s.MerchantID, Mode: string(s.Mode),
		Lim: int64(limit)})
	if err != nil {
		return nil, dbError(err, "list uf rates")
	}
	return ufRatesFromRows(rows), nil
}

func ufRatesFromRows(rows []ufdb.UfRate) []billing.UFRate {
	out := make([]billing.UFRate, len(rows))
	for i, r := range rows {
		out[i] = billing.UFRate{Scope: billing.Scope{MerchantID: r.MerchantID, Mode: billing.Mode(r.Mode)}, Date: r.Date,
			Value: r.Value, Source: r.Source, SetBy: r.SetBy, Created: fromMicros(r.Created), Updated: fromMicros(r.Updated)}
	}
	return out
}

// CreateUFWait inserts w.
func (t ufTx) CreateUFWait(ctx context.Context, w billing.UFWait) error {
	err := t.uf.CreateUFWait(ctx, ufdb.CreateUFWaitParams{InvoiceID: w.InvoiceID, MerchantID: w.Scope.MerchantID,
		Mode: string(w.Scope.Mode), Date: w.Date, Attempts: w.Attempts, NextAttemptAt: micros(w.NextAttemptAt), Created: micros(w.Created)})
	if err != nil {
		return dbError(err, "create uf wait of %s", w.InvoiceID)
	}
	return nil
}

// GetUFWait returns an invoice's wait.
func (t ufTx) GetUFWait(ctx context.Context, s billing.Scope, invoiceID string) (billing.UFWait, error) {
	r, err := t.uf.GetUFWait(ctx, ufdb.GetUFWaitParams{InvoiceID: invoiceID, MerchantID: s.MerchantID, Mode: string(s.Mode)})
	if err != nil {
		return billing.UFWait{}, dbError(err, "get uf wait of %s", invoiceID)
	}
	return ufWaitFromRow(r), nil
}

// DueUFWaits returns the waits due at or before `before`.
func (t ufTx) DueUFWaits(ctx context.Context, before time.Time, limit int) ([]billing.UFWait, error) {
	rows, err := t.uf.DueUFWaits(ctx, ufdb.DueUFWaitsParams{Before: micros(before), Lim: int64(limit)})
	if err != nil {
		return nil, dbError(err, "due uf waits")
	}
	out := make([]billing.UFWait, len(rows))
	for i, r := range rows {
		out[i] = ufWaitFromRow(r)
	}
	return out, nil
}

func ufWaitFromRow(r ufdb.UfWait) billing.UFWait {
	return billing.UFWait{Scope: billing.Scope{MerchantID: r.MerchantID, Mode: billing.Mode(r.Mode)}, InvoiceID: r.InvoiceID,
		Date: r.Date, Attempts: r.Attempts, NextAttemptAt: fromMicros(r.NextAttemptAt), Created: fromMicros(r.Created)}
}

// UpdateUFWait writes w's attempts and next attempt.
func (t ufTx) UpdateUFWait(ctx context.Context, w billing.UFWait) error {
	n, err := t.uf.UpdateUFWait(ctx, ufdb.UpdateUFWaitParams{Attempts: w.Attempts, NextAttemptAt: micros(w.NextAttemptAt),
		InvoiceID: w.InvoiceID, MerchantID: w.Scope.MerchantID, Mode: string(w.Scope.Mode)})
	return notFoundIfNone(n, err, "update uf wait of %s", w.InvoiceID)
}

// DeleteUFWait removes an invoice's wait.
func (t ufTx) DeleteUFWait(ctx context.Context, s billing.Scope, invoiceID string) error {
	err := t.uf.DeleteUFWait(ctx, ufdb.DeleteUFWaitParams{InvoiceID: invoiceID, MerchantID: s.MerchantID, Mode: string(s.Mode)})
	if err != nil {
		return dbError(err, "delete uf wait of %s", invoiceID)
	}
	return nil
}

// HurryUFWaits moves s's waits for date to at.
func (t ufTx) HurryUFWaits(ctx context.Context, s billing.Scope, date string, at time.Time) error {
	err := t.uf.HurryUFWaits(ctx, ufdb.HurryUFWaitsParams{At: micros(at), MerchantID: s.MerchantID, Mode: string(s.Mode), Date: date})
	if err != nil {
		return dbError(err, "hurry uf waits of %s", date)
	}
	return nil
}

// CountUFWaits counts s's waits for date.
func (t ufTx) CountUFWaits(ctx context.Context, s billing.Scope, date string) (int64, error) {
	n, err := t.uf.CountUFWaits(ctx, ufdb.CountUFWaitsParams{MerchantID: s.MerchantID, Mode: string(s.Mode), Date: date})
	if err != nil {
		return 0, dbError(err, "count uf waits of %s", date)
	}
	return n, nil
}
