package app

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cuota/cuota/internal/billing"
)

// PublishableKeyParams are the inputs of CreatePublishableKey.
type PublishableKeyParams struct {
	// SuccessURL and CancelURL are where checkouts started from the
	// pricing table end; "" uses cuota's own thank-you page and the
	// pricing table itself.
	SuccessURL string
	CancelURL  string
}

// CreatePublishableKey makes a publishable key (pk_test_… / pk_live_…) for
// the pricing table. It is safe to put in a web page: it shows only active
// prices and starts checkouts.
func (a *Checkout) CreatePublishableKey(ctx context.Context, s billing.Scope, p PublishableKeyParams) (billing.PublishableKey, error) {
	var v validator
	if p.SuccessURL != "" {
		v.redirectURL("success_url", p.SuccessURL)
	}
	if p.CancelURL != "" {
		v.redirectURL("cancel_url", p.CancelURL)
	}
	if err := v.err(); err != nil {
		return billing.PublishableKey{}, err
	}
	now := a.Now()
	k := billing.PublishableKey{ID: billing.NewID(billing.PublishableKeyPrefix(s.Mode), now), Scope: s,
		SuccessURL: p.SuccessURL, CancelURL: p.CancelURL, FormSecret: rand.Text(), Created: now}
	err := a.store.InTx(ctx, func(tx billing.Tx) error {
		keys, err := tx.Checkout.ListPublishableKeys(ctx, s)
		if err != nil {
			return fmt.Errorf("list publishable keys: %w", err)
		}
		if len(keys) >= 100 {
			return billing.Errorf(billing.KindConflict, billing.CodeLimitExceeded, "a mode can have at most 100 publishable keys")
		}
		if err := tx.Checkout.CreatePublishableKey(ctx, k); err != nil {
			return fmt.Errorf("create publishable key: %w", err)
		}
		return a.audit(ctx, tx, change{merchantID: s.MerchantID, mode: s.Mode, action: "publishable_key.create",
			objectType: "publishable_key", objectID: k.ID, after: k})
	})
	return k, err
}

// ListPublishableKeys lists a scope's publishable keys, newest first.
func (a *Checkout) ListPublishableKeys(ctx context.Context, s billing.Scope) ([]billing.PublishableKey, error) {
	return read(ctx, a.core, func(tx billing.Tx) ([]billing.PublishableKey, error) {
		return tx.Checkout.ListPublishableKeys(ctx, s)
	})
}

// RevokePublishableKey stops a publishable key: its pricing table is gone.
func (a *Checkout) RevokePublishableKey(ctx context.Context, s billing.Scope, id string) (billing.PublishableKey, error) {
	var k billing.PublishableKey
	err := a.store.InTx(ctx, func(tx billing.Tx) error {
		if err := tx.Checkout.RevokePublishableKey(ctx, s, id, a.Now()); err != nil {
			return notFound(err, "publishable_key", id)
		}
		var err error
		if k, err = tx.Checkout.GetPublishableKey(ctx, id); err != nil {
			return fmt.Errorf("read publishable key: %w", err)
		}
		return a.audit(ctx, tx, change{merchantID: s.MerchantID, mode: s.Mode, action: "publishable_key.revoke",
			objectType: "publishable_key", objectID: k.ID, after: k})
	})
	return k, err
}

// openPublishableKey finds a usable publishable key; an unknown, revoked or
// malformed key is not found.
func (a *Checkout) openPublishableKey(ctx context.Context, tx billing.Tx, pk string) (billing.PublishableKey, error) {
	k, err := tx.Checkout.GetPublishableKey(ctx, pk)
	if errors.Is(err, billing.ErrNotFound) || (err == nil && (k.Revoked != nil || !strings.HasPrefix(k.ID, billing.PublishableKeyPrefix(k.Scope.Mode)))) {
		return k, billing.NotFound("publishable_key", pk)
	}
	if err != nil {
		return k, fmt.Errorf("read publishable key: %w", err)
	}
	return k, nil
}

// PricingPlan is one price card of the pricing table.
type PricingPlan struct {
	Product billing.Product
	Price   billing.Price
	// Cycle groups cards for the monthly/annual toggle: "month" and
	// "year" (every 1 month or year) switch; "other" always shows.
	Cycle string
}

// PricingView is what the pricing table shows.
type PricingView struct {
	Key       billing.PublishableKey
	Merchant  billing.Merchant
	Plans     []PricingPlan
	HasToggle bool   // both monthly and annual cards exist
	FormToken string // the CSRF token the page's forms carry
}

// PricingTable returns the active recurring prices of a publishable key's
// scope as cards, products in order of creation, cheapest price first;
// productIDs (optional) keeps only those products.
func (a *Checkout) PricingTable(ctx context.Context, pk string, productIDs []string) (PricingView, error) {
	return read(ctx, a.core, func(tx billing.Tx) (PricingView, error) {
		k, err := a.openPublishableKey(ctx, tx, pk)
		if err != nil {
			return PricingView{}, err
		}
		v := PricingView{Key: k, FormToken: pricingFormToken(k, a.Now())}
		if v.Merchant, err = tx.Merchants.GetMerchant(ctx, k.Scope.MerchantID); err != nil {
			return v, fmt.Errorf("read merchant: %w", err)
		}
		active := true
		products, _, err := tx.Catalog.ListProducts(ctx, k.Scope, billing.ProductFilter{Active: &active}, billing.Page{Limit: 100})
		if err != nil {
			return v, fmt.Errorf("list products: %w", err)
		}
		prices, _, err := tx.Catalog.ListPrices(ctx, k.Scope, billing.PriceFilter{Active: &active, Type: billing.PriceRecurring}, billing.Page{Limit: 100})
		if err != nil {
			return v, fmt.Errorf("list prices: %w", err)
		}
		slices.Reverse(products) // oldest first: the order the merchant made them
		cycles := map[string]bool{}
		for _, prod := range products {
			if len(productIDs) > 0 && !slices.Contains(productIDs, prod.ID) {
				continue
			}
			var mine []billing.Price
			for _, p := range prices {
				// UF prices are left out: hosted checkouts do not take
				// them yet (docs/uf.md), so a plan the table showed could
				// not be bought.
				if p.ProductID == prod.ID && p.Recurring != nil && p.Currency != billing.CurrencyUF {
					mine = append(mine, p)
				}
			}
			slices.SortStableFunc(mine, func(x, y billing.Price) int { return cmpInt(x.UnitAmount, y.UnitAmount) })
			for _, p := range mine {
				cycle := "other"
				if p.Recurring.IntervalCount == 1 && (p.Recurring.Interval == billing.IntervalMonth || p.Recurring.Interval == billing.IntervalYear) {
					cycle = p.Recurring.Interval
				}
				cycles[cycle] = true
				v.Plans = append(v.Plans, PricingPlan{Product: prod, Price: p, Cycle: cycle})
			}
		}
		v.HasToggle = cycles[billing.IntervalMonth] && cycles[billing.IntervalYear]
		return v, nil
	})
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// pricingTokenTTL is how long a pricing page's form stays usable.
const pricingTokenTTL = 24 * time.Hour

// pricingFormToken signs the time a pricing page was served with the key's
// form secret: the page's forms carry it (CSRF protection that survives
// any number of cuota processes, since the secret is in the database).
func pricingFormToken(k billing.PublishableKey, now time.Time) string {
	ts := strconv.FormatInt(now.Unix(), 10)
	return ts + "." + pricingMAC(k, ts)
}

func pricingMAC(k billing.PublishableKey, ts string) string {
	m := hmac.New(sha256.New, []byte(k.FormSecret))
	m.Write([]byte("pricing\x00" + k.ID + "\x00" + ts))
	return hex.EncodeToString(m.Sum(nil))
}

// checkPricingFormToken verifies a token made by pricingFormToken.
func checkPricingFormToken(k billing.PublishableKey, token string, now time.Time) bool {
	ts, mac, ok := strings.Cut(token, ".")
	if !ok {
		return false
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return false
	}
	age := now.Sub(time.Unix(sec, 0))
	if age < -time.Minute || age > pricingTokenTTL {
		return false
	}
	return hmac.Equal([]byte(mac), []byte(pricingMAC(k, ts)))
}

// CodeFormExpired reports a hosted form whose CSRF token is missing, wrong
// or too old.
const CodeFormExpired = billing.CodeFormExpired

// StartPricingCheckout starts a subscription checkout for one price of a
// pricing table and returns the checkout page's URL. token is the form's
// CSRF token; locale is the page's language.
func (a *Checkout) StartPricingCheckout(ctx context.Context, pk, priceID, token, locale string) (string, error) {
	k, err := read(ctx, a.core, func(tx billing.Tx) (billing.PublishableKey, error) { return a.openPublishableKey(ctx, tx, pk) })
	if err != nil {
		return "", err
	}
	if !checkPricingFormToken(k, token, a.Now()) {
		return "", billing.Errorf(billing.KindInvalid, CodeFormExpired, "the pricing page is out of date: reload it")
	}
	success, cancel := k.SuccessURL, k.CancelURL
	if cancel == "" {
		cancel = a.PublicURL() + "/pricing/" + k.ID
	}
	info := RequestInfoFrom(ctx)
	info.Actor = "publishable_key:" + k.ID
	ctx = WithRequestInfo(ctx, info)
	_, u, err := a.CreateCheckoutSession(ctx, k.Scope, CreateCheckoutParams{Mode: billing.CheckoutModeSubscription,
		LineItems: []ItemParams{{Price: priceID, Quantity: 1}}, SuccessURL: success, CancelURL: cancel,
		AllowPromotionCodes: true, Locale: locale, publishableKey: k.ID})
	return u, err
}
