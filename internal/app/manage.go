package app

import (
	"context"
	"fmt"

	"github.com/cuota/cuota/internal/billing"
)

// Entitlements merges the features of the products of a customer's
// trialing, active and past-due subscriptions (the highest value of each
// feature wins).
func (a *Subscriptions) Entitlements(ctx context.Context, s billing.Scope, customerID string) (map[string]int64, error) {
	if _, err := a.customers.GetCustomer(ctx, s, customerID); err != nil {
		return nil, err
	}
	return read(ctx, a.core, func(tx billing.Tx) (map[string]int64, error) {
		subs, _, err := tx.Subscriptions.ListSubscriptions(ctx, s, billing.SubscriptionFilter{CustomerID: customerID}, billing.Page{})
		if err != nil {
			return nil, fmt.Errorf("list subscriptions: %w", err)
		}
		out := map[string]int64{}
		for _, sub := range subs {
			if !sub.Status.Entitled() {
				continue
			}
			if err := mergeFeatures(ctx, tx, s, sub.Items, out); err != nil {
				return nil, err
			}
		}
		return out, nil
	})
}
