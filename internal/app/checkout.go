package app

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/cuota/cuota/internal/billing"
)

// Lifetimes of hosted-page links.
const (
	CheckoutTTL = 24 * time.Hour
	PortalTTL   = time.Hour
)

// EventCheckoutSessionCompleted is emitted when a checkout ends with its
// subscription (or, in setup mode, its saved card).
const EventCheckoutSessionCompleted = "checkout.session.completed"

// Checkout page failure codes: why the last attempt did not complete. The
// hosted page shows each in the customer's language.
const (
	CheckoutFailDeclined    = "card_declined"       // the first charge was declined
	CheckoutFailSetupFailed = "setup_failed"        // the gateway did not save the card
	CheckoutFailCanceled    = "setup_canceled"      // the customer left the card page
	CheckoutFailUnfinished  = "setup_unfinished"    // the gateway has no outcome yet
	CheckoutFailSubscribed  = "already_subscribed"  // a live subscription to the product exists
	CheckoutFailRefused     = "subscription_failed" // the subscription could not be created
)

// CreateCheckoutParams are the inputs of CreateCheckoutSession.
type CreateCheckoutParams struct {
	Mode                string
	Customer            string
	CustomerEmail       string
	LineItems           []ItemParams
	SuccessURL          string
	CancelURL           string
	AllowPromotionCodes bool
	TrialPeriodDays     *int64
	Locale              string // a language tag, or "" / "auto" for the browser's
	Gateway             string // "" lets the customer pick among the gateways that take the currency
	publishableKey      string
}

// CreateCheckoutSession starts a hosted checkout and returns it with the
// URL to send the customer to (it holds the link's secret, so it is only
// returned here). Modes: subscription (save a card, subscribe), setup
// (save a card) and payment (pay one-time prices on a gateway's pay page,
// through a one-off invoice).
func (a *Checkout) CreateCheckoutSession(ctx context.Context, s billing.Scope, p CreateCheckoutParams) (billing.CheckoutSession, string, error) {
	var v validator
	switch p.Mode {
	case billing.CheckoutModeSubscription:
		if len(p.LineItems) == 0 {
			v.fail("line_items", billing.CodeParameterMissing, "a subscription checkout needs line_items")
		}
	case billing.CheckoutModeSetup:
		if len(p.LineItems) > 0 {
			v.fail("line_items", billing.CodeParameterInvalid, "a setup checkout saves a card and sells nothing: give no line_items")
		}
		if p.TrialPeriodDays != nil {
			v.fail("trial_period_days", billing.CodeParameterInvalid, "trial_period_days applies to subscription checkouts")
		}
		if p.AllowPromotionCodes {
			v.fail("allow_promotion_codes", billing.CodeParameterInvalid, "promotion codes apply to subscription checkouts")
		}
	case billing.CheckoutModePayment:
		if len(p.LineItems) == 0 {
			v.fail("line_items", billing.CodeParameterMissing, "a payment checkout needs line_items (one-time prices)")
		}
		if p.TrialPeriodDays != nil {
			v.fail("trial_period_days", billing.CodeParameterInvalid, "trial_period_days applies to subscription checkouts")
		}
		if p.AllowPromotionCodes {
			v.fail("allow_promotion_codes", billing.CodeParameterInvalid, "promotion codes apply to subscription checkouts")
		}
	case "":
		v.fail("mode", billing.CodeParameterMissing, "mode is required (subscription, setup or payment)")
	default:
		v.fail("mode", billing.CodeParameterInvalid, "mode must be subscription, setup or payment")
	}
	if len(p.LineItems) > 20 {
		v.fail("line_items", billing.CodeParameterInvalid, "a checkout can have at most 20 line items")
	}
	for i, it := range p.LineItems {
		if it.Price == "" {
			v.fail(fmt.Sprintf("line_items[%d].price", i), billing.CodeParameterMissing, "line_items[%d].price is required", i)
		}
		if it.Quantity < 0 || it.Quantity > 10000 {
			v.fail(fmt.Sprintf("line_items[%d].quantity", i), billing.CodeParameterInvalid, "quantity must be between 1 and 10000")
		}
	}
	// Without a success_url, a purchase ends on cuota's thank-you page; a
	// setup checkout has nothing to thank for and needs one.
	hostedThanks := p.SuccessURL == "" && p.Mode != billing.CheckoutModeSetup
	if !hostedThanks {
		v.redirectURL("success_url", p.SuccessURL)
	}
	v.redirectURL("cancel_url", p.CancelURL)
	if p.Customer != "" && p.CustomerEmail != "" {
		v.fail("customer_email", billing.CodeParameterInvalid, "give customer or customer_email, not both")
	}
	v.maxLen("customer_email", p.CustomerEmail, 512)
	v.email("customer_email", p.CustomerEmail)
	if p.TrialPeriodDays != nil && (*p.TrialPeriodDays < 0 || *p.TrialPeriodDays > 730) {
		v.fail("trial_period_days", billing.CodeParameterInvalid, "trial_period_days must be between 0 and 730")
	}
	if p.Locale == "auto" {
		p.Locale = ""
	}
	v.locale("locale", p.Locale)
	if err := v.err(); err != nil {
		return billing.CheckoutSession{}, "", err
	}
	if a.PublicURL() == "" {
		return billing.CheckoutSession{}, "", fmt.Errorf("create checkout session: the public URL of hosted pages is not configured")
	}
	secret := billing.PrefixHostedSecret + rand.Text()
	now := a.Now()
	cs := billing.CheckoutSession{ID: billing.NewID(billing.CheckoutSessionPrefix(s.Mode), now), Scope: s, Mode: p.Mode,
		Status: billing.CheckoutOpen, CustomerID: p.Customer, CustomerEmail: p.CustomerEmail, LineItems: []billing.CheckoutLineItem{},
		SuccessURL: p.SuccessURL, CancelURL: p.CancelURL, AllowPromotionCodes: p.AllowPromotionCodes,
		TrialPeriodDays: p.TrialPeriodDays, Locale: p.Locale, Gateway: p.Gateway, SecretHash: hashSecret(secret),
		PublishableKey: p.publishableKey, ExpiresAt: now.Add(CheckoutTTL), Created: now, Updated: now}
	if hostedThanks {
		cs.SuccessURL = a.thanksURL(cs.ID)
	}
	for _, it := range p.LineItems {
		q := it.Quantity
		if q == 0 {
			q = 1
		}
		cs.LineItems = append(cs.LineItems, billing.CheckoutLineItem{PriceID: it.Price, Quantity: q})
	}
	err := a.store.InTx(ctx, func(tx billing.Tx) error {
		currency := ""
		if p.Mode == billing.CheckoutModePayment {
			// Priced now only to check the items (their texts are not
			// kept); the invoice is made when the customer pays.
			_, cur, err := a.invoicing.oneOffLines(ctx, tx, s, billing.LineText{}, itemTaxes{}, CreateInvoiceParams{Items: checkoutInvoiceItems(cs.LineItems)}, now)
			if err != nil {
				return lineItemsError(err)
			}
			currency = cur
		} else if len(p.LineItems) > 0 {
			items, _, cur, _, err := a.subscriptions.resolveItems(ctx, tx, s, p.LineItems, itemTaxes{})
			if err != nil {
				return lineItemsError(err)
			}
			if hasUFItems(items) {
				return billing.Invalid("line_items", billing.CodeCurrencyInvalid,
					"hosted checkouts do not take UF prices yet (docs/uf.md): create the subscription with the API")
			}
			currency = cur
			if p.Customer != "" {
				if err := a.checkNotSubscribed(ctx, tx, s, []string{p.Customer}, items); err != nil {
					return err
				}
			}
		}
		if p.Customer != "" {
			if _, err := liveCustomer(ctx, tx, s, p.Customer); err != nil {
				return referenced(err, "customer", p.Customer)
			}
		}
		if p.Gateway != "" {
			if err := a.checkCheckoutGateway(ctx, tx, s, p.Gateway, currency, p.Mode); err != nil {
				return err
			}
		}
		if err := tx.Checkout.CreateCheckoutSession(ctx, cs); err != nil {
			return fmt.Errorf("create checkout session: %w", err)
		}
		return a.audit(ctx, tx, change{merchantID: s.MerchantID, mode: s.Mode, action: "checkout_session.create",
			objectType: "checkout_session", objectID: cs.ID, after: cs})
	})
	if err != nil {
		return billing.CheckoutSession{}, "", err
	}
	cs.Version = 1
	return cs, a.checkoutURL(cs.ID, secret), nil
}

// checkoutURL is the link to a checkout page.
func (a *Checkout) checkoutURL(id, secret string) string {
	return a.PublicURL() + "/checkout/" + id + "?token=" + url.QueryEscape(secret)
}

// lineItemsError renames resolveItems' "items[i]" parameters to the
// checkout's "line_items[i]".
func lineItemsError(err error) error {
	if e := billing.AsError(err); e != nil && strings.HasPrefix(e.Param, "items") {
		c := *e
		c.Param = "line_items" + strings.TrimPrefix(e.Param, "items")
		return &c
	}
	return err
}

// redirectURL checks a URL the customer's browser is sent to.
func (v *validator) redirectURL(param, s string) {
	v.required(param, s)
	if s == "" {
		return
	}
	v.maxLen(param, s, 2000)
	if u, err := url.Parse(s); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		v.fail(param, billing.CodeParameterInvalid, "%s must be an absolute http or https URL", param)
	}
}

// checkCheckoutGateway checks a gateway the merchant named for a checkout:
// known, able to save cards on a hosted page, configured in the scope (the
// sim needs no configuration, test mode only) and taking the currency.
func (a *Checkout) checkCheckoutGateway(ctx context.Context, tx billing.Tx, s billing.Scope, name, currency, mode string) error {
	gw, err := a.gateway(name)
	if err != nil {
		return err
	}
	if name == billing.GatewaySim {
		return testModeOnly(s, "sim gateway checkouts")
	}
	_, saves := gw.(billing.SetupGateway)
	_, pays := gw.(billing.PayPageGateway)
	if (mode == billing.CheckoutModePayment && !pays) || (mode != billing.CheckoutModePayment && !saves) {
		return billing.Invalid("gateway", billing.CodeParameterInvalid, "%s checkouts through %s are not available", mode, name)
	}
	if _, err := tx.Gateways.GetGatewayConfig(ctx, s, name); errors.Is(err, billing.ErrNotFound) {
		return billing.Invalid("gateway", billing.CodeGatewayNotConfigured, "%s is not configured in %s mode", name, s.Mode)
	} else if err != nil {
		return fmt.Errorf("read %s configuration: %w", name, err)
	}
	if cg, ok := gw.(billing.CurrencyGateway); ok && currency != "" && !cg.SupportsCurrency(currency) {
		return billing.Invalid("gateway", billing.CodeCurrencyNotSupported, "%s cannot charge %s", name, currency)
	}
	return nil
}

// CheckoutGateways lists the gateways a checkout in currency ("" = any)
// can save a card on, in order of preference: the merchant's configured
// hosted-page gateways that take the currency and are answering (a gateway
// whose circuit breaker is open is left out, so the next one is offered),
// then the sim in test mode. A gateway the session names is the only one.
func (a *Checkout) CheckoutGateways(ctx context.Context, s billing.Scope, currency, named string) []string {
	return a.checkoutGateways(ctx, s, currency, named, billing.CheckoutModeSubscription)
}

// checkoutGateways is CheckoutGateways for a checkout mode: a payment
// checkout takes the money on a gateway's pay page (PayGateways).
func (a *Checkout) checkoutGateways(ctx context.Context, s billing.Scope, currency, named, mode string) []string {
	if named != "" {
		if gw, err := a.gateway(named); err == nil {
			if av, ok := gw.(interface{ Available(billing.Scope) bool }); ok && !av.Available(s) {
				return nil
			}
			return []string{named}
		}
		return nil
	}
	if mode == billing.CheckoutModePayment {
		return a.payPages.PayGateways(ctx, s, currency)
	}
	var out []string
	for _, name := range a.merchants.FallbackGateways(ctx, s, "", currency) {
		if gw, err := a.gateway(name); err == nil {
			if _, ok := gw.(billing.SetupGateway); ok {
				out = append(out, name)
			}
		}
	}
	if _, err := a.gateway(billing.GatewaySim); err == nil && s.Mode == billing.ModeTest {
		out = append(out, billing.GatewaySim)
	}
	return out
}

// checkNotSubscribed refuses a checkout for customers that already have a
// live subscription to one of the products of items.
func (a *Checkout) checkNotSubscribed(ctx context.Context, tx billing.Tx, s billing.Scope, customerIDs []string, items []billing.SubscriptionItem) error {
	for _, cid := range customerIDs {
		subs, _, err := tx.Subscriptions.ListSubscriptions(ctx, s, billing.SubscriptionFilter{CustomerID: cid}, billing.Page{Limit: 100})
		if err != nil {
			return fmt.Errorf("list subscriptions of %s: %w", cid, err)
		}
		for _, sub := range subs {
			if sub.Status.Terminal() {
				continue
			}
			for _, have := range sub.Items {
				for _, want := range items {
					if have.ProductID == want.ProductID {
						return &billing.Error{Kind: billing.KindConflict, Code: billing.CodeAlreadySubscribed, Param: "customer",
							Message: fmt.Sprintf("the customer already has a live subscription (%s) to product %s", sub.ID, want.ProductID)}
					}
				}
			}
		}
	}
	return nil
}

// GetCheckoutSession returns a checkout session of scope s; an open one
// past its expiry shows expired.
func (a *Checkout) GetCheckoutSession(ctx context.Context, s billing.Scope, id string) (billing.CheckoutSession, error) {
	cs, err := read(ctx, a.core, func(tx billing.Tx) (billing.CheckoutSession, error) {
		v, err := tx.Checkout.GetCheckoutSession(ctx, s, id)
		return v, notFound(err, "checkout_session", id)
	})
	cs.Status = cs.EffectiveStatus(a.Now())
	return cs, err
}

// ExpireCheckoutSession ends an open checkout session so its link no
// longer works.
func (a *Checkout) ExpireCheckoutSession(ctx context.Context, s billing.Scope, id string) (billing.CheckoutSession, error) {
	var cs billing.CheckoutSession
	err := a.store.InTx(ctx, func(tx billing.Tx) error {
		var err error
		if cs, err = tx.Checkout.GetCheckoutSession(ctx, s, id); err != nil {
			return notFound(err, "checkout_session", id)
		}
		if cs.EffectiveStatus(a.Now()) != billing.CheckoutOpen {
			return billing.Errorf(billing.KindConflict, billing.CodeInvalidStateTransition, "only an open checkout session can be expired; this one is %s", cs.EffectiveStatus(a.Now()))
		}
		before := cs
		cs.Status, cs.SetupID, cs.Updated = billing.CheckoutExpired, "", a.Now()
		return a.saveCheckout(ctx, tx, before, &cs, "checkout_session.expire", "")
	})
	return cs, err
}

// saveCheckout writes a session change with its audit entry and, when
// event is not empty, its event.
func (a *Checkout) saveCheckout(ctx context.Context, tx billing.Tx, before billing.CheckoutSession, cs *billing.CheckoutSession, action, event string) error {
	if err := tx.Checkout.UpdateCheckoutSession(ctx, *cs); err != nil {
		return fmt.Errorf("update checkout session %s: %w", cs.ID, err)
	}
	cs.Version++
	s := cs.Scope
	if err := a.audit(ctx, tx, change{merchantID: s.MerchantID, mode: s.Mode, action: action,
		objectType: "checkout_session", objectID: cs.ID, before: before, after: cs}); err != nil {
		return err
	}
	if event == "" {
		return nil
	}
	return a.emit(ctx, tx, s, event, "checkout_session", cs.ID, cs, cs.Updated)
}

// openHosted checks a hosted link's secret against the stored hash; an
// unknown id and a wrong secret look the same.
func openHosted(secretHash, secret string) bool {
	return secret != "" && subtle.ConstantTimeCompare([]byte(secretHash), []byte(hashSecret(secret))) == 1
}

// loadCheckout reads the session a checkout link names, checking its
// secret; a wrong secret is not found.
func (a *Checkout) loadCheckout(ctx context.Context, tx billing.Tx, id, secret string) (billing.CheckoutSession, error) {
	cs, err := tx.Checkout.GetCheckoutSessionByID(ctx, id)
	if errors.Is(err, billing.ErrNotFound) || (err == nil && !openHosted(cs.SecretHash, secret)) ||
		(err == nil && !strings.HasPrefix(cs.ID, billing.CheckoutSessionPrefix(cs.Scope.Mode))) {
		return cs, billing.NotFound("checkout_session", id)
	}
	if err != nil {
		return cs, fmt.Errorf("read checkout session %s: %w", id, err)
	}
	return cs, nil
}

// withCustomerActor marks the rest of a hosted-page request as the
// customer's doing, for the audit log.
func withCustomerActor(ctx context.Context, customerID string) context.Context {
	info := RequestInfoFrom(ctx)
	if customerID != "" {
		info.Actor = "customer:" + customerID
	} else {
		info.Actor = "customer"
	}
	return WithRequestInfo(ctx, info)
}

// successURL is the session's success_url with session_id added.
func successURL(cs billing.CheckoutSession) (string, error) {
	u, err := url.Parse(cs.SuccessURL)
	if err != nil {
		return "", fmt.Errorf("success url of %s: %w", cs.ID, err)
	}
	q := u.Query()
	q.Set("session_id", cs.ID)
	u.RawQuery = q.Encode()
	return u.String(), nil
}
