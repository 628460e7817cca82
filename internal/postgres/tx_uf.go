package postgres

import (
	"context"
	"time"

	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/postgres/pgdb/ufdb"
)

// ufTx is the billing.UFTx of one transaction.
type ufTx struct{ *base }

var _ billing.UFTx = ufTx{}

// writeUF is write with the uf group's queries on the savepoint.
func (t ufTx) writeUF(ctx context.Context, op string, fn func(q *ufdb.Queries) error) error {
	return t.write(ctx, op, func(db dbtx) error { return fn(ufdb.New(db)) })
}

// PutUFRate creates or replaces r's row.
func (t ufTx) PutUFRate(ctx context.Context, r billing.UFRate) error {
	return t.writeUF(ctx, "put uf rate of "+r.Date, func(q *ufdb.Queries) error {
		return q.PutUFRate(ctx, ufdb.PutUFRateParams{Date: r.Date, MerchantID: r.Scope.MerchantID, Mode: string(r.Scope.Mode),
			Value: r.Value, Source: r.Source, SetBy: r.SetBy, Created: ts(r.Created), Updated: ts(r.Updated)})
	})
}

// UFRatesOn returns the values of date s may use.
func (t ufTx) UFRatesOn(ctx context.Context, s billing.Scope, date string) ([]billing.UFRate, error) {
	rows, err := t.uf.UFRatesOn(ctx, ufdb.UFRatesOnParams{Date: date, MerchantID: s.MerchantID, Mode: string(s.Mode)})
	if err != nil {
		return nil, dbError("uf rates of "+date, err)
	}
	return ufRatesFromRows(rows), nil
}

// ListUFRates returns s's values and the fetched ones before `before`.
func (t ufTx) ListUFRates(ctx context.Context, s billing.Scope, before string, limit int) ([]billing.UFRate, error) {
	rows, err := t.uf.ListUFRates(ctx, ufdb.ListUFRatesParams{Before: before, MerchantID: s.MerchantID, Mode: string(s.Mode),
		Lim: int32(limit)})
	if err != nil {
		return nil, dbError("list uf rates", err)
	}
	return ufRatesFromRows(rows), nil
}

func ufRatesFromRows(rows []ufdb.UfRate) []billing.UFRate {
	out := make([]billing.UFRate, len(rows))
	for i, r := range rows {
		out[i] = billing.UFRate{Scope: billing.Scope{MerchantID: r.MerchantID, Mode: billing.Mode(r.Mode)}, Date: r.Date,
			Value: r.Value, Source: r.Source, SetBy: r.SetBy, Created: r.Created.UTC(), Updated: r.Updated.UTC()}
	}
	return out
}

// CreateUFWait inserts w.
func (t ufTx) CreateUFWait(ctx context.Context, w billing.UFWait) error {
	return t.writeUF(ctx, "create uf wait of "+w.InvoiceID, func(q *ufdb.Queries) error {
		return q.CreateUFWait(ctx, ufdb.CreateUFWaitParams{InvoiceID: w.InvoiceID, MerchantID: w.Scope.MerchantID,
			Mode: string(w.Scope.Mode), Date: w.Date, Attempts: w.Attempts, NextAttemptAt: ts(w.NextAttemptAt), Created: ts(w.Created)})
	})
}

// GetUFWait returns an invoice's wait.
func (t ufTx) GetUFWait(ctx context.Context, s billing.Scope, invoiceID string) (billing.UFWait, error) {
	r, err := t.uf.GetUFWait(ctx, ufdb.GetUFWaitParams{InvoiceID: invoiceID, MerchantID: s.MerchantID, Mode: string(s.Mode)})
	if err != nil {
		return billing.UFWait{}, dbError("get uf wait of "+invoiceID, err)
	}
	return ufWaitFromRow(r), nil
}

// DueUFWaits returns the waits due at or before `before`.
func (t ufTx) DueUFWaits(ctx context.Context, before time.Time, limit int) ([]billing.UFWait, error) {
	rows, err := t.uf.DueUFWaits(ctx, ufdb.DueUFWaitsParams{Before: ts(before), Lim: int32(limit)})
	if err != nil {
		return nil, dbError("due uf waits", err)
	}
	out := make([]billing.UFWait, len(rows))
	for i, r := range rows {
		out[i] = ufWaitFromRow(r)
	}
	return out, nil
}

func ufWaitFromRow(r ufdb.UfWait) billing.UFWait {
	return billing.UFWait{Scope: billing.Scope{MerchantID: r.MerchantID, Mode: billing.Mode(r.Mode)}, InvoiceID: r.InvoiceID,
		Date: r.Date, Attempts: r.Attempts, NextAttemptAt: r.NextAttemptAt.UTC(), Created: r.Created.UTC()}
}

// UpdateUFWait writes w's attempts and next attempt.
func (t ufTx) UpdateUFWait(ctx context.Context, w billing.UFWait) error {
	return t.writeUF(ctx, "update uf wait of "+w.InvoiceID, func(q *ufdb.Queries) error {
		return updated(q.UpdateUFWait(ctx, ufdb.UpdateUFWaitParams{Attempts: w.Attempts, NextAttemptAt: ts(w.NextAttemptAt),
			InvoiceID: w.InvoiceID, MerchantID: w.Scope.MerchantID, Mode: string(w.Scope.Mode)}))
	})
}

// DeleteUFWait removes an invoice's wait.
func (t ufTx) DeleteUFWait(ctx context.Context, s billing.Scope, invoiceID string) error {
	return t.writeUF(ctx, "delete uf wait of "+invoiceID, func(q *ufdb.Queries) error {
		return q.DeleteUFWait(ctx, ufdb.DeleteUFWaitParams{InvoiceID: invoiceID, MerchantID: s.MerchantID, Mode: string(s.Mode)})
	})
}

// HurryUFWaits moves s's waits for date to at.
func (t ufTx) HurryUFWaits(ctx context.Context, s billing.Scope, date string, at time.Time) error {
	return t.writeUF(ctx, "hurry uf waits of "+date, func(q *ufdb.Queries) error {
		return q.HurryUFWaits(ctx, ufdb.HurryUFWaitsParams{At: ts(at), MerchantID: s.MerchantID, Mode: string(s.Mode), Date: date})
	})
}

// CountUFWaits counts s's waits for date.
func (t ufTx) CountUFWaits(ctx context.Context, s billing.Scope, date string) (int64, error) {
	n, err := t.uf.CountUFWaits(ctx, ufdb.CountUFWaitsParams{MerchantID: s.MerchantID, Mode: string(s.Mode), Date: date})
	if err != nil {
		return 0, dbError("count uf waits of "+date, err)
	}
	return n, nil
}
