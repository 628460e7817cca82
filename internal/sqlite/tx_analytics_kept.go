package sqlite

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/sqlite/litedb/analyticsdb"
)

// MRREpoch returns the scope's epoch (0 when it never moved).
func (t analyticsTx) MRREpoch(ctx context.Context, s billing.Scope) (int64, error) {
	rows, err := t.q().MRREpoch(ctx, analyticsdb.MRREpochParams{MerchantID: s.MerchantID, Mode: string(s.Mode)})
	if err != nil {
		return 0, dbError(err, "mrr epoch")
	}
	if len(rows) == 0 {
		return 0, nil
	}
	return rows[0], nil
}

// BumpMRREpoch moves the scope's epoch on and forgets the months kept
// before.
func (t analyticsTx) BumpMRREpoch(ctx context.Context, s billing.Scope) error {
	return t.writeAnalytics(ctx, "move the mrr epoch", func(q *analyticsdb.Queries) error {
		epoch, err := q.BumpMRREpoch(ctx, analyticsdb.BumpMRREpochParams{MerchantID: s.MerchantID, Mode: string(s.Mode)})
		if err != nil {
			return err
		}
		return q.DeleteMRRMonthsBefore(ctx, analyticsdb.DeleteMRRMonthsBeforeParams{MerchantID: s.MerchantID,
			Mode: string(s.Mode), Epoch: epoch})
	})
}

// KeptMRRMonths returns the periods kept in epoch within [from, to].
func (t analyticsTx) KeptMRRMonths(ctx context.Context, s billing.Scope, currency string, epoch int64, from, to time.Time) ([]billing.MRRPeriod, error) {
	rows, err := t.q().KeptMRRMonths(ctx, analyticsdb.KeptMRRMonthsParams{MerchantID: s.MerchantID, Mode: string(s.Mode),
		Currency: currency, Epoch: epoch, FromAt: micros(from), ToAt: micros(to)})
	if err != nil {
		return nil, dbError(err, "kept mrr months")
	}
	out := make([]billing.MRRPeriod, 0, len(rows))
	for _, r := range rows {
		var p billing.MRRPeriod
		if err := json.Unmarshal([]byte(r.Figures), &p); err != nil {
			return nil, fmt.Errorf("kept mrr month %s: %w", fromMicros(r.PeriodStart), err)
		}
		p.Start, p.End = fromMicros(r.PeriodStart), fromMicros(r.PeriodEnd)
		out = append(out, p)
	}
	return out, nil
}

// KeepMRRMonths keeps periods in epoch; one kept already stays.
func (t analyticsTx) KeepMRRMonths(ctx context.Context, s billing.Scope, currency string, epoch int64, periods []billing.MRRPeriod, now time.Time) error {
	return t.writeAnalytics(ctx, "keep mrr months", func(q *analyticsdb.Queries) error {
		for _, p := range periods {
			figures, err := json.Marshal(p)
			if err != nil {
				return err
			}
			if err := q.KeepMRRMonth(ctx, analyticsdb.KeepMRRMonthParams{MerchantID: s.MerchantID, Mode: string(s.Mode),
				Currency: currency, PeriodStart: micros(p.Start), PeriodEnd: micros(p.End), Epoch: epoch, Figures: string(figures),
				Created: micros(now)}); err != nil {
				return err
			}
		}
		return nil
	})
}

// MRRCurrencies returns the currencies of the scope's records.
func (t analyticsTx) MRRCurrencies(ctx context.Context, s billing.Scope) ([]string, error) {
	out, err := t.q().MRRCurrencies(ctx, analyticsdb.MRRCurrenciesParams{MerchantID: s.MerchantID, Mode: string(s.Mode)})
	if err != nil {
		return nil, dbError(err, "mrr currencies")
	}
	return out, nil
}
