package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/cuota/cuota/internal/billing"
)

// UF-indexed prices (docs/uf.md). billing decides the conversion (uf.go);
// this file finds the day's value — in the store, else from the source
// port, outside any transaction — and makes an invoice whose value is
// unknown wait as a draft, finalized by RetryUFWaits once the value is
// known. A value is never guessed.

// UFSource is the official source of the UF's daily value (adapter:
// cmf.Client, the CMF's API).
type UFSource interface {
	// UFRate returns the UF's value on date (YYYY-MM-DD) in centavos;
	// found is false when the source has no value for that day (not
	// published yet). An error means the source could not be asked.
	UFRate(ctx context.Context, date string) (value int64, found bool, err error)
}

// ufMissing is the error of a transaction that needs the UF value of date
// in scope and found none stored: its caller asks the source outside the
// transaction and runs it again (withUFRate), or the invoice waits.
type ufMissing struct {
	scope billing.Scope
	date  string
}

func (e *ufMissing) Error() string { return "no UF value for " + e.date }

// ufWaitKey marks a context whose transaction, on a missing UF value,
// leaves the invoice waiting rather than failing (the source was asked).
type ufWaitKey struct{}

// ufRate returns the value of date scope s uses (billing.PickUFRate).
func ufRate(ctx context.Context, tx billing.Tx, s billing.Scope, date string) (billing.UFRate, bool, error) {
	rates, err := tx.UF.UFRatesOn(ctx, s, date)
	if err != nil {
		return billing.UFRate{}, false, fmt.Errorf("read uf rates of %s: %w", date, err)
	}
	r, ok := billing.PickUFRate(s, rates)
	return r, ok, nil
}

// convertUF converts inv's UF lines at the value of the invoice's day in
// m's time zone and totals its lines again. With no value stored it
// returns *ufMissing and changes nothing.
func (a *Invoicing) convertUF(ctx context.Context, tx billing.Tx, m billing.Merchant, inv *billing.Invoice) error {
	if !billing.NeedsUFRate(inv.Lines) {
		return nil
	}
	date := billing.UFDate(inv.Created, merchantLocation(m))
	r, ok, err := ufRate(ctx, tx, inv.Scope, date)
	if err != nil {
		return err
	}
	if !ok {
		return &ufMissing{scope: inv.Scope, date: date}
	}
	return convertLinesAt(inv, r)
}

// convertLinesAt converts inv's lines at r and totals them again.
func convertLinesAt(inv *billing.Invoice, r billing.UFRate) error {
	if _, err := billing.ConvertUFLines(inv.Lines, r); err != nil {
		return err
	}
	inv.Subtotal = 0
	for _, l := range inv.Lines {
		inv.Subtotal += l.Amount
	}
	return nil
}

// convertLines converts lines made at `at` (a plan change's) at the value
// of at's day in m's time zone, or returns *ufMissing.
func convertLines(ctx context.Context, tx billing.Tx, m billing.Merchant, s billing.Scope, lines []billing.InvoiceLine, at time.Time) error {
	if !billing.NeedsUFRate(lines) {
		return nil
	}
	date := billing.UFDate(at, merchantLocation(m))
	r, ok, err := ufRate(ctx, tx, s, date)
	if err != nil {
		return err
	}
	if !ok {
		return &ufMissing{scope: s, date: date}
	}
	_, err = billing.ConvertUFLines(lines, r)
	return err
}

// markUFProration makes l, made from the proration line p on the period
// [start, end), a UF line when its price is a UF item of items.
func markUFProration(l *billing.InvoiceLine, p billing.ProrationLine, start, end time.Time, items ...[]billing.SubscriptionItem) {
	for _, list := range items {
		for _, it := range list {
			if it.PriceID == p.PriceID && it.Currency == billing.CurrencyUF {
				billing.UFProrationLine(l, p, it.UnitAmount*p.Quantity, start, end)
				return
			}
		}
	}
}

// hasUFItems reports whether any of items is of a UF price.
func hasUFItems(items []billing.SubscriptionItem) bool {
	for _, it := range items {
		if it.Currency == billing.CurrencyUF {
			return true
		}
	}
	return false
}

// withUFRate runs fn, a use case's transaction; when it lacks a UF value
// it asks the source for it (outside the transaction) and runs fn once
// more. Still none: 409 uf_rate_unavailable, and nothing was written.
func (a *core) withUFRate(ctx context.Context, fn func() error) error {
	err := fn()
	var miss *ufMissing
	if !errors.As(err, &miss) {
		return err
	}
	if !a.fetchUF(ctx, miss.scope, miss.date) {
		return ufUnavailable(miss.date)
	}
	err = fn()
	if errors.As(err, &miss) {
		return ufUnavailable(miss.date)
	}
	return err
}

func ufUnavailable(date string) error {
	return billing.Errorf(billing.KindConflict, billing.CodeUFRateUnavailable,
		"there is no UF value for %s yet: set it with PUT /v1/uf_rates/%s and try again", date, date)
}

// fetchUF asks the source for date's value and stores it (for every
// merchant: it is the official one). It reports whether scope s now has a
// value for date; a source that fails is logged, never guessed around.
func (a *core) fetchUF(ctx context.Context, s billing.Scope, date string) bool {
	if a.ports.UF == nil {
		return false
	}
	v, found, err := a.ports.UF.UFRate(ctx, date)
	if err != nil {
		a.logger.WarnContext(ctx, "the UF source did not answer", "date", date, "err", err)
		return false
	}
	if !found {
		a.logger.InfoContext(ctx, "the UF source has no value for the day", "date", date)
		return false
	}
	now := a.Now()
	err = a.store.InTx(ctx, func(tx billing.Tx) error {
		if _, ok, err := ufRate(ctx, tx, billing.Scope{}, date); err != nil || ok {
			return err // a fetched value never replaces one stored
		}
		return tx.UF.PutUFRate(ctx, billing.UFRate{Date: date, Value: v, Source: billing.UFSourceCMF, Created: now, Updated: now})
	})
	if err != nil {
		a.logger.ErrorContext(ctx, "store a fetched UF value", "date", date, "err", err)
		return false
	}
	return true
}

// waitForUF writes inv, whose UF value for date is unknown, as a draft
// waiting for it: unpriced (its UF lines have no pesos yet), with its
// invoice.created event and the wait RetryUFWaits works on, first retried
// at once (its first attempt asks the source).
func (a *Invoicing) waitForUF(ctx context.Context, tx billing.Tx, inv billing.Invoice, date string, now time.Time) (billing.Invoice, error) {
	if err := tx.Invoices.CreateInvoice(ctx, inv); err != nil {
		var uv *billing.ErrUniqueViolation
		if errors.As(err, &uv) && uv.Constraint == "invoices_subscription_period_key" {
			return inv, errAlreadyInvoiced
		}
		return inv, fmt.Errorf("create invoice: %w", err)
	}
	if err := tx.UF.CreateUFWait(ctx, billing.UFWait{Scope: inv.Scope, InvoiceID: inv.ID, Date: date,
		NextAttemptAt: a.Now(), Created: a.Now()}); err != nil {
		return inv, fmt.Errorf("record uf wait of %s: %w", inv.ID, err)
	}
	a.logger.WarnContext(ctx, "invoice waits for the UF value", "merchant", inv.Scope.MerchantID, "invoice", inv.ID, "date", date)
	return inv, a.emit(ctx, tx, inv.Scope, EventInvoiceCreated, "invoice", inv.ID, inv, now)
}

// auditUFRates records, with a finalized invoice, the UF values its lines
// were converted at (docs/uf.md: the audit log keeps the rate used).
func (a *Invoicing) auditUFRates(ctx context.Context, tx billing.Tx, inv billing.Invoice) error {
	type used struct {
		Line     string `json:"line"`
		UF       int64  `json:"uf"`
		Rate     string `json:"rate"`
		RateDate string `json:"rate_date"`
		CLP      int64  `json:"clp"`
	}
	var rates []used
	for _, l := range inv.Lines {
		if l.UF != nil && l.UF.Converted() {
			rates = append(rates, used{Line: l.ID, UF: l.UF.Amount, Rate: billing.FormatUFValue(l.UF.Rate), RateDate: l.UF.RateDate, CLP: l.Amount})
		}
	}
	if len(rates) == 0 {
		return nil
	}
	return a.audit(ctx, tx, change{merchantID: inv.Scope.MerchantID, mode: inv.Scope.Mode, action: "invoice.uf_rate",
		objectType: "invoice", objectID: inv.ID, after: map[string]any{"invoice": inv.ID, "uf_rates": rates}})
}

// ufRetryBatch bounds the waits one RetryUFWaits call works on.
const ufRetryBatch = 100

// RetryUFWaits tries again the invoices waiting for their UF value whose
// next attempt is due: it asks the source for the values the store lacks
// (outside any transaction) and finalizes and charges each invoice whose
// value is now known; the others wait on (billing.UFRetryDelay). A day
// whose value is still missing raises its uf_rate_missing alert once per
// run and scope, however many invoices wait for it (docs/alerts.md: one
// alert per day, its count the runs that found the day still missing).
// It returns how many invoices it finalized. The periodic job
// retry_uf_invoices calls it.
func (a *Invoicing) RetryUFWaits(ctx context.Context) (int, error) {
	var waits []billing.UFWait
	err := a.store.Read(ctx, func(tx billing.Tx) error {
		var err error
		waits, err = tx.UF.DueUFWaits(ctx, a.Now(), ufRetryBatch)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("read due uf waits: %w", err)
	}
	type day struct {
		scope billing.Scope
		date  string
	}
	asked := map[day]bool{}
	var missing []day // the days still without a value, in the order met
	done := 0
	for _, w := range waits {
		key := day{w.Scope, w.Date}
		if !asked[key] {
			asked[key] = true
			var known bool
			if err := a.store.Read(ctx, func(tx billing.Tx) error {
				_, ok, err := ufRate(ctx, tx, w.Scope, w.Date)
				known = ok
				return err
			}); err != nil {
				return done, err
			}
			if !known {
				a.fetchUF(ctx, w.Scope, w.Date)
			}
		}
		finalized, still, err := a.finishUFWait(ctx, w)
		if err != nil {
			return done, err
		}
		if finalized {
			done++
		}
		if still && !slices.Contains(missing, key) {
			missing = append(missing, key)
		}
	}
	for _, d := range missing {
		if err := a.raiseUFAlert(ctx, d.scope, d.date); err != nil {
			return done, err
		}
	}
	return done, nil
}

// raiseUFAlert raises scope s's uf_rate_missing alert for date, counting
// the invoices that wait for it, unless none waits any more (the value
// arrived meanwhile).
func (a *Invoicing) raiseUFAlert(ctx context.Context, s billing.Scope, date string) error {
	return a.store.InTx(ctx, func(tx billing.Tx) error {
		n, err := tx.UF.CountUFWaits(ctx, s, date)
		if err != nil || n == 0 {
			return err
		}
		_, err = a.raiseAlert(ctx, tx, s, billing.UFRateMissingAlert(date, int(n)))
		return err
	})
}

// finishUFWait finalizes w's invoice if its value is known, or records
// another attempt. It reports whether the invoice was finalized, and
// whether it still waits for its value (its day's alert is then the
// caller's to raise, once for the day).
func (a *Invoicing) finishUFWait(ctx context.Context, w billing.UFWait) (finalized, waits bool, err error) {
	var pay *billing.Payment
	err = a.store.InTx(ctx, func(tx billing.Tx) error {
		pay, finalized, waits = nil, false, false
		cur, err := tx.UF.GetUFWait(ctx, w.Scope, w.InvoiceID)
		if errors.Is(err, billing.ErrNotFound) {
			return nil // finished meanwhile
		}
		if err != nil {
			return err
		}
		inv, err := tx.Invoices.GetInvoice(ctx, w.Scope, w.InvoiceID)
		if err != nil {
			return fmt.Errorf("read invoice %s: %w", w.InvoiceID, err)
		}
		if inv.Status != billing.InvoiceDraft {
			// Voided while it waited: nothing is left to finish.
			if err := tx.UF.DeleteUFWait(ctx, w.Scope, w.InvoiceID); err != nil {
				return fmt.Errorf("delete uf wait of %s: %w", w.InvoiceID, err)
			}
			return a.resolveUFAlert(ctx, tx, w.Scope, w.Date)
		}
		r, ok, err := ufRate(ctx, tx, w.Scope, w.Date)
		if err != nil {
			return err
		}
		if !ok {
			cur.Attempts++
			cur.NextAttemptAt = a.Now().Add(billing.UFRetryDelay(cur.Attempts))
			if err := tx.UF.UpdateUFWait(ctx, cur); err != nil {
				return fmt.Errorf("update uf wait of %s: %w", cur.InvoiceID, err)
			}
			waits = true
			return nil
		}
		pay, err = a.finalizeWaiting(ctx, tx, cur, r)
		if err != nil {
			return err
		}
		finalized = true
		return a.resolveUFAlert(ctx, tx, w.Scope, w.Date)
	})
	if err != nil || pay == nil {
		return finalized, waits, err
	}
	return finalized, waits, a.collection.executePayment(ctx, w.Scope, pay.ID, false)
}

// resolveUFAlert resolves date's uf_rate_missing alert in s once no
// invoice waits for that day any more.
func (a *Invoicing) resolveUFAlert(ctx context.Context, tx billing.Tx, s billing.Scope, date string) error {
	n, err := tx.UF.CountUFWaits(ctx, s, date)
	if err != nil || n > 0 {
		return err
	}
	return a.resolveAlert(ctx, tx, s, billing.AlertUFRateMissing, billing.AlertObjectUFRate, date)
}

// finalizeWaiting converts, prices, finalizes and starts charging the
// waiting invoice of w at r, as a renewal would have (startCycle), and
// removes the wait. It returns the payment to make after the commit.
func (a *Invoicing) finalizeWaiting(ctx context.Context, tx billing.Tx, w billing.UFWait, r billing.UFRate) (*billing.Payment, error) {
	if err := tx.UF.DeleteUFWait(ctx, w.Scope, w.InvoiceID); err != nil {
		return nil, fmt.Errorf("delete uf wait of %s: %w", w.InvoiceID, err)
	}
	inv, err := tx.Invoices.GetInvoice(ctx, w.Scope, w.InvoiceID)
	if err != nil {
		return nil, fmt.Errorf("read invoice %s: %w", w.InvoiceID, err)
	}
	if inv.Status != billing.InvoiceDraft || inv.SubscriptionID == "" {
		return nil, nil // voided meanwhile: nothing to finish
	}
	sub, err := tx.Subscriptions.GetSubscription(ctx, w.Scope, inv.SubscriptionID)
	if err != nil {
		return nil, fmt.Errorf("read subscription %s: %w", inv.SubscriptionID, err)
	}
	m, err := tx.Merchants.GetMerchant(ctx, w.Scope.MerchantID)
	if err != nil {
		return nil, fmt.Errorf("read merchant: %w", err)
	}
	now, err := a.clockNow(ctx, tx, w.Scope, sub.TestClockID)
	if err != nil {
		return nil, err
	}
	if err := convertLinesAt(&inv, r); err != nil {
		return nil, err
	}
	before := sub
	change, err := a.priceForCustomer(ctx, tx, m, &sub, &inv)
	if err != nil {
		return nil, err
	}
	inv.Updated = now
	if err := a.recordBalanceUse(ctx, tx, inv, change, now); err != nil {
		return nil, err
	}
	if err := openInvoice(&inv, now); err != nil {
		return nil, err
	}
	if err := a.numberInvoice(ctx, tx, m, &inv, nil, now); err != nil {
		return nil, err
	}
	var pay *billing.Payment
	if sub.Status != billing.SubscriptionUnpaid && !sub.Status.Terminal() && sub.PaymentMethodID != "" {
		if pay, err = a.startPayment(ctx, tx, &inv, &sub, now); err != nil {
			return nil, err
		}
	}
	open, err := a.collection.openInvoices(ctx, tx, &sub)
	if err != nil {
		return nil, err
	}
	sub.NextActionAt = nextAction(sub, open)
	return pay, a.saveSubscription(ctx, tx, &before, &sub, "", now)
}

// ufWaiting reports whether ctx lets a missing UF value leave the invoice
// waiting (see ufWaitKey).
func ufWaiting(ctx context.Context) bool {
	v, _ := ctx.Value(ufWaitKey{}).(bool)
	return v
}

// withUFWait fills in inv.Waiting when inv is a draft waiting for its UF
// value.
func withUFWait(ctx context.Context, tx billing.Tx, inv *billing.Invoice) error {
	if inv.Status != billing.InvoiceDraft || !billing.NeedsUFRate(inv.Lines) {
		return nil
	}
	w, err := tx.UF.GetUFWait(ctx, inv.Scope, inv.ID)
	if errors.Is(err, billing.ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read uf wait of %s: %w", inv.ID, err)
	}
	inv.Waiting = &w
	return nil
}

// estimateUF converts inv's UF lines for an estimate shown before the
// invoice exists (the portal's next invoice, the trial's reminder): at
// its day's value when known, else at the latest known before it. The
// invoice itself is always converted at its own day's value (convertUF);
// with no value at all the lines stay without pesos.
func (a *Invoicing) estimateUF(ctx context.Context, tx billing.Tx, m billing.Merchant, inv *billing.Invoice) error {
	if !billing.NeedsUFRate(inv.Lines) {
		return nil
	}
	date := billing.UFDate(inv.Created, merchantLocation(m))
	rows, err := tx.UF.ListUFRates(ctx, inv.Scope, date+"~", 2) // "~" sorts after the day: the day itself counts
	if err != nil || len(rows) == 0 {
		return err
	}
	day := rows
	if len(rows) == 2 && rows[1].Date != rows[0].Date {
		day = rows[:1]
	}
	r, _ := billing.PickUFRate(inv.Scope, day)
	return convertLinesAt(inv, r)
}

// mixesUF reports whether a change's items, old and new together, mix UF
// and peso items: their totals are then not in one unit.
func mixesUF(old, new []billing.SubscriptionItem) bool {
	uf, pesos := false, false
	for _, it := range append(slices.Clip(old), new...) {
		if it.Currency == billing.CurrencyUF {
			uf = true
		} else {
			pesos = true
		}
	}
	return uf && pesos
}

// pesoTotals are the per-period totals of old and new in pesos, UF items
// converted at the value of at's day (billing.ItemsTotalPesos), for
// IsUpgrade to compare; *ufMissing without a value.
func pesoTotals(ctx context.Context, tx billing.Tx, m billing.Merchant, s billing.Scope, old, new []billing.SubscriptionItem, at time.Time) (int64, int64, error) {
	date := billing.UFDate(at, merchantLocation(m))
	r, ok, err := ufRate(ctx, tx, s, date)
	if err != nil {
		return 0, 0, err
	}
	if !ok {
		return 0, 0, &ufMissing{scope: s, date: date}
	}
	total := func(items []billing.SubscriptionItem) (int64, error) {
		var pesos, uf []billing.ProrationItem
		for _, it := range items {
			p := billing.ProrationItem{PriceID: it.PriceID, UnitAmount: it.UnitAmount, Quantity: it.Quantity}
			if it.Currency == billing.CurrencyUF {
				uf = append(uf, p)
			} else {
				pesos = append(pesos, p)
			}
		}
		return billing.ItemsTotalPesos(pesos, uf, r.Value)
	}
	o, err := total(old)
	if err != nil {
		return 0, 0, err
	}
	n, err := total(new)
	return o, n, err
}
