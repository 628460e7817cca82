package app

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/cuota/cuota/internal/billing"
)

// CheckoutLine is one line of a checkout as the page shows it.
type CheckoutLine struct {
	Price    billing.Price
	Product  billing.Product
	Quantity int64
	Amount   int64 // unit amount × quantity
}

// CheckoutView is everything the checkout page shows.
type CheckoutView struct {
	Session  billing.CheckoutSession // Status is the effective one
	Merchant billing.Merchant
	Customer *billing.Customer
	Lines    []CheckoutLine
	// Choices are the prices the customer may pick for the first line: its
	// own and the product's other active prices in the same currency with a
	// different cycle (the monthly/annual choice). Empty when there is
	// nothing to choose.
	Choices []billing.Price
	// ChoiceDue is what each choice would charge today (discount and
	// trial included), in the order of Choices.
	ChoiceDue []int64
	Currency  string
	Subtotal  int64
	Coupon    *billing.Coupon // the promotion code's coupon, when one is applied
	Discount  int64           // what the coupon takes off the first invoice
	// Tax is the first invoice's tax per rate, as the invoice will carry
	// it (billing.ComputeInvoiceTax: the prices' rates, else the
	// merchant's default; none for an exempt customer), and Total what it
	// charges: Subtotal − Discount + the exclusive tax.
	Tax       billing.InvoiceTax
	Total     int64
	TrialDays int64    // the trial the subscription will start with
	Gateways  []string // where the card can be saved, in order of preference (OpenCheckout fills it)
}

// OpenCheckout checks a checkout link (id and secret) and returns what the
// page shows, whatever the session's status.
func (a *Checkout) OpenCheckout(ctx context.Context, id, secret string) (CheckoutView, error) {
	v, err := read(ctx, a.core, func(tx billing.Tx) (CheckoutView, error) {
		cs, err := a.loadCheckout(ctx, tx, id, secret)
		if err != nil {
			return CheckoutView{}, err
		}
		return a.checkoutView(ctx, tx, cs)
	})
	if err != nil {
		return v, err
	}
	v.Gateways = a.checkoutGateways(ctx, v.Session.Scope, v.Currency, v.Session.Gateway, v.Session.Mode)
	return v, nil
}

func (a *Checkout) checkoutView(ctx context.Context, tx billing.Tx, cs billing.CheckoutSession) (CheckoutView, error) {
	s := cs.Scope
	cs.Status = cs.EffectiveStatus(a.Now())
	v := CheckoutView{Session: cs}
	var err error
	if v.Merchant, err = tx.Merchants.GetMerchant(ctx, s.MerchantID); err != nil {
		return v, fmt.Errorf("read merchant: %w", err)
	}
	taxes, err := taxesFor(ctx, tx, s, v.Merchant, nil)
	if err != nil {
		return v, err
	}
	// The lines the first invoice will have, with their tax rates.
	var lines []billing.InvoiceLine
	lineOf := func(price billing.Price, amount int64) (billing.InvoiceLine, error) {
		rates, err := taxes.forPrice(ctx, tx, price)
		return billing.InvoiceLine{Type: billing.LineSubscription, PriceID: price.ID, Amount: amount, TaxRates: rates}, err
	}
	if cs.CustomerID != "" {
		c, err := tx.Customers.GetCustomer(ctx, s, cs.CustomerID)
		if err != nil {
			return v, fmt.Errorf("read customer %s: %w", cs.CustomerID, err)
		}
		v.Customer = &c
	}
	for i, li := range cs.LineItems {
		price, err := tx.Catalog.GetPrice(ctx, s, li.PriceID)
		if err != nil {
			return v, fmt.Errorf("read price %s: %w", li.PriceID, err)
		}
		prod, err := tx.Catalog.GetProduct(ctx, s, price.ProductID)
		if err != nil {
			return v, fmt.Errorf("read product %s: %w", price.ProductID, err)
		}
		amount, err := billing.ItemTotal(billing.ProrationItem{PriceID: price.ID, UnitAmount: price.UnitAmount, Quantity: li.Quantity})
		if err != nil {
			return v, err
		}
		v.Lines = append(v.Lines, CheckoutLine{Price: price, Product: prod, Quantity: li.Quantity, Amount: amount})
		l, err := lineOf(price, amount)
		if err != nil {
			return v, err
		}
		lines = append(lines, l)
		v.Subtotal += amount
		v.Currency = price.Currency
		if price.TrialPeriodDays > v.TrialDays {
			v.TrialDays = price.TrialPeriodDays
		}
		if i == 0 && len(cs.LineItems) == 1 && price.Recurring != nil {
			if v.Choices, err = cycleChoices(ctx, tx, price); err != nil {
				return v, err
			}
		}
	}
	if cs.TrialPeriodDays != nil {
		v.TrialDays = *cs.TrialPeriodDays
	}
	if cs.PromotionCode != "" {
		if c, _, err := a.promotionCoupon(ctx, tx, s, cs.PromotionCode, v.Currency); err == nil {
			v.Coupon = &c
		}
	}
	exempt := v.Customer != nil && v.Customer.IsTaxExempt()
	if v.Discount, v.Tax, v.Total, err = v.firstInvoice(lines, v.Subtotal, exempt); err != nil {
		return v, err
	}
	for _, p := range v.Choices {
		amount, err := billing.ItemTotal(billing.ProrationItem{PriceID: p.ID, UnitAmount: p.UnitAmount, Quantity: cs.LineItems[0].Quantity})
		if err != nil {
			return v, err
		}
		l, err := lineOf(p, amount)
		if err != nil {
			return v, err
		}
		_, _, due, err := v.firstInvoice([]billing.InvoiceLine{l}, amount, exempt)
		if err != nil {
			return v, err
		}
		v.ChoiceDue = append(v.ChoiceDue, due)
	}
	return v, nil
}

// firstInvoice prices the first invoice of lines (subtotal their sum) as
// the invoice itself will be priced: the coupon's discount, then the tax
// by billing.ComputeInvoiceTax. It returns the discount, the tax and the
// total; the trial is applied by the caller's template (nothing today).
func (v CheckoutView) firstInvoice(lines []billing.InvoiceLine, subtotal int64, exempt bool) (int64, billing.InvoiceTax, int64, error) {
	var off int64
	if v.Coupon != nil {
		var err error
		if off, err = billing.DiscountAmount(*v.Coupon, subtotal); err != nil {
			return 0, billing.InvoiceTax{}, 0, err
		}
	}
	tax, err := billing.ComputeInvoiceTax(lines, off, exempt)
	if err != nil {
		return 0, billing.InvoiceTax{}, 0, err
	}
	return off, tax, tax.Total(subtotal, off), nil
}

// cycleChoices lists the active recurring prices of price's product in its
// currency, one per billing cycle, price itself included; nil when there
// is only the one.
func cycleChoices(ctx context.Context, tx billing.Tx, price billing.Price) ([]billing.Price, error) {
	active := true
	prices, _, err := tx.Catalog.ListPrices(ctx, price.Scope, billing.PriceFilter{ProductID: price.ProductID, Active: &active,
		Type: billing.PriceRecurring}, billing.Page{Limit: 100})
	if err != nil {
		return nil, fmt.Errorf("list prices of %s: %w", price.ProductID, err)
	}
	out := []billing.Price{price}
	seen := map[billing.Recurring]bool{*price.Recurring: true}
	for _, p := range prices {
		if p.Currency != price.Currency || p.Recurring == nil || seen[*p.Recurring] {
			continue
		}
		seen[*p.Recurring] = true
		out = append(out, p)
	}
	if len(out) == 1 {
		return nil, nil
	}
	return out, nil
}

// promotionCoupon finds the coupon behind a promotion code and checks that
// a new subscription in currency could redeem it now.
func (a *Checkout) promotionCoupon(ctx context.Context, tx billing.Tx, s billing.Scope, code, currency string) (billing.Coupon, billing.PromotionCode, error) {
	bad := billing.Invalid("promotion_code", billing.CodeParameterInvalid, "promotion code %q is not valid", code)
	now := a.Now()
	l, _, err := tx.Coupons.ListPromotionCodes(ctx, s, billing.PromotionCodeFilter{Code: NormalizeCode(code)}, billing.Page{Limit: 1})
	if err != nil {
		return billing.Coupon{}, billing.PromotionCode{}, fmt.Errorf("find promotion code: %w", err)
	}
	if len(l) == 0 || !l[0].Active || (l[0].ExpiresAt != nil && !now.Before(*l[0].ExpiresAt)) ||
		(l[0].MaxRedemptions > 0 && l[0].TimesRedeemed >= l[0].MaxRedemptions) {
		return billing.Coupon{}, billing.PromotionCode{}, bad
	}
	c, err := tx.Coupons.GetCoupon(ctx, s, l[0].CouponID)
	if err != nil || !c.Valid(now) || (c.AmountOff > 0 && c.Currency != currency) {
		return billing.Coupon{}, billing.PromotionCode{}, bad
	}
	return c, l[0], nil
}

// CheckoutSubmit is what the customer sent from the checkout page.
type CheckoutSubmit struct {
	Email         string
	Price         string // the billing cycle picked (one of the view's Choices); "" keeps the first line
	PromotionCode string
	Gateway       string
	ApplyOnly     bool // only apply the promotion code and cycle, do not go on to the card page
}

// SubmitCheckout takes the checkout form. It records the email (making the
// customer), the cycle and the promotion code, refuses a customer who
// already has a live subscription to the product, and starts the card
// setup on the chosen gateway; it returns where to send the browser (the
// gateway's card page), or "" for ApplyOnly. Errors are *billing.Error
// with the offending form field as Param.
func (a *Checkout) SubmitCheckout(ctx context.Context, id, secret string, in CheckoutSubmit) (string, error) {
	in.Email, in.PromotionCode = strings.TrimSpace(in.Email), strings.TrimSpace(in.PromotionCode)
	var cs billing.CheckoutSession
	var view CheckoutView
	err := a.store.InTx(ctx, func(tx billing.Tx) error {
		var err error
		if cs, err = a.loadCheckout(ctx, tx, id, secret); err != nil {
			return err
		}
		if cs.EffectiveStatus(a.Now()) != billing.CheckoutOpen {
			return billing.Errorf(billing.KindConflict, billing.CodeSessionExpired, "this checkout is %s", cs.EffectiveStatus(a.Now()))
		}
		before := cs
		if view, err = a.checkoutView(ctx, tx, cs); err != nil {
			return err
		}
		if in.Price != "" && len(cs.LineItems) == 1 && in.Price != cs.LineItems[0].PriceID {
			ok := false
			for _, p := range view.Choices {
				ok = ok || p.ID == in.Price
			}
			if !ok {
				return billing.Invalid("price", billing.CodeParameterInvalid, "price %q is not a choice of this checkout", in.Price)
			}
			cs.LineItems[0].PriceID = in.Price
		}
		if cs.CustomerID == "" {
			var v validator
			v.required("email", in.Email)
			v.maxLen("email", in.Email, 512)
			v.email("email", in.Email)
			if err := v.err(); err != nil && !in.ApplyOnly {
				return err
			} else if err == nil {
				cs.CustomerEmail = in.Email
			}
		}
		cs.PromotionCode = ""
		if in.PromotionCode != "" {
			if !cs.AllowPromotionCodes {
				return billing.Invalid("promotion_code", billing.CodeParameterUnknown, "this checkout takes no promotion codes")
			}
			if _, _, err := a.promotionCoupon(ctx, tx, cs.Scope, in.PromotionCode, view.Currency); err != nil {
				return err
			}
			cs.PromotionCode = NormalizeCode(in.PromotionCode)
		}
		cs.FailureMessage, cs.Updated = "", a.Now()
		return a.saveCheckout(ctx, tx, before, &cs, "checkout_session.update", "")
	})
	if err != nil || in.ApplyOnly {
		return "", err
	}
	ctx = withCustomerActor(ctx, cs.CustomerID)
	if cs.Mode == billing.CheckoutModeSubscription {
		if err := a.checkoutNotSubscribed(ctx, cs); err != nil {
			return "", err
		}
	}
	gateways := a.checkoutGateways(ctx, cs.Scope, view.Currency, cs.Gateway, cs.Mode)
	gateway := in.Gateway
	if gateway == "" && len(gateways) > 0 {
		gateway = gateways[0]
	}
	if !slices.Contains(gateways, gateway) {
		return "", billing.Errorf(billing.KindUnavailable, billing.CodeGatewayUnavailable, "no gateway can take this card now")
	}
	if cs, err = a.checkoutCustomer(ctx, cs); err != nil {
		return "", err
	}
	if cs.Mode == billing.CheckoutModePayment {
		return a.submitPaymentCheckout(ctx, cs, secret, gateway)
	}
	ret := a.PublicURL() + "/checkout/" + cs.ID + "/return?token=" + url.QueryEscape(secret)
	st, dest, err := a.customers.CreateSetup(ctx, cs.Scope, cs.CustomerID, CreateSetupParams{Gateway: gateway, ReturnURL: ret})
	if err != nil {
		return "", err
	}
	err = a.store.InTx(ctx, func(tx billing.Tx) error {
		cur, err := tx.Checkout.GetCheckoutSession(ctx, cs.Scope, cs.ID)
		if err != nil {
			return fmt.Errorf("read checkout session %s: %w", cs.ID, err)
		}
		before := cur
		cur.SetupID, cur.Updated = st.ID, a.Now()
		return a.saveCheckout(ctx, tx, before, &cur, "checkout_session.update", "")
	})
	if err != nil {
		return "", err
	}
	return dest, nil
}

// checkoutCustomer makes the customer of a checkout that has only an
// email. Checkout never reuses an existing customer found by email: that
// would let anyone who types an address attach a card to someone else's
// account. The customer is saved on the session, so a retry reuses it.
func (a *Checkout) checkoutCustomer(ctx context.Context, cs billing.CheckoutSession) (billing.CheckoutSession, error) {
	if cs.CustomerID != "" {
		return cs, nil
	}
	locale := cs.Locale
	err := a.store.InTx(ctx, func(tx billing.Tx) error {
		cur, err := tx.Checkout.GetCheckoutSession(ctx, cs.Scope, cs.ID)
		if err != nil {
			return fmt.Errorf("read checkout session %s: %w", cs.ID, err)
		}
		if cur.CustomerID != "" {
			cs = cur
			return nil
		}
		now := a.Now()
		c := billing.Customer{ID: billing.NewID(billing.PrefixCustomer, now), Scope: cs.Scope, Email: cur.CustomerEmail,
			Locale: locale, Metadata: billing.Metadata{"checkout_session": cs.ID}, Created: now, Updated: now}
		if err := tx.Customers.CreateCustomer(ctx, c); err != nil {
			return conflict(fmt.Errorf("create customer: %w", err))
		}
		if err := a.audit(ctx, tx, change{merchantID: c.Scope.MerchantID, mode: c.Scope.Mode, action: "customer.create",
			objectType: "customer", objectID: c.ID, after: c}); err != nil {
			return err
		}
		before := cur
		cur.CustomerID, cur.Updated = c.ID, now
		if err := a.saveCheckout(ctx, tx, before, &cur, "checkout_session.update", ""); err != nil {
			return err
		}
		cs = cur
		return nil
	})
	return cs, err
}

// checkoutNotSubscribed refuses a subscription checkout whose customer —
// the session's, or any customer of the scope with the session's email —
// already has a live subscription to one of its products.
func (a *Checkout) checkoutNotSubscribed(ctx context.Context, cs billing.CheckoutSession) error {
	return a.store.InTx(ctx, func(tx billing.Tx) error {
		var items []billing.SubscriptionItem
		for _, li := range cs.LineItems {
			p, err := tx.Catalog.GetPrice(ctx, cs.Scope, li.PriceID)
			if err != nil {
				return fmt.Errorf("read price %s: %w", li.PriceID, err)
			}
			items = append(items, billing.SubscriptionItem{PriceID: p.ID, ProductID: p.ProductID})
		}
		var ids []string
		if cs.CustomerID != "" {
			ids = append(ids, cs.CustomerID)
		}
		if cs.CustomerEmail != "" {
			same, _, err := tx.Customers.ListCustomers(ctx, cs.Scope, billing.CustomerFilter{Email: cs.CustomerEmail}, billing.Page{Limit: 100})
			if err != nil {
				return fmt.Errorf("find customers by email: %w", err)
			}
			for _, c := range same {
				if !slices.Contains(ids, c.ID) {
					ids = append(ids, c.ID)
				}
			}
		}
		return a.checkNotSubscribed(ctx, tx, cs.Scope, ids, items)
	})
}

// CheckoutOutcome is what a return from the gateway's card page led to.
type CheckoutOutcome struct {
	// Done: the checkout is complete; send the browser to RedirectURL
	// (the success_url with session_id).
	Done        bool
	RedirectURL string
	// Failure is why it is not done (a CheckoutFail… code, "" when nothing
	// was under way), with the gateway's or cuota's explanation.
	Failure        string
	FailureCode    string // the decline code, for declines
	FailureMessage string
}

// ReturnCheckout handles the browser's return from the gateway's card
// page. The card setup was verified with the gateway before the browser got
// here; this claims it once (a second return finds nothing to do), then
// creates the subscription with the card (or, in setup mode, keeps the
// card) and completes the session, with its audit entry and event. A
// declined first charge leaves the session open with the reason, so the
// customer can try another card.
func (a *Checkout) ReturnCheckout(ctx context.Context, id, secret string) (CheckoutOutcome, error) {
	out, err := a.returnCheckout(ctx, id, secret)
	if err == nil && out.Done {
		out.RedirectURL = a.withThanksToken(out.RedirectURL, id, secret)
	}
	return out, err
}

// returnCheckout is ReturnCheckout before the thank-you page's token is
// added to where the browser goes.
func (a *Checkout) returnCheckout(ctx context.Context, id, secret string) (CheckoutOutcome, error) {
	var cs billing.CheckoutSession
	var st billing.PaymentMethodSetup
	var claimed bool
	err := a.store.InTx(ctx, func(tx billing.Tx) error {
		var err error
		if cs, err = a.loadCheckout(ctx, tx, id, secret); err != nil {
			return err
		}
		if cs.EffectiveStatus(a.Now()) == billing.CheckoutExpired {
			return billing.Errorf(billing.KindConflict, billing.CodeSessionExpired, "this checkout has expired")
		}
		if cs.Mode == billing.CheckoutModePayment {
			return nil // settled below, by what the gateway says of the payment
		}
		if cs.Status != billing.CheckoutOpen || cs.SetupID == "" {
			return nil
		}
		if st, err = tx.Setups.GetSetup(ctx, cs.Scope, cs.SetupID); err != nil {
			return fmt.Errorf("read setup %s: %w", cs.SetupID, err)
		}
		before := cs
		cs.SetupID, cs.Updated = "", a.Now()
		switch {
		case st.Status == billing.SetupPending:
			cs.FailureMessage = CheckoutFailUnfinished
		case st.Status != billing.SetupSucceeded:
			cs.FailureMessage = st.FailureMessage
		}
		if err := a.saveCheckout(ctx, tx, before, &cs, "checkout_session.update", ""); err != nil {
			return err
		}
		claimed = true
		return nil
	})
	if errors.Is(err, billing.ErrVersionConflict) {
		// Another request claimed this return first: show where it got.
		return a.checkoutState(ctx, id, secret)
	}
	if err != nil {
		return CheckoutOutcome{}, err
	}
	if cs.Mode == billing.CheckoutModePayment {
		return a.returnPaymentCheckout(withCustomerActor(ctx, cs.CustomerID), cs)
	}
	if !claimed {
		return outcomeOf(cs)
	}
	ctx = withCustomerActor(ctx, cs.CustomerID)
	switch st.Status {
	case billing.SetupSucceeded:
	case billing.SetupPending:
		return CheckoutOutcome{Failure: CheckoutFailUnfinished}, nil
	default:
		if st.FailureMessage == "the customer canceled" {
			return CheckoutOutcome{Failure: CheckoutFailCanceled}, nil
		}
		return CheckoutOutcome{Failure: CheckoutFailSetupFailed, FailureMessage: st.FailureMessage}, nil
	}
	if cs.Mode == billing.CheckoutModeSetup {
		return a.completeCheckout(ctx, cs, st.PaymentMethodID, "")
	}
	// The customer may have subscribed elsewhere since the form: check again.
	if err := a.checkoutNotSubscribed(ctx, cs); err != nil {
		if e := billing.AsError(err); e != nil && e.Code == billing.CodeAlreadySubscribed {
			return a.failCheckout(ctx, cs, CheckoutOutcome{Failure: CheckoutFailSubscribed})
		}
		return CheckoutOutcome{}, err
	}
	items := make([]ItemParams, len(cs.LineItems))
	for i, li := range cs.LineItems {
		items[i] = ItemParams{Price: li.PriceID, Quantity: li.Quantity}
	}
	sub, err := a.subscriptions.CreateSubscription(ctx, cs.Scope, CreateSubscriptionParams{Customer: cs.CustomerID, Items: items,
		PaymentMethod: st.PaymentMethodID, TrialPeriodDays: cs.TrialPeriodDays, PromotionCode: cs.PromotionCode,
		Metadata: billing.Metadata{"checkout_session": cs.ID}})
	if e := billing.AsError(err); e != nil {
		return a.failCheckout(ctx, cs, CheckoutOutcome{Failure: CheckoutFailRefused, FailureCode: e.Code, FailureMessage: e.Message})
	}
	if err != nil {
		return CheckoutOutcome{}, err
	}
	if sub.Status == billing.SubscriptionIncompleteExpired {
		out := CheckoutOutcome{Failure: CheckoutFailDeclined}
		if pay, err := a.firstPayment(ctx, sub); err == nil {
			out.FailureCode, out.FailureMessage = pay.FailureCode, pay.FailureMessage
		} else {
			a.logger.ErrorContext(ctx, "read declined checkout payment", "subscription", sub.ID, "error", err)
		}
		return a.failCheckout(ctx, cs, out)
	}
	return a.completeCheckout(ctx, cs, st.PaymentMethodID, sub.ID)
}

// checkoutState reports where a session stands without changing it.
func (a *Checkout) checkoutState(ctx context.Context, id, secret string) (CheckoutOutcome, error) {
	cs, err := read(ctx, a.core, func(tx billing.Tx) (billing.CheckoutSession, error) { return a.loadCheckout(ctx, tx, id, secret) })
	if err != nil {
		return CheckoutOutcome{}, err
	}
	return outcomeOf(cs)
}

func outcomeOf(cs billing.CheckoutSession) (CheckoutOutcome, error) {
	if cs.Status == billing.CheckoutComplete {
		dest, err := successURL(cs)
		return CheckoutOutcome{Done: true, RedirectURL: dest}, err
	}
	return CheckoutOutcome{}, nil
}

// firstPayment returns the payment of a subscription's first invoice.
func (a *Checkout) firstPayment(ctx context.Context, sub billing.Subscription) (billing.Payment, error) {
	return read(ctx, a.core, func(tx billing.Tx) (billing.Payment, error) {
		invs, _, err := tx.Invoices.ListInvoices(ctx, sub.Scope, billing.InvoiceFilter{SubscriptionID: sub.ID}, billing.Page{Limit: 1})
		if err != nil || len(invs) == 0 {
			return billing.Payment{}, fmt.Errorf("first invoice of %s: %w", sub.ID, errors.Join(err, billing.ErrNotFound))
		}
		pays, _, err := tx.Payments.ListPayments(ctx, sub.Scope, billing.PaymentFilter{InvoiceID: invs[0].ID}, billing.Page{Limit: 1})
		if err != nil || len(pays) == 0 {
			return billing.Payment{}, fmt.Errorf("payment of %s: %w", invs[0].ID, errors.Join(err, billing.ErrNotFound))
		}
		return pays[0], nil
	})
}

// failCheckout records why an attempt failed on the still-open session.
func (a *Checkout) failCheckout(ctx context.Context, cs billing.CheckoutSession, out CheckoutOutcome) (CheckoutOutcome, error) {
	err := a.store.InTx(ctx, func(tx billing.Tx) error {
		cur, err := tx.Checkout.GetCheckoutSession(ctx, cs.Scope, cs.ID)
		if err != nil {
			return fmt.Errorf("read checkout session %s: %w", cs.ID, err)
		}
		before := cur
		cur.FailureMessage, cur.Updated = out.Failure, a.Now()
		if out.FailureCode != "" {
			cur.FailureMessage += ": " + out.FailureCode
		}
		return a.saveCheckout(ctx, tx, before, &cur, "checkout_session.update", "")
	})
	return out, err
}

// completeCheckout ends a session with its card and subscription, its
// audit entry and its checkout.session.completed event in one transaction.
func (a *Checkout) completeCheckout(ctx context.Context, cs billing.CheckoutSession, pmID, subID string) (CheckoutOutcome, error) {
	err := a.store.InTx(ctx, func(tx billing.Tx) error {
		cur, err := tx.Checkout.GetCheckoutSession(ctx, cs.Scope, cs.ID)
		if err != nil {
			return fmt.Errorf("read checkout session %s: %w", cs.ID, err)
		}
		before := cur
		now := a.Now()
		cur.Status, cur.PaymentMethodID, cur.SubscriptionID, cur.FailureMessage = billing.CheckoutComplete, pmID, subID, ""
		cur.CompletedAt, cur.Updated = &now, now
		if err := a.saveCheckout(ctx, tx, before, &cur, "checkout_session.complete", EventCheckoutSessionCompleted); err != nil {
			return err
		}
		cs = cur
		return nil
	})
	if err != nil {
		return CheckoutOutcome{}, err
	}
	return outcomeOf(cs)
}
