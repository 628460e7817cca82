package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cuota/cuota/internal/billing"
)

// KeepClosedMonths keeps, for every merchant, mode and currency with MRR
// records, the months of a 12-month report at now that a report may keep
// and none has kept yet (docs/analytics.md, "Closed months are kept"), so
// that the first overview of a month does not rebuild the year from the
// records. A scope whose months are kept costs two index reads. It
// returns how many series it computed.
func (a *Analytics) KeepClosedMonths(ctx context.Context) (int, error) {
	var merchants []billing.Merchant
	err := a.store.InTx(ctx, func(tx billing.Tx) error {
		var err error
		merchants, err = tx.Merchants.ListMerchants(ctx)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("keep closed months: %w", err)
	}
	computed := 0
	var errs []error
	for _, m := range merchants {
		for _, mode := range []billing.Mode{billing.ModeTest, billing.ModeLive} {
			n, err := a.keepScopeMonths(ctx, m, billing.Scope{MerchantID: m.ID, Mode: mode})
			computed += n
			if err != nil {
				if ctx.Err() != nil {
					return computed, err
				}
				a.logger.ErrorContext(ctx, "keeping closed MRR months failed; the next run tries again", "merchant", m.ID, "mode", mode, "error", err)
				errs = append(errs, fmt.Errorf("keep closed months of %s/%s: %w", m.ID, mode, err))
			}
		}
	}
	return computed, errors.Join(errs...)
}

// keepScopeMonths keeps the closed months of each of the scope's
// currencies, each in its own transaction.
func (a *Analytics) keepScopeMonths(ctx context.Context, m billing.Merchant, s billing.Scope) (int, error) {
	var currencies []string
	err := a.store.InTx(ctx, func(tx billing.Tx) error {
		var err error
		currencies, err = tx.Analytics.MRRCurrencies(ctx, s)
		return err
	})
	if err != nil {
		return 0, err
	}
	computed := 0
	for _, currency := range currencies {
		err := a.store.InTx(ctx, func(tx billing.Tx) error {
			now := a.Now()
			bounds := billing.MonthBounds(now, merchantLocation(m), 12)
			done, err := a.monthsKept(ctx, tx, s, currency, bounds, now)
			if err != nil || done {
				return err
			}
			full, err := a.readMRRSeries(ctx, tx, s, currency, bounds)
			if err != nil {
				return err
			}
			if _, err = a.seriesPeriods(ctx, tx, s, currency, bounds, full); err == nil {
				computed++
			}
			return err
		})
		if err != nil {
			return computed, err
		}
	}
	return computed, nil
}

// monthsKept reports whether every month of bounds that a report may keep
// at now is kept already.
func (a *Analytics) monthsKept(ctx context.Context, tx billing.Tx, s billing.Scope, currency string, bounds []time.Time, now time.Time) (bool, error) {
	_, prefix, _, err := a.readKept(ctx, tx, s, currency, bounds)
	return err == nil && !billing.MRRPeriodKeepable(bounds, len(prefix), now), err
}
