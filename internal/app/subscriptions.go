package app

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/cuota/cuota/internal/billing"
)

// ItemParams is one price of a new subscription.
type ItemParams struct {
	Price    string
	Quantity int64 // default 1
}

// CreateSubscriptionParams are the inputs of CreateSubscription.
type CreateSubscriptionParams struct {
	Customer        string
	Items           []ItemParams
	PaymentMethod   string
	TrialPeriodDays *int64 // overrides the price's; 0 means no trial
	Coupon          string
	PromotionCode   string
	MaxCycles       int64
	EndDate         *time.Time // no period starts at or after it: the subscription completes at the period end it falls in
	Fingerprint     string     // a merchant-supplied identity (e.g. a device hash) for one-trial-per-customer
	Metadata        billing.Metadata
	// BillingCycleAnchor, when set, is the first period end: renewals
	// fall on it and its calendar repeats (e.g. the 1st of each month).
	// The time until it is a partial first period, billed by
	// ProrationBehavior: create_prorations (default) charges the prorated
	// part now, none charges nothing until the anchor.
	BillingCycleAnchor *time.Time
	ProrationBehavior  string
	// DefaultTaxRates are tax rate ids that tax every item, before the
	// prices' and the merchant's rates (billing.ResolveTaxRates).
	DefaultTaxRates []string
}

// CodeTrialAlreadyUsed reports a second trial for one customer identity.
const CodeTrialAlreadyUsed = billing.CodeTrialAlreadyUsed

// CreateSubscription creates a subscription. With a trial it starts
// trialing; without one its first invoice is finalized and charged at
// once: success activates it, failure expires it (incomplete_expired, the
// invoice voided, trial claims released), an unknown outcome leaves it
// incomplete until reconciliation.
func (a *Subscriptions) CreateSubscription(ctx context.Context, s billing.Scope, p CreateSubscriptionParams) (billing.Subscription, error) {
	var v validator
	v.required("customer", p.Customer)
	if len(p.Items) == 0 {
		v.fail("items", billing.CodeParameterMissing, "items needs at least one price")
	}
	if len(p.Items) > 20 {
		v.fail("items", billing.CodeParameterInvalid, "a subscription can have at most 20 items")
	}
	for i, it := range p.Items {
		if it.Price == "" {
			v.fail(fmt.Sprintf("items[%d].price", i), billing.CodeParameterMissing, "items[%d].price is required", i)
		}
		if it.Quantity < 0 || it.Quantity > 10000 {
			v.fail(fmt.Sprintf("items[%d].quantity", i), billing.CodeParameterInvalid, "quantity must be between 1 and 10000")
		}
	}
	if p.TrialPeriodDays != nil && (*p.TrialPeriodDays < 0 || *p.TrialPeriodDays > 730) {
		v.fail("trial_period_days", billing.CodeParameterInvalid, "trial_period_days must be between 0 and 730")
	}
	if p.Coupon != "" && p.PromotionCode != "" {
		v.fail("promotion_code", billing.CodeParameterInvalid, "give coupon or promotion_code, not both")
	}
	v.nonNegative("max_cycles", p.MaxCycles)
	if p.EndDate != nil && p.MaxCycles > 0 {
		v.fail("end_date", billing.CodeParameterInvalid, "give max_cycles or end_date, not both")
	}
	v.maxLen("fingerprint", p.Fingerprint, maxKeyLen)
	v.metadata(p.Metadata)
	switch billing.ProrationBehavior(p.ProrationBehavior) {
	case "", billing.ProrationCreateProrations, billing.ProrationNone:
	case billing.ProrationAlwaysInvoice:
		// At creation the partial period is invoiced now either way.
		p.ProrationBehavior = string(billing.ProrationCreateProrations)
	default:
		v.fail("proration_behavior", billing.CodeParameterInvalid, "proration_behavior must be create_prorations, always_invoice or none")
	}
	if p.ProrationBehavior != "" && p.BillingCycleAnchor == nil {
		v.fail("proration_behavior", billing.CodeParameterInvalid, "proration_behavior applies to a billing_cycle_anchor at creation")
	}
	if err := v.err(); err != nil {
		return billing.Subscription{}, err
	}

	var sub billing.Subscription
	var charge *newCharge                       // the first charge, made after the commit
	var stubProration billing.ProrationBehavior // set for a partial first period
	create := func(tx billing.Tx) error {
		charge, stubProration = nil, ""
		cus, err := liveCustomer(ctx, tx, s, p.Customer)
		if err != nil {
			return referenced(err, "customer", p.Customer)
		}
		merchant, err := tx.Merchants.GetMerchant(ctx, s.MerchantID)
		if err != nil {
			return fmt.Errorf("read merchant: %w", err)
		}
		now, err := a.clockNow(ctx, tx, s, cus.TestClockID)
		if err != nil {
			return err
		}
		subRates, err := newTaxRateUse(ctx, tx, s, "default_tax_rates", p.DefaultTaxRates)
		if err != nil {
			return err
		}
		taxes, err := taxesFor(ctx, tx, s, merchant, subRates)
		if err != nil {
			return err
		}
		items, recurring, currency, priceTrial, err := a.resolveItems(ctx, tx, s, p.Items, taxes)
		if err != nil {
			return err
		}
		sub = billing.Subscription{
			ID: billing.NewID(billing.PrefixSubscription, a.Now()), Scope: s, CustomerID: cus.ID,
			TestClockID: cus.TestClockID, Items: items, Currency: currency, Recurring: recurring,
			MaxCycles: p.MaxCycles, EndDate: p.EndDate, Metadata: orEmpty(p.Metadata), Created: now,
			DefaultTaxRates: nilIfEmpty(p.DefaultTaxRates),
		}
		if p.EndDate != nil && !p.EndDate.After(now) {
			return billing.Invalid("end_date", billing.CodeParameterInvalid, "end_date must be in the future")
		}
		var pm billing.PaymentMethod // read once: the first charge uses it too
		if p.PaymentMethod != "" {
			pm, err = tx.PaymentMethods.GetPaymentMethod(ctx, s, p.PaymentMethod)
			if err != nil || pm.CustomerID != cus.ID || pm.Status != billing.PaymentMethodActive {
				return billing.Invalid("payment_method", billing.CodeResourceMissing, "no such active payment method of this customer: %q", p.PaymentMethod)
			}
			if err := a.merchants.checkGatewayCurrency(pm.Gateway, currency); err != nil {
				return err
			}
			sub.PaymentMethodID = pm.ID
		}
		if err := a.applyCoupon(ctx, tx, s, &sub, p.Coupon, p.PromotionCode, now); err != nil {
			return err
		}
		trialDays := priceTrial
		if p.TrialPeriodDays != nil {
			trialDays = *p.TrialPeriodDays
		}
		loc := merchantLocation(merchant)
		if p.BillingCycleAnchor != nil && trialDays > 0 {
			return billing.Invalid("billing_cycle_anchor", billing.CodeParameterInvalid,
				"a subscription with a trial is anchored at its trial end; give billing_cycle_anchor or a trial, not both")
		}
		if trialDays > 0 {
			if err := a.claimTrial(ctx, tx, s, cus, p.Fingerprint, sub.ID); err != nil {
				return err
			}
			trialEnd, err := periodBoundary("trial_period_days", now, billing.Recurring{Interval: billing.IntervalDay, IntervalCount: trialDays}, 1, loc)
			if err != nil {
				return err
			}
			sub.TrialStart, sub.TrialEnd = &now, &trialEnd
			sub.BillingAnchor = trialEnd
			sub.CurrentPeriodStart, sub.CurrentPeriodEnd = now, trialEnd
			if err := a.transition(&sub, billing.SubEventCreatedWithTrial, merchant.Settings); err != nil {
				return err
			}
			sub.NextActionAt = nextAction(sub, nil)
			return a.saveSubscription(ctx, tx, nil, &sub, EventSubscriptionCreated, now)
		}
		if sub.PaymentMethodID == "" {
			return billing.Invalid("payment_method", billing.CodeParameterMissing, "a subscription without a trial needs a payment_method")
		}
		sub.BillingAnchor = now
		sub.CycleIndex = 1
		sub.CurrentPeriodStart = now
		if sub.CurrentPeriodEnd, err = periodBoundary("items", now, recurring, 1, loc); err != nil {
			return err
		}
		if anchor := p.BillingCycleAnchor; anchor != nil {
			// A partial first period, index 0, ends at the anchor; period n
			// ends n intervals after it.
			if !anchor.After(now) || anchor.After(sub.CurrentPeriodEnd) {
				return billing.Invalid("billing_cycle_anchor", billing.CodeParameterInvalid,
					"billing_cycle_anchor must be after now and at most one billing period away (%s)", sub.CurrentPeriodEnd.Format(time.RFC3339))
			}
			sub.BillingAnchor, sub.CycleIndex, sub.CurrentPeriodEnd = anchor.UTC(), 0, anchor.UTC()
			stubProration = billing.ProrationBehavior(p.ProrationBehavior)
			if stubProration == "" {
				stubProration = billing.ProrationCreateProrations
			}
		}
		if err := a.transition(&sub, billing.SubEventFirstPaymentPending, merchant.Settings); err != nil {
			return err
		}
		if err := a.saveSubscription(ctx, tx, nil, &sub, EventSubscriptionCreated, now); err != nil {
			return err
		}
		inv, err := a.invoicing.draftPeriodInvoice(merchant, &sub, billing.ReasonSubscriptionCreate, now)
		if err != nil {
			return err
		}
		if stubProration != "" {
			if err := a.prorateFirstPeriod(&sub, &inv, stubProration, merchant, now); err != nil {
				return err
			}
		}
		if err := a.invoicing.convertUF(ctx, tx, merchant, &inv); err != nil {
			return err
		}
		return a.invoiceFirstPeriod(ctx, tx, merchant, &sub, cus.IsTaxExempt(), pm, inv, now, &charge)
	}
	// A UF price's value may have to be asked of the source (docs/uf.md).
	err := a.withUFRate(ctx, func() error { return a.store.InTx(ctx, create) })
	if err != nil {
		return billing.Subscription{}, err
	}
	if charge == nil {
		return sub, nil // as saved: nothing changed it since
	}
	settled, err := a.collection.chargeNew(ctx, s, *charge)
	if err != nil {
		return billing.Subscription{}, err
	}
	if settled != nil {
		return *settled, nil // as the settlement saved it
	}
	// Settled elsewhere meanwhile, still pending, or reversed: read what
	// is stored now.
	return a.GetSubscription(ctx, s, sub.ID)
}

// invoiceFirstPeriod writes a new subscription's first invoice and the
// payment of its first charge (in *charge, made after the commit), and
// saves the subscription's state after them. The invoice number is taken
// last: the merchant's gapless counter row stays locked from then until
// the commit, and every invoice of the merchant waits for it, so only the
// number, the invoice's row and the events that report them follow it.
// The events keep their order: invoice.created, invoice.finalized
// (invoice.paid), payment.created, customer.subscription.updated.
func (a *Subscriptions) invoiceFirstPeriod(ctx context.Context, tx billing.Tx, m billing.Merchant, sub *billing.Subscription, exempt bool, pm billing.PaymentMethod, inv billing.Invoice, now time.Time, charge **newCharge) error {
	*charge = nil // a run the database aborted and ran again made none
	inv, err := a.invoicing.insertDraft(ctx, tx, m, sub, exempt, inv, now)
	if err != nil {
		return err
	}
	if err := openInvoice(&inv, now); err != nil {
		return err
	}
	finalized := inv // as invoice.finalized reports it, before the attempt counts
	var pay *billing.Payment
	if chargesAtOnce(inv) {
		// Written with its idempotency key before any gateway call
		// (docs/architecture.md, "Charging exactly once").
		p, err := a.invoicing.insertPayment(ctx, tx, &inv, pm, now, a.invoicing.processingTime(sub, now), "")
		if err != nil {
			return err
		}
		pay, *charge = &p, &newCharge{pay: p, pm: pm}
	}
	before := *sub
	event := ""
	if pay == nil {
		// Nothing to charge (a coupon covered it): paid at finalization.
		if err := a.transition(sub, billing.SubEventPaymentSucceeded, m.Settings); err != nil {
			return err
		}
		event = EventSubscriptionUpdated
	}
	sub.NextActionAt = nextAction(*sub, []billing.Invoice{inv})
	if err := a.saveSubscription(ctx, tx, &before, sub, "", now); err != nil {
		return err
	}
	if err := a.invoicing.numberInvoice(ctx, tx, m, &inv, &finalized, now); err != nil {
		return err
	}
	if pay != nil {
		if err := a.emit(ctx, tx, sub.Scope, EventPaymentCreated, "payment", pay.ID, *pay, now); err != nil {
			return err
		}
	}
	if event != "" {
		return a.emitChange(ctx, tx, sub.Scope, event, "subscription", sub.ID, before, sub, now)
	}
	return nil
}

// prorateFirstPeriod replaces the lines of a partial first period [now,
// anchor) with the prorated part of a full period ending at the anchor
// (billing.Prorate, the one proration rule), or with nothing when the
// behaviour is none.
func (a *Subscriptions) prorateFirstPeriod(sub *billing.Subscription, inv *billing.Invoice, behavior billing.ProrationBehavior, m billing.Merchant, now time.Time) error {
	inv.Lines, inv.Subtotal = nil, 0
	loc, text := merchantLocation(m), lineText(m)
	if behavior == billing.ProrationNone {
		return nil
	}
	full, err := periodBoundary("billing_cycle_anchor", sub.BillingAnchor, sub.Recurring, -1, loc)
	if err != nil {
		return err
	}
	lines, err := billing.Prorate(nil, prorationItems(sub.Items), full, sub.BillingAnchor, now)
	if err != nil {
		return err
	}
	names := productNames(sub.Items)
	for _, l := range lines {
		inv.Lines = append(inv.Lines, billing.InvoiceLine{ID: billing.NewID(billing.PrefixInvoiceLine, a.Now()),
			Type: billing.LineProration, Description: text.PartialPeriod(names[l.PriceID], l.Quantity, l.PeriodStart, l.PeriodEnd),
			PriceID: l.PriceID, Quantity: l.Quantity, Amount: l.Amount, PeriodStart: l.PeriodStart, PeriodEnd: l.PeriodEnd,
			TaxRates: itemTaxRates(sub.Items, l.PriceID)})
		markUFProration(&inv.Lines[len(inv.Lines)-1], l, full, sub.BillingAnchor, sub.Items)
		inv.Subtotal += inv.Lines[len(inv.Lines)-1].Amount
	}
	return nil
}

// referenced reports a missing object named by a request parameter as 400
// resource_missing on that parameter.
func referenced(err error, param, id string) error {
	if errors.Is(err, billing.ErrNotFound) {
		return billing.Invalid(param, billing.CodeResourceMissing, "no such %s: %q", param, id)
	}
	return err
}

// MerchantLocation is m's time zone (UTC when its name does not load),
// loaded once per process and zone: the console shows every page's dates
// in it, from the merchant its session already read.
func MerchantLocation(m billing.Merchant) *time.Location { return merchantLocation(m) }

func merchantLocation(m billing.Merchant) *time.Location {
	if loc, ok := locations.Load(m.Timezone); ok {
		return loc.(*time.Location)
	}
	loc, err := time.LoadLocation(m.Timezone)
	if err != nil {
		return time.UTC
	}
	locations.Store(m.Timezone, loc)
	return loc
}

// locations caches the time zones merchantLocation loaded, by IANA name:
// time.LoadLocation reads and parses the zone's file on every call, and a
// renewal needs its merchant's zone more than once.
var locations sync.Map

// resolveItems loads the prices of a new subscription: all recurring, all
// active, one currency and one billing cycle. Each item gets its tax
// rates by billing.ResolveTaxRates from taxes (the zero value when only
// the prices matter).
func (a *Subscriptions) resolveItems(ctx context.Context, tx billing.Tx, s billing.Scope, in []ItemParams, taxes itemTaxes) ([]billing.SubscriptionItem, billing.Recurring, string, int64, error) {
	var items []billing.SubscriptionItem
	var recurring billing.Recurring
	var currency string
	var trial int64
	seen := map[string]bool{}
	for i, it := range in {
		param := fmt.Sprintf("items[%d].price", i)
		price, err := tx.Catalog.GetPrice(ctx, s, it.Price)
		if err != nil {
			return nil, recurring, "", 0, referenced(err, param, it.Price)
		}
		switch {
		case !price.Active:
			return nil, recurring, "", 0, billing.Invalid(param, billing.CodeParameterInvalid, "price %s is not active", price.ID)
		case price.Recurring == nil:
			return nil, recurring, "", 0, billing.Invalid(param, billing.CodeParameterInvalid, "price %s is not recurring", price.ID)
		case seen[price.ID]:
			return nil, recurring, "", 0, billing.Invalid(param, billing.CodeParameterInvalid, "price %s appears twice: use quantity", price.ID)
		case i > 0 && billing.ChargeCurrency(price.Currency) != currency:
			return nil, recurring, "", 0, billing.Invalid(param, billing.CodeParameterInvalid, "all items must have the same currency (%s)", currency)
		case i > 0 && *price.Recurring != recurring:
			return nil, recurring, "", 0, billing.Invalid(param, billing.CodeParameterInvalid, "all items must bill on the same interval")
		}
		seen[price.ID] = true
		// A UF price is charged in pesos: it mixes with CLP prices.
		currency, recurring = billing.ChargeCurrency(price.Currency), *price.Recurring
		if price.TrialPeriodDays > trial {
			trial = price.TrialPeriodDays
		}
		qty := it.Quantity
		if qty == 0 {
			qty = 1
		}
		rates, err := taxes.forPrice(ctx, tx, price)
		if err != nil {
			return nil, recurring, "", 0, err
		}
		prod, err := tx.Catalog.GetProduct(ctx, s, price.ProductID)
		if err != nil {
			return nil, recurring, "", 0, fmt.Errorf("read product %s: %w", price.ProductID, err)
		}
		items = append(items, billing.SubscriptionItem{ID: billing.NewID(billing.PrefixSubItem, a.Now()),
			PriceID: price.ID, ProductID: price.ProductID, ProductName: prod.Name, Quantity: qty, UnitAmount: price.UnitAmount,
			TaxRates: rates})
		if price.Currency == billing.CurrencyUF {
			items[len(items)-1].Currency = billing.CurrencyUF
		}
	}
	return items, recurring, currency, trial, nil
}

// claimTrial records the customer's identities as having used a trial.
func (a *Subscriptions) claimTrial(ctx context.Context, tx billing.Tx, s billing.Scope, cus billing.Customer, fingerprint, subID string) error {
	ids := map[string]string{"email": strings.ToLower(strings.TrimSpace(cus.Email)), "external_id": cus.ExternalID, "fingerprint": fingerprint}
	for _, kind := range []string{"email", "external_id", "fingerprint"} {
		if ids[kind] == "" {
			continue
		}
		if err := tx.Subscriptions.ClaimTrial(ctx, s, kind, ids[kind], subID); err != nil {
			var uv *billing.ErrUniqueViolation
			if errors.As(err, &uv) {
				return &billing.Error{Kind: billing.KindConflict, Code: CodeTrialAlreadyUsed, Param: kind,
					Message: fmt.Sprintf("this customer's %s has already used a trial", kind)}
			}
			return fmt.Errorf("claim trial: %w", err)
		}
	}
	return nil
}

// applyCoupon attaches a coupon (directly or through a promotion code).
func (a *Subscriptions) applyCoupon(ctx context.Context, tx billing.Tx, s billing.Scope, sub *billing.Subscription, couponID, code string, now time.Time) error {
	param := "coupon"
	promoID := ""
	if code != "" {
		param = "promotion_code"
		l, _, err := tx.Coupons.ListPromotionCodes(ctx, s, billing.PromotionCodeFilter{Code: NormalizeCode(code)}, billing.Page{Limit: 1})
		if err != nil {
			return fmt.Errorf("find promotion code: %w", err)
		}
		if len(l) == 0 || !l[0].Active || (l[0].ExpiresAt != nil && !now.Before(*l[0].ExpiresAt)) ||
			(l[0].MaxRedemptions > 0 && l[0].TimesRedeemed >= l[0].MaxRedemptions) {
			return billing.Invalid(param, billing.CodeParameterInvalid, "promotion code %q is not valid", code)
		}
		couponID, promoID = l[0].CouponID, l[0].ID
	}
	if couponID == "" {
		return nil
	}
	c, err := tx.Coupons.GetCoupon(ctx, s, couponID)
	if err != nil {
		return referenced(err, param, couponID)
	}
	if !c.Valid(now) {
		return billing.Invalid(param, billing.CodeParameterInvalid, "coupon %s can no longer be redeemed", c.ID)
	}
	if c.AmountOff > 0 && c.Currency != sub.Currency {
		return billing.Invalid(param, billing.CodeParameterInvalid, "coupon %s is in %s, the subscription in %s", c.ID, c.Currency, sub.Currency)
	}
	// Count the redemption now; an expired first payment gives it back.
	if promoID != "" {
		if err := tx.Coupons.RedeemPromotionCode(ctx, s, promoID, 1); err != nil {
			return redemptionError(err, param, code)
		}
	}
	if err := tx.Coupons.RedeemCoupon(ctx, s, c.ID, 1); err != nil {
		return redemptionError(err, param, c.ID)
	}
	sub.CouponID, sub.PromotionCodeID = c.ID, promoID
	return nil
}

func redemptionError(err error, param, what string) error {
	if errors.Is(err, billing.ErrExhausted) {
		return billing.Invalid(param, billing.CodeParameterInvalid, "%s has no redemptions left", what)
	}
	return fmt.Errorf("redeem %s: %w", what, err)
}

// releaseRedemptions gives back the trial and coupon a subscription took,
// when it expires without ever being paid.
func (a *Subscriptions) releaseRedemptions(ctx context.Context, tx billing.Tx, sub *billing.Subscription) error {
	s := sub.Scope
	if err := tx.Subscriptions.ReleaseTrials(ctx, s, sub.ID); err != nil {
		return fmt.Errorf("release trials: %w", err)
	}
	if sub.CouponID != "" {
		if err := tx.Coupons.RedeemCoupon(ctx, s, sub.CouponID, -1); err != nil {
			return fmt.Errorf("release coupon %s: %w", sub.CouponID, err)
		}
	}
	if sub.PromotionCodeID != "" {
		if err := tx.Coupons.RedeemPromotionCode(ctx, s, sub.PromotionCodeID, -1); err != nil {
			return fmt.Errorf("release promotion code %s: %w", sub.PromotionCodeID, err)
		}
	}
	return nil
}

// GetSubscription returns a subscription of scope s.
func (a *Subscriptions) GetSubscription(ctx context.Context, s billing.Scope, id string) (billing.Subscription, error) {
	return read(ctx, a.core, func(tx billing.Tx) (billing.Subscription, error) {
		v, err := tx.Subscriptions.GetSubscription(ctx, s, id)
		return v, notFound(err, "subscription", id)
	})
}

// ListSubscriptions lists subscriptions of scope s, newest first.
func (a *Subscriptions) ListSubscriptions(ctx context.Context, s billing.Scope, f billing.SubscriptionFilter, page billing.Page) (List[billing.Subscription], error) {
	if f.Status != "" && !f.Status.Valid() {
		return List[billing.Subscription]{}, billing.Invalid("status", billing.CodeParameterInvalid, "unknown status %q", f.Status)
	}
	return list(ctx, a.core, page, billing.PrefixSubscription, func(tx billing.Tx, page billing.Page) ([]billing.Subscription, bool, error) {
		return tx.Subscriptions.ListSubscriptions(ctx, s, f, page)
	})
}
