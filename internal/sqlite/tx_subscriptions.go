package sqlite

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/sqlite/litedb/lifecycledb"
)

// subscriptionTx is the billing.SubscriptionTx of one transaction.
type subscriptionTx struct{ *base }

var _ billing.SubscriptionTx = subscriptionTx{}

// Subscriptions.

// CreateSubscription inserts sub with version 1, whatever sub.Version says.
func (t subscriptionTx) CreateSubscription(ctx context.Context, sub billing.Subscription) error {
	cols, err := subscriptionJSON(sub)
	if err != nil {
		return fmt.Errorf("create subscription %s: %w", sub.ID, err)
	}
	err = t.lifecycle.CreateSubscription(ctx, lifecycledb.CreateSubscriptionParams{
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
		BillingAnchor:        micros(sub.BillingAnchor),
		CycleIndex:           sub.CycleIndex,
		CurrentPeriodStart:   micros(sub.CurrentPeriodStart),
		CurrentPeriodEnd:     micros(sub.CurrentPeriodEnd),
		TrialStart:           nullMicros(sub.TrialStart),
		TrialEnd:             nullMicros(sub.TrialEnd),
		TrialWillEndSent:     sub.TrialWillEndSent,
		CancelAtPeriodEnd:    sub.CancelAtPeriodEnd,
		CancelAt:             nullMicros(sub.CancelAt),
		CanceledAt:           nullMicros(sub.CanceledAt),
		CancellationReason:   string(sub.CancellationReason),
		EndedAt:              nullMicros(sub.EndedAt),
		MaxCycles:            sub.MaxCycles,
		EndDate:              nullMicros(sub.EndDate),
		PendingChange:        cols.pendingChange,
		PendingLines:         cols.pendingLines,
		CouponID:             sub.CouponID,
		PromotionCodeID:      sub.PromotionCodeID,
		DefaultTaxRates:      cols.defaultTaxRates,
		DiscountEnd:          nullMicros(sub.DiscountEnd),
		DiscountUsed:         sub.DiscountUsed,
		NextActionAt:         nullMicros(sub.NextActionAt),
		Metadata:             cols.metadata,
		Created:              micros(sub.Created),
		Updated:              micros(sub.Updated),
		CancellationFeedback: string(sub.CancellationFeedback),
		CancellationComment:  sub.CancellationComment,
	})
	if err != nil {
		return dbError(err, "create subscription %s", sub.ID)
	}
	return nil
}

// GetSubscription returns the subscription with id in scope s.
func (t subscriptionTx) GetSubscription(ctx context.Context, s billing.Scope, id string) (billing.Subscription, error) {
	row, err := t.lifecycle.GetSubscription(ctx, lifecycledb.GetSubscriptionParams{MerchantID: s.MerchantID, Mode: string(s.Mode), ID: id})
	if err != nil {
		return billing.Subscription{}, dbError(err, "get subscription %s", id)
	}
	return subscriptionFromRow(row)
}

// UpdateSubscription writes sub's mutable fields and bumps its version if
// the stored version is still sub.Version; otherwise it returns
// billing.ErrVersionConflict (or billing.ErrNotFound if there is no such
// subscription).
func (t subscriptionTx) UpdateSubscription(ctx context.Context, sub billing.Subscription) error {
	cols, err := subscriptionJSON(sub)
	if err != nil {
		return fmt.Errorf("update subscription %s: %w", sub.ID, err)
	}
	n, err := t.lifecycle.UpdateSubscription(ctx, lifecycledb.UpdateSubscriptionParams{
		Status:               string(sub.Status),
		Items:                cols.items,
		PriceIds:             cols.priceIDs,
		Currency:             sub.Currency,
		Interval:             sub.Recurring.Interval,
		IntervalCount:        sub.Recurring.IntervalCount,
		PaymentMethodID:      sub.PaymentMethodID,
		BillingAnchor:        micros(sub.BillingAnchor),
		CycleIndex:           sub.CycleIndex,
		CurrentPeriodStart:   micros(sub.CurrentPeriodStart),
		CurrentPeriodEnd:     micros(sub.CurrentPeriodEnd),
		TrialStart:           nullMicros(sub.TrialStart),
		TrialEnd:             nullMicros(sub.TrialEnd),
		TrialWillEndSent:     sub.TrialWillEndSent,
		CancelAtPeriodEnd:    sub.CancelAtPeriodEnd,
		CancelAt:             nullMicros(sub.CancelAt),
		CanceledAt:           nullMicros(sub.CanceledAt),
		CancellationReason:   string(sub.CancellationReason),
		EndedAt:              nullMicros(sub.EndedAt),
		MaxCycles:            sub.MaxCycles,
		EndDate:              nullMicros(sub.EndDate),
		PendingChange:        cols.pendingChange,
		PendingLines:         cols.pendingLines,
		CouponID:             sub.CouponID,
		PromotionCodeID:      sub.PromotionCodeID,
		DefaultTaxRates:      cols.defaultTaxRates,
		DiscountEnd:          nullMicros(sub.DiscountEnd),
		DiscountUsed:         sub.DiscountUsed,
		NextActionAt:         nullMicros(sub.NextActionAt),
		Metadata:             cols.metadata,
		Updated:              micros(sub.Updated),
		MerchantID:           sub.Scope.MerchantID,
		Mode:                 string(sub.Scope.Mode),
		ID:                   sub.ID,
		Version:              sub.Version,
		CancellationFeedback: string(sub.CancellationFeedback),
		CancellationComment:  sub.CancellationComment,
	})
	if err != nil {
		return dbError(err, "update subscription %s", sub.ID)
	}
	if n > 0 {
		return nil
	}
	// Nothing matched: a missing row, or one whose version moved on.
	if _, err := t.GetSubscription(ctx, sub.Scope, sub.ID); err != nil {
		return fmt.Errorf("update subscription %s: %w", sub.ID, err)
	}
	return fmt.Errorf("update subscription %s at version %d: %w", sub.ID, sub.Version, billing.ErrVersionConflict)
}

// ListSubscriptions returns a page of s's subscriptions, newest first.
func (t subscriptionTx) ListSubscriptions(ctx context.Context, s billing.Scope, f billing.SubscriptionFilter, page billing.Page) ([]billing.Subscription, bool, error) {
	// A filter on a key with its own index reads by that index (see the
	// query's comment); the list with every filter optional would scan
	// the merchant's whole scope.
	p := lifecycledb.ListSubscriptionsParams{
		MerchantID:    s.MerchantID,
		Mode:          string(s.Mode),
		CustomerID:    f.CustomerID,
		Status:        string(f.Status),
		PriceID:       f.PriceID,
		StartingAfter: page.StartingAfter,
		RowLimit:      rowLimit(page.Limit),
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
		return nil, false, dbError(err, "list subscriptions")
	}
	rows, more := trimPage(rows, page.Limit)
	out, err := convertRows(rows, subscriptionFromRow)
	return out, more, err
}

// DueSubscriptions returns up to limit (all when limit <= 0) subscriptions
// on test clock clockID ("" = real time) whose next action is due at t,
// earliest first.
func (t subscriptionTx) DueSubscriptions(ctx context.Context, clockID string, at time.Time, limit int) ([]billing.Subscription, error) {
	n := int64(limit)
	if limit <= 0 {
		n = -1 // no limit
	}
	rows, err := t.lifecycle.DueSubscriptions(ctx, lifecycledb.DueSubscriptionsParams{
		TestClockID: clockID,
		DueBefore:   nullMicros(&at),
		RowLimit:    n,
	})
	if err != nil {
		return nil, dbError(err, "list due subscriptions of clock %q", clockID)
	}
	return convertRows(rows, subscriptionFromRow)
}

// Trials.

// ClaimTrial records that an identity used a trial with subscriptionID.
func (t subscriptionTx) ClaimTrial(ctx context.Context, s billing.Scope, kind, value, subscriptionID string) error {
	err := t.lifecycle.ClaimTrial(ctx, lifecycledb.ClaimTrialParams{
		MerchantID:     s.MerchantID,
		Mode:           string(s.Mode),
		Kind:           kind,
		Value:          value,
		SubscriptionID: subscriptionID,
	})
	if err != nil {
		return dbError(err, "claim %s trial for subscription %s", kind, subscriptionID)
	}
	return nil
}

// ReleaseTrials forgets the trial claims of a subscription.
func (t subscriptionTx) ReleaseTrials(ctx context.Context, s billing.Scope, subscriptionID string) error {
	err := t.lifecycle.ReleaseTrials(ctx, lifecycledb.ReleaseTrialsParams{
		MerchantID:     s.MerchantID,
		Mode:           string(s.Mode),
		SubscriptionID: subscriptionID,
	})
	if err != nil {
		return dbError(err, "release trials of subscription %s", subscriptionID)
	}
	return nil
}

// subscriptionColumns are the stored forms of a subscription's JSON and
// derived columns.
type subscriptionColumns struct {
	items, priceIDs, pendingChange, pendingLines, metadata string
	defaultTaxRates                                        string // JSON array of tax rate ids
}

func subscriptionJSON(sub billing.Subscription) (subscriptionColumns, error) {
	var c subscriptionColumns
	var err error
	if c.items, err = encodeList(sub.Items); err != nil {
		return c, fmt.Errorf("encode items: %w", err)
	}
	c.priceIDs = priceIDs(sub.Items)
	var pending *billing.PendingChange
	if sub.PendingChange != nil {
		p := *sub.PendingChange
		p.EffectiveAt = storedTime(p.EffectiveAt)
		pending = &p
	}
	if c.pendingChange, err = encodeJSON(pending); err != nil { // "null" when nil
		return c, fmt.Errorf("encode pending change: %w", err)
	}
	if c.pendingLines, err = encodeLines(sub.PendingLines); err != nil {
		return c, fmt.Errorf("encode pending lines: %w", err)
	}
	if c.metadata, err = encodeMap(sub.Metadata); err != nil {
		return c, fmt.Errorf("encode metadata: %w", err)
	}
	if c.defaultTaxRates, err = encodeList(sub.DefaultTaxRates); err != nil {
		return c, fmt.Errorf("encode default tax rates: %w", err)
	}
	return c, nil
}

// priceIDs is the price_ids column of a subscription with items: its price
// ids between commas (",price_a,price_b,"; "," without items), so that
// LIKE '%,<id>,%' finds the subscriptions with a price.
func priceIDs(items []billing.SubscriptionItem) string {
	var b strings.Builder
	b.WriteString(",")
	for _, it := range items {
		b.WriteString(it.PriceID)
		b.WriteString(",")
	}
	return b.String()
}

func subscriptionFromRow(row lifecycledb.Subscription) (billing.Subscription, error) {
	items, err := decodeList[billing.SubscriptionItem](row.Items)
	if err != nil {
		return billing.Subscription{}, fmt.Errorf("decode items of subscription %s: %w", row.ID, err)
	}
	pendingLines, err := decodeList[billing.InvoiceLine](row.PendingLines)
	if err != nil {
		return billing.Subscription{}, fmt.Errorf("decode pending lines of subscription %s: %w", row.ID, err)
	}

	var pending *billing.PendingChange
	if err := json.Unmarshal([]byte(row.PendingChange), &pending); err != nil {
		return billing.Subscription{}, fmt.Errorf("decode pending change of subscription %s: %w", row.ID, err)
	}
	metadata, err := decodeMap[string](row.Metadata)
	if err != nil {
		return billing.Subscription{}, fmt.Errorf("decode metadata of subscription %s: %w", row.ID, err)
	}
	defaultTaxRates, err := decodeOptList[string](row.DefaultTaxRates)
	if err != nil {
		return billing.Subscription{}, fmt.Errorf("decode default tax rates of subscription %s: %w", row.ID, err)
	}
	return billing.Subscription{
		ID:                   row.ID,
		Scope:                billing.Scope{MerchantID: row.MerchantID, Mode: billing.Mode(row.Mode)},
		Version:              row.Version,
		CustomerID:           row.CustomerID,
		TestClockID:          row.TestClockID,
		Status:               billing.SubscriptionStatus(row.Status),
		Items:                items,
		Currency:             row.Currency,
		Recurring:            billing.Recurring{Interval: row.Interval, IntervalCount: row.IntervalCount},
		PaymentMethodID:      row.PaymentMethodID,
		BillingAnchor:        fromMicros(row.BillingAnchor),
		CycleIndex:           row.CycleIndex,
		CurrentPeriodStart:   fromMicros(row.CurrentPeriodStart),
		CurrentPeriodEnd:     fromMicros(row.CurrentPeriodEnd),
		TrialStart:           fromNullMicros(row.TrialStart),
		TrialEnd:             fromNullMicros(row.TrialEnd),
		TrialWillEndSent:     row.TrialWillEndSent,
		CancelAtPeriodEnd:    row.CancelAtPeriodEnd,
		CancelAt:             fromNullMicros(row.CancelAt),
		CanceledAt:           fromNullMicros(row.CanceledAt),
		CancellationReason:   billing.CancellationReason(row.CancellationReason),
		EndedAt:              fromNullMicros(row.EndedAt),
		MaxCycles:            row.MaxCycles,
		EndDate:              fromNullMicros(row.EndDate),
		PendingChange:        pending,
		PendingLines:         pendingLines,
		CouponID:             row.CouponID,
		PromotionCodeID:      row.PromotionCodeID,
		DefaultTaxRates:      defaultTaxRates,
		DiscountEnd:          fromNullMicros(row.DiscountEnd),
		DiscountUsed:         row.DiscountUsed,
		NextActionAt:         fromNullMicros(row.NextActionAt),
		Metadata:             metadata,
		Created:              fromMicros(row.Created),
		Updated:              fromMicros(row.Updated),
		CancellationFeedback: billing.CancellationFeedback(row.CancellationFeedback),
		CancellationComment:  row.CancellationComment,
	}, nil
}
