package app

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"time"

	"github.com/cuota/cuota/internal/billing"
)

// CreatePortalSession makes a one-hour link to the customer portal, where
// the customer sees their subscriptions, invoices and card and can update
// the card, cancel, reactivate and change plan. The URL holds the link's
// secret and is only returned here.
func (a *Portal) CreatePortalSession(ctx context.Context, s billing.Scope, customerID, returnURL string) (billing.PortalSession, string, error) {
	var v validator
	v.required("customer", customerID)
	v.redirectURL("return_url", returnURL)
	if err := v.err(); err != nil {
		return billing.PortalSession{}, "", err
	}
	if a.PublicURL() == "" {
		return billing.PortalSession{}, "", fmt.Errorf("create portal session: the public URL of hosted pages is not configured")
	}
	secret := billing.PrefixHostedSecret + rand.Text()
	now := a.Now()
	p := billing.PortalSession{ID: billing.NewID(billing.PrefixPortalSession, now), Scope: s, CustomerID: customerID,
		ReturnURL: returnURL, SecretHash: hashSecret(secret), ExpiresAt: now.Add(PortalTTL), Created: now}
	err := a.store.InTx(ctx, func(tx billing.Tx) error {
		if _, err := liveCustomer(ctx, tx, s, customerID); err != nil {
			return referenced(err, "customer", customerID)
		}
		if err := tx.Checkout.CreatePortalSession(ctx, p); err != nil {
			return fmt.Errorf("create portal session: %w", err)
		}
		return a.audit(ctx, tx, change{merchantID: s.MerchantID, mode: s.Mode, action: "portal_session.create",
			objectType: "portal_session", objectID: p.ID, after: p})
	})
	if err != nil {
		return billing.PortalSession{}, "", err
	}
	return p, a.portalURL(p.ID, secret), nil
}

func (a *Portal) portalURL(id, secret string) string {
	return a.PublicURL() + "/portal/" + id + "?token=" + url.QueryEscape(secret)
}

// loadPortal reads the portal session a link names, checking its secret
// and expiry: unknown and wrong-secret links are not found, expired ones a
// conflict.
func (a *Portal) loadPortal(ctx context.Context, tx billing.Tx, id, secret string) (billing.PortalSession, error) {
	p, err := tx.Checkout.GetPortalSessionByID(ctx, id)
	if errors.Is(err, billing.ErrNotFound) || (err == nil && !openHosted(p.SecretHash, secret)) {
		return p, billing.NotFound("portal_session", id)
	}
	if err != nil {
		return p, fmt.Errorf("read portal session %s: %w", id, err)
	}
	if !a.Now().Before(p.ExpiresAt) {
		return p, billing.Errorf(billing.KindConflict, billing.CodeSessionExpired, "this portal link has expired")
	}
	return p, nil
}

// PortalItem is one price of a subscription, with its product.
type PortalItem struct {
	Product  billing.Product
	Price    billing.Price
	Quantity int64
}

// PortalSubscription is a subscription as the portal shows it.
type PortalSubscription struct {
	Sub   billing.Subscription
	Items []PortalItem
	// Renews is false when no renewal is coming (canceled, scheduled to
	// cancel, or ending). NextAt and NextAmount are the next invoice's date
	// and what it will ask for: its total, discount included, less the
	// customer's credit it will use.
	Renews        bool
	NextAt        time.Time
	NextAmount    int64
	PaymentMethod *billing.PaymentMethod
	CanChange     bool // one item, live: the plan can be changed
}

// PortalInvoice is an invoice as the portal lists it, with the customer's
// links to its page and its PDF (the same capability the invoice email
// carries).
type PortalInvoice struct {
	billing.Invoice
	PageURL, PDFURL string
}

// PortalView is what the portal's main page shows.
type PortalView struct {
	Session       billing.PortalSession
	Merchant      billing.Merchant
	Customer      billing.Customer
	Subscriptions []PortalSubscription
	Invoices      []PortalInvoice
	PaymentMethod *billing.PaymentMethod // the customer's newest active card
	Gateways      []string               // where a new card can be saved (OpenPortal fills it)
	// Credit is the customer's credit balance (in Customer.Currency),
	// which its next invoices use; 0 when it has none.
	Credit int64
}

// OpenPortal checks a portal link and returns what the portal shows.
func (a *Portal) OpenPortal(ctx context.Context, id, secret string) (PortalView, error) {
	v, err := read(ctx, a.core, func(tx billing.Tx) (PortalView, error) {
		p, err := a.loadPortal(ctx, tx, id, secret)
		if err != nil {
			return PortalView{}, err
		}
		return a.portalView(ctx, tx, p)
	})
	if err != nil {
		return v, err
	}
	v.Gateways = a.portalGateways(ctx, v)
	return v, nil
}

// portalGateways lists where the portal can save a new card: the gateways
// that take the currency of the customer's live subscriptions (any, when
// they have none or several).
func (a *Portal) portalGateways(ctx context.Context, v PortalView) []string {
	currencies := map[string]bool{}
	for _, ps := range v.Subscriptions {
		if !ps.Sub.Status.Terminal() {
			currencies[ps.Sub.Currency] = true
		}
	}
	currency := ""
	if len(currencies) == 1 {
		for c := range currencies {
			currency = c
		}
	}
	return a.checkout.CheckoutGateways(ctx, v.Session.Scope, currency, "")
}

func (a *Portal) portalView(ctx context.Context, tx billing.Tx, p billing.PortalSession) (PortalView, error) {
	s := p.Scope
	v := PortalView{Session: p}
	var err error
	if v.Merchant, err = tx.Merchants.GetMerchant(ctx, s.MerchantID); err != nil {
		return v, fmt.Errorf("read merchant: %w", err)
	}
	if v.Customer, err = tx.Customers.GetCustomer(ctx, s, p.CustomerID); err != nil {
		return v, fmt.Errorf("read customer %s: %w", p.CustomerID, err)
	}
	one := []billing.Customer{v.Customer}
	if err := withBalances(ctx, tx, s, one); err != nil {
		return v, err
	}
	v.Customer = one[0]
	v.Credit = max(-v.Customer.Balance, 0)
	subs, _, err := tx.Subscriptions.ListSubscriptions(ctx, s, billing.SubscriptionFilter{CustomerID: p.CustomerID}, billing.Page{Limit: 50})
	if err != nil {
		return v, fmt.Errorf("list subscriptions: %w", err)
	}
	for _, sub := range subs {
		if sub.Status == billing.SubscriptionIncompleteExpired {
			continue // never started: nothing for the customer to see
		}
		ps, err := a.portalSubscription(ctx, tx, v.Merchant, sub)
		if err != nil {
			return v, err
		}
		v.Subscriptions = append(v.Subscriptions, ps)
	}
	invs, _, err := tx.Invoices.ListInvoices(ctx, s, billing.InvoiceFilter{CustomerID: p.CustomerID}, billing.Page{Limit: 12})
	if err != nil {
		return v, fmt.Errorf("list invoices: %w", err)
	}
	for _, inv := range invs {
		if inv.Status == billing.InvoiceDraft {
			continue // not the customer's yet
		}
		pi := PortalInvoice{Invoice: inv}
		if pi.PageURL, err = a.payPages.invoiceURL(v.Merchant, s, inv.ID); err != nil {
			return v, err
		}
		if pi.PDFURL, err = a.payPages.invoicePDFURL(v.Merchant, s, inv.ID); err != nil {
			return v, err
		}
		v.Invoices = append(v.Invoices, pi)
	}
	pms, err := tx.PaymentMethods.ListPaymentMethods(ctx, s, p.CustomerID)
	if err != nil {
		return v, fmt.Errorf("list payment methods: %w", err)
	}
	for _, pm := range pms {
		if pm.Status == billing.PaymentMethodActive {
			v.PaymentMethod = &pm
			break
		}
	}
	return v, nil
}

// portalSubscription describes one subscription, with its next invoice.
func (a *Portal) portalSubscription(ctx context.Context, tx billing.Tx, m billing.Merchant, sub billing.Subscription) (PortalSubscription, error) {
	ps := PortalSubscription{Sub: sub}
	for _, it := range sub.Items {
		price, err := tx.Catalog.GetPrice(ctx, sub.Scope, it.PriceID)
		if err != nil {
			return ps, fmt.Errorf("read price %s: %w", it.PriceID, err)
		}
		prod, err := tx.Catalog.GetProduct(ctx, sub.Scope, it.ProductID)
		if err != nil {
			return ps, fmt.Errorf("read product %s: %w", it.ProductID, err)
		}
		ps.Items = append(ps.Items, PortalItem{Product: prod, Price: price, Quantity: it.Quantity})
	}
	if sub.PaymentMethodID != "" {
		if pm, err := tx.PaymentMethods.GetPaymentMethod(ctx, sub.Scope, sub.PaymentMethodID); err == nil {
			ps.PaymentMethod = &pm
		}
	}
	live := sub.Status == billing.SubscriptionActive || sub.Status == billing.SubscriptionTrialing || sub.Status == billing.SubscriptionPastDue
	ps.CanChange = live && len(sub.Items) == 1 && !sub.CancelAtPeriodEnd
	if !live || sub.CancelAtPeriodEnd {
		return ps, nil
	}
	next, err := a.upcomingInvoice(ctx, tx, m, sub)
	if errors.Is(err, errNoRenewal) {
		return ps, nil
	}
	if err != nil {
		return ps, err
	}
	ps.Renews, ps.NextAt, ps.NextAmount = true, next.PeriodStart, next.AmountDue
	return ps, nil
}

// errNoRenewal: the subscription ends before another period starts.
var errNoRenewal = errors.New("no renewal")

// upcomingInvoice drafts, without saving anything, the invoice of sub's
// next period: the items that will apply then (a scheduled change
// included), the prorations waiting for it, and the discount, priced by the
// same functions that will bill it.
func (a *Portal) upcomingInvoice(ctx context.Context, tx billing.Tx, m billing.Merchant, sub billing.Subscription) (billing.Invoice, error) {
	loc := merchantLocation(m)
	next := sub
	next.Items = slices.Clone(sub.Items)
	next.PendingLines = slices.Clone(sub.PendingLines)
	if err := next.MoveToCycle(sub.CycleIndex+1, loc); err != nil {
		return billing.Invoice{}, errNoRenewal // no period after 9999 to bill
	}
	if sub.Status == billing.SubscriptionTrialing && sub.TrialEnd != nil {
		next.CurrentPeriodStart = *sub.TrialEnd
	}
	if sub.EndDate != nil && !next.CurrentPeriodStart.Before(*sub.EndDate) {
		return billing.Invoice{}, errNoRenewal
	}
	if done, err := a.renewals.cyclesDone(ctx, tx, &sub); err != nil {
		return billing.Invoice{}, err
	} else if done {
		return billing.Invoice{}, errNoRenewal
	}
	if next.ApplyDueChange(next.CurrentPeriodStart) {
		next.Items = slices.Clone(next.Items) // the draft must not share the stored change's items
	}
	inv, err := a.invoicing.draftPeriodInvoice(m, &next, billing.ReasonSubscriptionCycle, next.CurrentPeriodStart)
	if err != nil {
		return inv, err
	}
	if err := a.invoicing.estimateUF(ctx, tx, m, &inv); err != nil {
		return inv, err
	}
	if _, err := a.invoicing.priceForCustomer(ctx, tx, m, &next, &inv); err != nil {
		return inv, err
	}
	return inv, nil
}

// portalSubscriptionOf returns one of the portal customer's subscriptions.
func (a *Portal) portalSubscriptionOf(ctx context.Context, tx billing.Tx, p billing.PortalSession, subID string) (billing.Subscription, error) {
	sub, err := tx.Subscriptions.GetSubscription(ctx, p.Scope, subID)
	if err != nil || sub.CustomerID != p.CustomerID {
		return sub, billing.NotFound("subscription", subID)
	}
	return sub, nil
}

// portalAct checks a portal link and that subID is its customer's, then
// runs fn as the customer.
func (a *Portal) portalAct(ctx context.Context, id, secret, subID string, fn func(ctx context.Context, p billing.PortalSession) error) error {
	p, err := read(ctx, a.core, func(tx billing.Tx) (billing.PortalSession, error) {
		p, err := a.loadPortal(ctx, tx, id, secret)
		if err != nil {
			return p, err
		}
		if subID != "" {
			_, err = a.portalSubscriptionOf(ctx, tx, p, subID)
		}
		return p, err
	})
	if err != nil {
		return err
	}
	return fn(withCustomerActor(ctx, p.CustomerID), p)
}

// PortalCancel schedules a portal customer's subscription to cancel at the
// end of its period (ReactivateSubscription can undo it until then). The
// portal asks why: feedback is required there, the comment optional.
func (a *Portal) PortalCancel(ctx context.Context, id, secret, subID string, feedback billing.CancellationFeedback, comment string) (billing.Subscription, error) {
	if feedback == "" {
		return billing.Subscription{}, billing.Invalid("cancellation_details.feedback", billing.CodeParameterMissing, "say why you cancel")
	}
	var sub billing.Subscription
	err := a.portalAct(ctx, id, secret, subID, func(ctx context.Context, p billing.PortalSession) error {
		var err error
		sub, err = a.subscriptions.CancelSubscription(ctx, p.Scope, subID, CancelParams{AtPeriodEnd: true,
			Reason: string(billing.CancelRequestedByCustomer), Feedback: feedback, Comment: comment})
		return err
	})
	return sub, err
}

// PortalReactivate clears a scheduled cancellation of a portal customer's
// subscription.
func (a *Portal) PortalReactivate(ctx context.Context, id, secret, subID string) (billing.Subscription, error) {
	var sub billing.Subscription
	err := a.portalAct(ctx, id, secret, subID, func(ctx context.Context, p billing.PortalSession) error {
		var err error
		sub, err = a.subscriptions.ReactivateSubscription(ctx, p.Scope, subID)
		return err
	})
	return sub, err
}

// PortalPlan is a price a subscription can change to.
type PortalPlan struct {
	Product billing.Product
	Price   billing.Price
}

// PortalChangeView is the plan-change page: the subscription, the plans it
// can move to and, once one is picked, the exact preview.
type PortalChangeView struct {
	Portal  PortalView
	Current PortalSubscription
	Plans   []PortalPlan
	Picked  *PortalPlan
	Preview *ChangePreview
	// Reduced lists the features the change lowers or removes (a
	// downgrade's warning).
	Reduced []billing.FeatureChange
}

// PortalChangeOptions lists what a portal customer's subscription can
// change to — the other active recurring prices in its currency and cycle,
// and its product's prices on other cycles —
// and, when priceID is given, previews that change exactly (the same
// lines the change will bill).
func (a *Portal) PortalChangeOptions(ctx context.Context, id, secret, subID, priceID string) (PortalChangeView, error) {
	var out PortalChangeView
	err := a.store.InTx(ctx, func(tx billing.Tx) error {
		p, err := a.loadPortal(ctx, tx, id, secret)
		if err != nil {
			return err
		}
		sub, err := a.portalSubscriptionOf(ctx, tx, p, subID)
		if err != nil {
			return err
		}
		if out.Portal, err = a.portalView(ctx, tx, p); err != nil {
			return err
		}
		if out.Current, err = a.portalSubscription(ctx, tx, out.Portal.Merchant, sub); err != nil {
			return err
		}
		if !out.Current.CanChange {
			return billing.Errorf(billing.KindConflict, billing.CodeInvalidStateTransition, "this subscription's plan cannot be changed here")
		}
		active := true
		prices, _, err := tx.Catalog.ListPrices(ctx, p.Scope, billing.PriceFilter{Active: &active, Type: billing.PriceRecurring}, billing.Page{Limit: 100})
		if err != nil {
			return fmt.Errorf("list prices: %w", err)
		}
		slices.SortStableFunc(prices, func(x, y billing.Price) int { return cmpInt(x.UnitAmount, y.UnitAmount) })
		for _, pr := range prices {
			// Another plan on the same cycle, or the same product on
			// another cycle (monthly ↔ annual, planCycleChange).
			if pr.Currency != sub.Currency || pr.Recurring == nil || pr.ID == sub.Items[0].PriceID ||
				(*pr.Recurring != sub.Recurring && pr.ProductID != sub.Items[0].ProductID) {
				continue
			}
			prod, err := tx.Catalog.GetProduct(ctx, p.Scope, pr.ProductID)
			if err != nil {
				return fmt.Errorf("read product %s: %w", pr.ProductID, err)
			}
			if !prod.Active {
				continue
			}
			plan := PortalPlan{Product: prod, Price: pr}
			out.Plans = append(out.Plans, plan)
			if pr.ID == priceID {
				out.Picked = &plan
			}
		}
		if priceID == "" {
			return nil
		}
		if out.Picked == nil {
			return billing.Invalid("price", billing.CodeParameterInvalid, "price %q is not a plan this subscription can change to", priceID)
		}
		now, err := a.clockNow(ctx, tx, p.Scope, sub.TestClockID)
		if err != nil {
			return err
		}
		plan, err := a.subscriptions.planChange(ctx, tx, sub, portalChange(sub, priceID), now)
		if err != nil {
			return err
		}
		out.Preview = &plan.preview
		for _, fc := range plan.preview.FeatureChanges {
			if fc.Reduced() {
				out.Reduced = append(out.Reduced, fc)
			}
		}
		return nil
	})
	return out, err
}

// portalChange is the change the portal makes: the one item's price
// replaced, quantity kept, with the engine's default timing and proration.
func portalChange(sub billing.Subscription, priceID string) ChangeParams {
	return ChangeParams{Items: []ItemParams{{Price: priceID, Quantity: sub.Items[0].Quantity}}}
}

// PortalChange changes a portal customer's subscription to priceID, as
// previewed by PortalChangeOptions.
func (a *Portal) PortalChange(ctx context.Context, id, secret, subID, priceID string) (billing.Subscription, error) {
	if _, err := a.PortalChangeOptions(ctx, id, secret, subID, priceID); err != nil {
		return billing.Subscription{}, err
	}
	var sub billing.Subscription
	err := a.portalAct(ctx, id, secret, subID, func(ctx context.Context, p billing.PortalSession) error {
		cur, err := a.subscriptions.GetSubscription(ctx, p.Scope, subID)
		if err != nil {
			return err
		}
		sub, err = a.subscriptions.ChangeSubscription(ctx, p.Scope, subID, portalChange(cur, priceID))
		return err
	})
	return sub, err
}

// PortalUpdateCard starts saving a new card for a portal customer on
// gateway (one of the view's Gateways; "" = the first) and returns the
// gateway's card page. Coming back, the portal shows the result; the new
// card becomes the card of the customer's live subscriptions.
func (a *Portal) PortalUpdateCard(ctx context.Context, id, secret, gateway string) (string, error) {
	var dest string
	err := a.portalAct(ctx, id, secret, "", func(ctx context.Context, p billing.PortalSession) error {
		v, err := read(ctx, a.core, func(tx billing.Tx) (PortalView, error) { return a.portalView(ctx, tx, p) })
		if err != nil {
			return err
		}
		v.Gateways = a.portalGateways(ctx, v)
		if gateway == "" && len(v.Gateways) > 0 {
			gateway = v.Gateways[0]
		}
		if !slices.Contains(v.Gateways, gateway) {
			return billing.Errorf(billing.KindUnavailable, billing.CodeGatewayUnavailable, "no gateway can take this card now")
		}
		ret := a.PublicURL() + "/portal/" + p.ID + "/return?token=" + url.QueryEscape(secret)
		_, dest, err = a.customers.CreateSetup(ctx, p.Scope, p.CustomerID, CreateSetupParams{Gateway: gateway, ReturnURL: ret})
		return err
	})
	return dest, err
}

// PortalSetupResult reports what became of a card setup the portal started
// (setupID from the return URL; only the customer's own setups count).
func (a *Portal) PortalSetupResult(ctx context.Context, id, secret, setupID string) (billing.PaymentMethodSetup, error) {
	return read(ctx, a.core, func(tx billing.Tx) (billing.PaymentMethodSetup, error) {
		p, err := a.loadPortal(ctx, tx, id, secret)
		if err != nil {
			return billing.PaymentMethodSetup{}, err
		}
		st, err := tx.Setups.GetSetup(ctx, p.Scope, setupID)
		if err != nil || st.CustomerID != p.CustomerID {
			return billing.PaymentMethodSetup{}, billing.NotFound("payment_method_setup", setupID)
		}
		return st, nil
	})
}
