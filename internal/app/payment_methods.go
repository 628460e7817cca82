package app

import (
	"context"
	"fmt"

	"github.com/cuota/cuota/internal/billing"
)

// Payment methods: a customer's saved cards, attached by token or by a
// setup, and what a new card does for a subscription that is past due.

// AttachPaymentMethodParams attach a gateway token to a customer.
type AttachPaymentMethodParams struct {
	Gateway string
	Token   string
}

// AttachPaymentMethod verifies a token with its gateway and saves it as a
// payment method of the customer. Past-due subscriptions of the customer
// switch to it and retry at once.
func (a *Customers) AttachPaymentMethod(ctx context.Context, s billing.Scope, customerID string, p AttachPaymentMethodParams) (billing.PaymentMethod, error) {
	pm, err := a.verifyToken(ctx, s, customerID, p)
	if err != nil {
		return billing.PaymentMethod{}, err
	}
	var retry []string
	err = a.store.InTx(ctx, func(tx billing.Tx) error {
		var err error
		retry, err = a.savePaymentMethod(ctx, tx, pm)
		return err
	})
	if err != nil {
		return billing.PaymentMethod{}, err
	}
	return pm, a.retryWithNewMethod(ctx, s, retry)
}

// verifyToken checks a token with its gateway and returns the payment
// method it makes for the customer (not yet saved).
func (a *Customers) verifyToken(ctx context.Context, s billing.Scope, customerID string, p AttachPaymentMethodParams) (billing.PaymentMethod, error) {
	var v validator
	v.required("gateway", p.Gateway)
	v.required("token", p.Token)
	v.maxLen("token", p.Token, 500)
	if err := v.err(); err != nil {
		return billing.PaymentMethod{}, err
	}
	gw, err := a.gateway(p.Gateway)
	if err != nil {
		return billing.PaymentMethod{}, err
	}
	if _, err := a.GetCustomer(ctx, s, customerID); err != nil {
		return billing.PaymentMethod{}, err
	}
	pm, err := gw.AttachToken(ctx, s, customerID, p.Token)
	if err != nil {
		return billing.PaymentMethod{}, err
	}
	return a.ownPaymentMethod(pm, s, customerID, gw.Name()), nil
}

// ownPaymentMethod makes what a gateway verified (token, brand, last4,
// expiry) a new active payment method of a customer.
func (a *Customers) ownPaymentMethod(pm billing.PaymentMethod, s billing.Scope, customerID, gateway string) billing.PaymentMethod {
	now := a.Now()
	pm.ID, pm.Scope, pm.CustomerID, pm.Gateway, pm.Status, pm.Created, pm.Updated =
		billing.NewID(billing.PrefixPaymentMethod, now), s, customerID, gateway, billing.PaymentMethodActive, now, now
	return pm
}

// savePaymentMethod stores pm with its audit entry and event, and makes it
// the payment method of the customer's live subscriptions; it returns the
// past-due ones, whose open invoices are now due for a retry.
func (a *Customers) savePaymentMethod(ctx context.Context, tx billing.Tx, pm billing.PaymentMethod) ([]string, error) {
	s, now := pm.Scope, pm.Created
	if _, err := liveCustomer(ctx, tx, s, pm.CustomerID); err != nil {
		return nil, notFound(err, "customer", pm.CustomerID) // deleted since the token was verified
	}
	if err := tx.PaymentMethods.CreatePaymentMethod(ctx, pm); err != nil {
		return nil, fmt.Errorf("create payment method: %w", err)
	}
	if err := a.audit(ctx, tx, change{merchantID: s.MerchantID, mode: s.Mode, action: "payment_method.attach",
		objectType: "payment_method", objectID: pm.ID, after: pm}); err != nil {
		return nil, err
	}
	if err := a.emit(ctx, tx, s, EventPaymentMethodAttached, "payment_method", pm.ID, pm, now); err != nil {
		return nil, err
	}
	subs, _, err := tx.Subscriptions.ListSubscriptions(ctx, s, billing.SubscriptionFilter{CustomerID: pm.CustomerID}, billing.Page{})
	if err != nil {
		return nil, fmt.Errorf("list subscriptions: %w", err)
	}
	var retry []string
	for _, sub := range subs {
		if sub.Status.Terminal() || a.merchants.checkGatewayCurrency(pm.Gateway, sub.Currency) != nil {
			continue // a card its gateway cannot charge in the subscription's currency is not for it
		}
		before := sub
		subNow, err := a.clockNow(ctx, tx, s, sub.TestClockID)
		if err != nil {
			return nil, err
		}
		sub.PaymentMethodID = pm.ID
		open, err := a.collection.openInvoices(ctx, tx, &sub)
		if err != nil {
			return nil, err
		}
		if sub.Status == billing.SubscriptionPastDue || sub.Status == billing.SubscriptionUnpaid {
			for i := range open {
				open[i].NextAttemptAt = &subNow
				open[i].Updated = subNow
				if err := tx.Invoices.UpdateInvoice(ctx, open[i]); err != nil {
					return nil, fmt.Errorf("schedule retry of %s: %w", open[i].ID, err)
				}
			}
			retry = append(retry, sub.ID)
		}
		sub.NextActionAt = nextAction(sub, open)
		if err := a.saveSubscription(ctx, tx, &before, &sub, EventSubscriptionUpdated, subNow); err != nil {
			return nil, err
		}
	}
	return retry, nil
}

// retryWithNewMethod runs the retries a new payment method made due.
func (a *Customers) retryWithNewMethod(ctx context.Context, s billing.Scope, subIDs []string) error {
	for _, id := range subIDs {
		sub, err := a.subscriptions.GetSubscription(ctx, s, id)
		if err != nil {
			return err
		}
		at := a.Now()
		if sub.TestClockID != "" {
			c, err := a.renewals.GetTestClock(ctx, s, sub.TestClockID)
			if err != nil {
				return err
			}
			at = c.FrozenTime
		}
		if err := a.renewals.stepSubscription(ctx, s, id, at); err != nil {
			return fmt.Errorf("retry %s with the new payment method: %w", id, err)
		}
	}
	return nil
}

// ListPaymentMethods lists a customer's payment methods, newest first.
func (a *Customers) ListPaymentMethods(ctx context.Context, s billing.Scope, customerID string) ([]billing.PaymentMethod, error) {
	if _, err := a.GetCustomer(ctx, s, customerID); err != nil {
		return nil, err
	}
	return read(ctx, a.core, func(tx billing.Tx) ([]billing.PaymentMethod, error) {
		return tx.PaymentMethods.ListPaymentMethods(ctx, s, customerID)
	})
}
