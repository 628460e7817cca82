package app

import (
	"context"
	"fmt"

	"github.com/cuota/cuota/internal/billing"
)

// The UF values set by hand and read through the API (docs/uf.md,
// "Setting a value by hand"); uf.go converts invoices with them.

// SetUFRateParams set a day's UF value by hand.
type SetUFRateParams struct {
	Date  string // YYYY-MM-DD
	Value string // pesos with a decimal point and at most two decimals: "39485.65"
}

// SetUFRate sets scope s's UF value of a day by hand: it wins over the
// fetched one for s, is audited (with the value it replaced), and hurries
// s's invoices waiting for that day, which the next retry finalizes.
func (a *Invoicing) SetUFRate(ctx context.Context, s billing.Scope, p SetUFRateParams) (billing.UFRate, error) {
	date, err := billing.ParseUFDate("date", p.Date)
	if err != nil {
		return billing.UFRate{}, err
	}
	if p.Value == "" {
		return billing.UFRate{}, billing.Invalid("value", billing.CodeParameterMissing, "value is required")
	}
	v, err := billing.ParseUFValue("value", p.Value)
	if err != nil {
		return billing.UFRate{}, err
	}
	now := a.Now()
	r := billing.UFRate{Scope: s, Date: date, Value: v, Source: billing.UFSourceManual, SetBy: RequestInfoFrom(ctx).Actor,
		Created: now, Updated: now}
	err = a.store.InTx(ctx, func(tx billing.Tx) error {
		rates, err := tx.UF.UFRatesOn(ctx, s, date)
		if err != nil {
			return fmt.Errorf("read uf rates of %s: %w", date, err)
		}
		var before any
		for _, old := range rates {
			if old.Scope == s {
				r.Created, before = old.Created, ufRateObject(old)
			}
		}
		if err := tx.UF.PutUFRate(ctx, r); err != nil {
			return fmt.Errorf("put uf rate: %w", err)
		}
		if err := tx.UF.HurryUFWaits(ctx, s, date, now); err != nil {
			return err
		}
		return a.audit(ctx, tx, change{merchantID: s.MerchantID, mode: s.Mode, action: "uf_rate.set", objectType: "uf_rate",
			objectID: date, before: before, after: ufRateObject(r)})
	})
	return r, err
}

// ufRateObject is a UF value as the audit log keeps it.
func ufRateObject(r billing.UFRate) map[string]any {
	return map[string]any{"date": r.Date, "value": billing.FormatUFValue(r.Value), "source": r.Source, "set_by": r.SetBy}
}

// GetUFRate returns the UF value of date scope s uses: its own set by
// hand, else the fetched one; 404 when neither is stored.
func (a *Invoicing) GetUFRate(ctx context.Context, s billing.Scope, date string) (billing.UFRate, error) {
	d, err := billing.ParseUFDate("date", date)
	if err != nil {
		return billing.UFRate{}, err
	}
	return read(ctx, a.core, func(tx billing.Tx) (billing.UFRate, error) {
		r, ok, err := ufRate(ctx, tx, s, d)
		if err != nil {
			return r, err
		}
		if !ok {
			return r, billing.NotFound("uf_rate", d)
		}
		return r, nil
	})
}

// ListUFRates lists the UF values scope s uses, newest day first, the days
// before `before` (YYYY-MM-DD; "" from the newest), at most limit (1–100,
// default 10). A day with a value set by hand shows that one only.
func (a *Invoicing) ListUFRates(ctx context.Context, s billing.Scope, before string, limit int) (List[billing.UFRate], error) {
	if before == "" {
		before = "9999-12-31~" // after every date
	} else if _, err := billing.ParseUFDate("starting_after", before); err != nil {
		return List[billing.UFRate]{}, err
	}
	page, err := pageLimit(billing.Page{Limit: limit})
	if err != nil {
		return List[billing.UFRate]{}, err
	}
	return read(ctx, a.core, func(tx billing.Tx) (List[billing.UFRate], error) {
		// Twice the page: a day may have two rows (its own and the fetched).
		rows, err := tx.UF.ListUFRates(ctx, s, before, 2*page.Limit+1)
		if err != nil {
			return List[billing.UFRate]{}, err
		}
		var out List[billing.UFRate]
		for i := 0; i < len(rows); i++ {
			day := []billing.UFRate{rows[i]}
			for i+1 < len(rows) && rows[i+1].Date == rows[i].Date {
				i++
				day = append(day, rows[i])
			}
			r, _ := billing.PickUFRate(s, day)
			if len(out.Data) == page.Limit {
				out.HasMore = true
				break
			}
			out.Data = append(out.Data, r)
		}
		return out, nil
	})
}
