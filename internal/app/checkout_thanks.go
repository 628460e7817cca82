package app

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/cuota/cuota/internal/billing"
)

// The thank-you page ends a checkout that has no success_url of the
// merchant's (a pricing table's): it names the merchant, what was bought
// and what was paid and, for a subscription, the next charge, and offers
// the customer portal. It opens with the checkout link's own secret, so
// only the browser that made the checkout sees it.

// thanksURL is the thank-you page of checkout session id, without its
// token: the session's success_url when it ends on cuota's page.
func (a *Checkout) thanksURL(id string) string {
	return a.PublicURL() + "/checkout/" + url.PathEscape(id) + "/thanks"
}

// withThanksToken adds the checkout link's secret to dest when dest is the
// session's own thank-you page, so the browser can open it; any other
// destination (the merchant's success_url) is left as it is.
func (a *Checkout) withThanksToken(dest, id, secret string) string {
	base := a.thanksURL(id)
	if dest != base && !strings.HasPrefix(dest, base+"?") {
		return dest
	}
	sep := "?"
	if strings.Contains(dest, "?") {
		sep = "&"
	}
	return dest + sep + "token=" + url.QueryEscape(secret)
}

// CheckoutThanksView is what the thank-you page shows.
type CheckoutThanksView struct {
	// Checkout is the session as its page showed it: the merchant, the
	// customer, the lines bought and their currency.
	Checkout CheckoutView
	// Paid is the invoice paid at checkout (the one-time purchase's, or the
	// subscription's first, which is zero during a trial); nil when none.
	Paid *billing.Invoice
	// Subscription is the subscription started, with its next charge
	// (Renews, NextAt, NextAmount, the same rule as the portal's); nil for
	// a one-time purchase.
	Subscription *PortalSubscription
}

// CheckoutThanks checks a checkout link and returns its thank-you page. A
// session not complete has no thank-you page yet (a conflict).
func (a *Checkout) CheckoutThanks(ctx context.Context, id, secret string) (CheckoutThanksView, error) {
	return read(ctx, a.core, func(tx billing.Tx) (CheckoutThanksView, error) {
		var out CheckoutThanksView
		cs, err := a.loadCheckout(ctx, tx, id, secret)
		if err != nil {
			return out, err
		}
		if cs.Status != billing.CheckoutComplete || cs.Mode == billing.CheckoutModeSetup {
			return out, billing.Errorf(billing.KindConflict, billing.CodeInvalidStateTransition, "this checkout has no thank-you page")
		}
		if out.Checkout, err = a.checkoutView(ctx, tx, cs); err != nil {
			return out, err
		}
		invoiceID := cs.InvoiceID
		if cs.SubscriptionID != "" {
			sub, err := tx.Subscriptions.GetSubscription(ctx, cs.Scope, cs.SubscriptionID)
			if err != nil {
				return out, fmt.Errorf("read subscription %s: %w", cs.SubscriptionID, err)
			}
			ps, err := a.portal.portalSubscription(ctx, tx, out.Checkout.Merchant, sub)
			if err != nil {
				return out, err
			}
			out.Subscription = &ps
			invs, _, err := tx.Invoices.ListInvoices(ctx, cs.Scope, billing.InvoiceFilter{SubscriptionID: sub.ID}, billing.Page{Limit: 1})
			if err != nil {
				return out, fmt.Errorf("list invoices of %s: %w", sub.ID, err)
			}
			if len(invs) == 1 && invs[0].Status != billing.InvoiceDraft {
				invoiceID = invs[0].ID
			}
		}
		if invoiceID != "" {
			inv, err := tx.Invoices.GetInvoice(ctx, cs.Scope, invoiceID)
			if err != nil && !errors.Is(err, billing.ErrNotFound) {
				return out, fmt.Errorf("read invoice %s: %w", invoiceID, err)
			}
			if err == nil {
				out.Paid = &inv
			}
		}
		return out, nil
	})
}

// CheckoutPortal opens the customer portal from a complete checkout's
// thank-you page: a fresh portal session (CreatePortalSession's one-hour
// link) for the checkout's customer, whose "back" link leads to where the
// checkout started (its cancel_url). It returns the portal's URL.
func (a *Checkout) CheckoutPortal(ctx context.Context, id, secret string) (string, error) {
	cs, err := read(ctx, a.core, func(tx billing.Tx) (billing.CheckoutSession, error) { return a.loadCheckout(ctx, tx, id, secret) })
	if err != nil {
		return "", err
	}
	if cs.Status != billing.CheckoutComplete || cs.CustomerID == "" {
		return "", billing.Errorf(billing.KindConflict, billing.CodeInvalidStateTransition, "this checkout is not complete")
	}
	_, u, err := a.portal.CreatePortalSession(withCustomerActor(ctx, cs.CustomerID), cs.Scope, cs.CustomerID, cs.CancelURL)
	return u, err
}
