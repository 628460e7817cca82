package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/postgres/pgdb/lifecycledb"
)

// subscriptionTx is the billing.SubscriptionTx of one transaction.
type subscriptionTx struct{ *base }

var _ billing.SubscriptionTx = subscriptionTx{}

// CreateSubscription inserts sub with version 1, whatever sub.Version says.
func (t subscriptionTx) CreateSubscription(ctx context.Context, sub billing.Subscription) error {
	cols, err := subscriptionJSON(sub)
	if err != nil {
		return fmt.Errorf("postgres: create subscription %s: %w", sub.ID, err)
	}
	return t.writeLifecycle(ctx, "create subscription "+sub.ID, func(q *lifecycledb.Queries) error {
		return q.CreateSubscription(ctx, lifecycledb.CreateSubscriptionParams{
			ID:                   sub.ID,
			MerchantID:           sub.Scope.MerchantID,
			Mode:                 string(sub.Scope.Mode),
			CustomerID:           sub.CustomerID,
			TestClockID:          sub.TestClockID,
			Status:               string(sub.Status),
			Items:                cols.items,
			PriceIds:             cols.priceIDs,
			Currency:             sub.Currency,
			Interval:             sub.Recurring.Interval,
			IntervalCount:        sub.Recurring.IntervalCount,
			PaymentMethodID:      sub.PaymentMethodID,
			BillingAnchor:        ts(sub.BillingAnchor),
			CycleIndex:           sub.CycleIndex,
			CurrentPeriodStart:   ts(sub.CurrentPeriodStart),
			CurrentPeriodEnd:     ts(sub.CurrentPeriodEnd),
			TrialStart:           tsPtr(sub.TrialStart),
			TrialEnd:             tsPtr(sub.TrialEnd),
			TrialWillEndSent:     sub.TrialWillEndSent,
			CancelAtPeriodEnd:    sub.CancelAtPeriodEnd,
			CancelAt:             tsPtr(sub.CancelAt),
			CanceledAt:           tsPtr(sub.CanceledAt),
			CancellationReason:   string(sub.CancellationReason),
			EndedAt:              tsPtr(sub.EndedAt),
			MaxCycles:            sub.MaxCycles,
			EndDate:              tsPtr(sub.EndDate),
			PendingChange:        cols.pendingChange,
			PendingLines:         cols.pendingLines,
			CouponID:             sub.CouponID,
			PromotionCodeID:      sub.PromotionCodeID,
			DefaultTaxRates:      cols.defaultTaxRates,
			DiscountEnd:          tsPtr(sub.DiscountEnd),
			DiscountUsed:         sub.DiscountUsed,
			NextActionAt:         tsPtr(sub.NextActionAt),
			Metadata:             cols.metadata,
			Created:              ts(sub.Created),
			Updated:              ts(sub.Updated),
			CancellationFeedback: string(sub.CancellationFeedback),
			CancellationComment:  sub.CancellationComment,
		})
	})
}

// GetSubscription returns the subscription with id in scope s, with its
// stored version.
func (t subscriptionTx) GetSubscription(ctx context.Context, s billing.Scope, id string) (billing.Subscription, error) {
	row, err := t.lifecycle.GetSubscription(ctx, lifecycledb.GetSubscriptionParams{MerchantID: s.MerchantID, Mode: string(s.Mode), ID: id})
	if err != nil {
		return billing.Subscription{}, dbError("get subscription "+id, err)
	}
	sub, err := subscriptionFromRow(row)
	if err != nil {
		return billing.Subscription{}, fmt.Errorf("postgres: get subscription %s: %w", id, err)
	}
	return sub, nil
}

// UpdateSubscription writes every mutable field of sub and bumps the stored
// version, provided the stored version is still sub.Version. Otherwise it
// writes nothing and returns billing.ErrVersionConflict (wrapped) if the
// subscription exists in sub's scope, billing.ErrNotFound if it does not.
//
// Under READ COMMITTED a concurrent update of the same row makes this one
// wait for the other transaction; if that one commits, the version no
// longer matches and this one reports the conflict.
func (t subscriptionTx) UpdateSubscription(ctx context.Context, sub billing.Subscription) error {
	cols, err := subscriptionJSON(sub)
	if err != nil {
		return fmt.Errorf("postgres: update subscription %s: %w", sub.ID, err)
	}
	return t.writeLifecycle(ctx, "update subscription "+sub.ID, func(q *lifecycledb.Queries) error {
		n, err := q.UpdateSubscription(ctx, updateSubscriptionParams(sub, cols))
		if err != nil || n > 0 {
			return err
		}
		// Nothing matched: a missing row (ErrNoRows, mapped to
		// ErrNotFound) or a stale version.
		if _, err := q.GetSubscription(ctx, lifecycledb.GetSubscriptionParams{
			MerchantID: sub.Scope.MerchantID,
			Mode:       string(sub.Scope.Mode),
			ID:         sub.ID,
		}); err != nil {
			return err
		}
		return fmt.Errorf("version %d: %w", sub.Version, billing.ErrVersionConflict)
	})
}

// ListSubscriptions returns a page of scope s's subscriptions, newest
// first. The price filter matches subscriptions with an item of that price.
func (t subscriptionTx) ListSubscriptions(ctx context.Context, s billing.Scope, f billing.SubscriptionFilter, pg billing.Page) ([]billing.Subscription, bool, error) {
	// A filter on a key with its own index reads by that index (see the
	// query's comment); the list with every filter optional would scan
	// the merchant's whole scope.
	p := lifecycledb.ListSubscriptionsParams{
		MerchantID:    s.MerchantID,
		Mode:          string(s.Mode),
		CustomerID:    f.CustomerID,
		Status:        string(f.Status),
		PriceID:       f.PriceID,
		StartingAfter: pg.StartingAfter,
		RowLimit:      rowLimit(pg.Limit),
	}
	var rows []lifecycledb.Subscription
	var err error
	switch {
	case f.CustomerID != "":
		rows, err = t.lifecycle.ListSubscriptionsOfCustomer(ctx, lifecycledb.ListSubscriptionsOfCustomerParams(p))
	case f.Status != "":
		rows, err = t.lifecycle.ListSubscriptionsWithStatus(ctx, lifecycledb.ListSubscriptionsWithStatusParams{MerchantID: p.MerchantID,
			Mode: p.Mode, Status: p.Status, PriceID: p.PriceID, StartingAfter: p.StartingAfter, RowLimit: p.RowLimit})
	default:
		rows, err = t.lifecycle.ListSubscriptions(ctx, p)
	}
	if err != nil {
		return nil, false, dbError("list subscriptions", err)
	}
	rows, more := trimPage(rows, pg.Limit)
	out, err := convertRows(rows, subscriptionFromRow)
	if err != nil {
		return nil, false, fmt.Errorf("postgres: list subscriptions: %w", err)
	}
	return out, more, nil
}

// DueSubscriptions returns up to limit subscriptions on test clock clockID
// ("" = real time, in every merchant and mode) whose next action is at or
// before at, earliest first. A limit of zero or less means no limit.
func (t subscriptionTx) DueSubscriptions(ctx context.Context, clockID string, at time.Time, limit int) ([]billing.Subscription, error) {
	rows, err := t.lifecycle.DueSubscriptions(ctx, lifecycledb.DueSubscriptionsParams{
		TestClockID: clockID,
		DueBefore:   new(ts(at)),
		RowLimit:    maxRows(limit),
	})
	if err != nil {
		return nil, dbError("list due subscriptions", err)
	}
	out, err := convertRows(rows, subscriptionFromRow)
	if err != nil {
		return nil, fmt.Errorf("postgres: list due subscriptions: %w", err)
	}
	return out, nil
}

// ClaimTrial records that an identity used a trial. A second claim of the
// same identity in scope s is a *billing.ErrUniqueViolation
// "trial_redemptions_pkey".
func (t subscriptionTx) ClaimTrial(ctx context.Context, s billing.Scope, kind, value, subscriptionID string) error {
	return t.writeLifecycle(ctx, "claim trial by "+kind+" for subscription "+subscriptionID, func(q *lifecycledb.Queries) error {
		return q.ClaimTrial(ctx, lifecycledb.ClaimTrialParams{
			MerchantID:     s.MerchantID,
			Mode:           string(s.Mode),
			Kind:           kind,
			Value:          value,
			SubscriptionID: subscriptionID,
		})
	})
}

// ReleaseTrials forgets the trial claims of a subscription. Releasing a
// subscription without claims is not an error.
func (t subscriptionTx) ReleaseTrials(ctx context.Context, s billing.Scope, subscriptionID string) error {
	return t.writeLifecycle(ctx, "release trials of subscription "+subscriptionID, func(q *lifecycledb.Queries) error {
		return q.ReleaseTrials(ctx, lifecycledb.ReleaseTrialsParams{
			MerchantID:     s.MerchantID,
			Mode:           string(s.Mode),
			SubscriptionID: subscriptionID,
		})
	})
}

// subscriptionColumns are a subscription's fields stored as text.
type subscriptionColumns struct {
	items         string // JSON array, "[]" when empty
	priceIDs      string // ",price_a,price_b,", "," when empty
	pendingChange string // JSON object, "null" when none
	pendingLines  string // JSON array, "[]" when empty
	metadata      string // JSON object
	// defaultTaxRates is a JSON array of tax rate ids, "[]" when empty.
	defaultTaxRates string
}

func subscriptionJSON(sub billing.Subscription) (subscriptionColumns, error) {
	var cols subscriptionColumns
	items := sub.Items
	if items == nil {
		items = []billing.SubscriptionItem{}
	}
	b, err := json.Marshal(items)
	if err != nil {
		return cols, fmt.Errorf("encode items: %w", err)
	}
	cols.items = string(b)
	cols.priceIDs = priceIDs(sub.Items)

	cols.pendingChange = "null"
	if pc := sub.PendingChange; pc != nil {
		// The effective time is stored at the precision of the time
		// columns, so that it compares equal to the period it ends.
		b, err := json.Marshal(billing.PendingChange{Items: pc.Items, EffectiveAt: ts(pc.EffectiveAt)})
		if err != nil {
			return cols, fmt.Errorf("encode pending change: %w", err)
		}
		cols.pendingChange = string(b)
	}

	if cols.pendingLines, err = encodeLines(sub.PendingLines); err != nil {
		return cols, fmt.Errorf("encode pending lines: %w", err)
	}
	if cols.metadata, err = encodeMap(sub.Metadata); err != nil {
		return cols, fmt.Errorf("metadata: %w", err)
	}
	if cols.defaultTaxRates, err = encodeList(sub.DefaultTaxRates); err != nil {
		return cols, fmt.Errorf("default tax rates: %w", err)
	}
	return cols, nil
}

// priceIDs is the price_ids column: every item's price id between
// commas, so that LIKE '%,id,%' finds a price.
func priceIDs(items []billing.SubscriptionItem) string {
	var b strings.Builder
	b.WriteByte(',')
	for _, it := range items {
		b.WriteString(it.PriceID)
		b.WriteByte(',')
	}
	return b.String()
}

func subscriptionFromRow(r lifecycledb.Subscription) (billing.Subscription, error) {
	var items []billing.SubscriptionItem
	if err := json.Unmarshal([]byte(r.Items), &items); err != nil {
		return billing.Subscription{}, fmt.Errorf("subscription %s items: %w", r.ID, err)
	}
	if items == nil {
		items = []billing.SubscriptionItem{}
	}
	pendingLines := []billing.InvoiceLine{} // empty, never nil, like Items
	if err := json.Unmarshal([]byte(r.PendingLines), &pendingLines); err != nil {
		return billing.Subscription{}, fmt.Errorf("subscription %s pending lines: %w", r.ID, err)
	}
	var pending *billing.PendingChange
	if err := json.Unmarshal([]byte(r.PendingChange), &pending); err != nil {
		return billing.Subscription{}, fmt.Errorf("subscription %s pending change: %w", r.ID, err)
	}
	if pending != nil {
		pending.EffectiveAt = pending.EffectiveAt.UTC()
	}
	metadata, err := decodeMap[billing.Metadata](r.Metadata)
	if err != nil {
		return billing.Subscription{}, fmt.Errorf("subscription %s metadata: %w", r.ID, err)
	}
	defaultTaxRates, err := decodeList[string](r.DefaultTaxRates)
	if err != nil {
		return billing.Subscription{}, fmt.Errorf("subscription %s default tax rates: %w", r.ID, err)
	}
	return billing.Subscription{
		ID:                   r.ID,
		Scope:                billing.Scope{MerchantID: r.MerchantID, Mode: billing.Mode(r.Mode)},
		Version:              r.Version,
		CustomerID:           r.CustomerID,
		TestClockID:          r.TestClockID,
		Status:               billing.SubscriptionStatus(r.Status),
		Items:                items,
		Currency:             r.Currency,
		Recurring:            billing.Recurring{Interval: r.Interval, IntervalCount: r.IntervalCount},
		PaymentMethodID:      r.PaymentMethodID,
		BillingAnchor:        r.BillingAnchor.UTC(),
		CycleIndex:           r.CycleIndex,
		CurrentPeriodStart:   r.CurrentPeriodStart.UTC(),
		CurrentPeriodEnd:     r.CurrentPeriodEnd.UTC(),
		TrialStart:           utcPtr(r.TrialStart),
		TrialEnd:             utcPtr(r.TrialEnd),
		TrialWillEndSent:     r.TrialWillEndSent,
		CancelAtPeriodEnd:    r.CancelAtPeriodEnd,
		CancelAt:             utcPtr(r.CancelAt),
		CanceledAt:           utcPtr(r.CanceledAt),
		CancellationReason:   billing.CancellationReason(r.CancellationReason),
		EndedAt:              utcPtr(r.EndedAt),
		MaxCycles:            r.MaxCycles,
		EndDate:              utcPtr(r.EndDate),
		PendingChange:        pending,
		PendingLines:         pendingLines,
		CouponID:             r.CouponID,
		PromotionCodeID:      r.PromotionCodeID,
		DefaultTaxRates:      defaultTaxRates,
		DiscountEnd:          utcPtr(r.DiscountEnd),
		DiscountUsed:         r.DiscountUsed,
		NextActionAt:         utcPtr(r.NextActionAt),
		Metadata:             metadata,
		Created:              r.Created.UTC(),
		Updated:              r.Updated.UTC(),
		CancellationFeedback: billing.CancellationFeedback(r.CancellationFeedback),
		CancellationComment:  r.CancellationComment,
	}, nil
}
