package stripegw

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/stripe/stripe-go/v86"

	"github.com/cuota/cuota/internal/billing"
)

// ensureCustomer returns the customer's Stripe customer id, creating it
// once through the local reservation (gwref). The creation's
// Idempotency-Key is derived from the customer, so a creator that crashed
// and is taken over within Stripe's 24 hours gets the same Stripe customer
// back instead of a second one.
func (a *Adapter) ensureCustomer(ctx context.Context, cl *stripe.Client, s billing.Scope, cus billing.Customer) (string, error) {
	return a.customers.Ensure(ctx, s, cus.ID, func(ctx context.Context) (string, error) {
		p := &stripe.CustomerCreateParams{Metadata: metadata(s, MetaCustomer, cus.ID)}
		if cus.Email != "" {
			p.Email = stripe.String(cus.Email)
		}
		if cus.Name != "" {
			p.Name = stripe.String(cus.Name)
		}
		if cus.Locale != "" {
			p.PreferredLocales = []*string{stripe.String(cus.Locale)}
		}
		sum := sha256.Sum256([]byte(cus.Email + "\x00" + cus.Name + "\x00" + cus.Locale))
		p.SetIdempotencyKey("cuota-customer-" + cus.ID + "-" + hex.EncodeToString(sum[:8]))
		c, err := cl.V1Customers.Create(ctx, p)
		if err != nil {
			return "", unavailable("create the customer", err)
		}
		return c.ID, nil
	})
}

// StartSetup saves a card on Stripe's hosted page: a Checkout Session in
// setup mode for the customer's Stripe customer (created first if needed).
// Stripe sends the browser back to cuota's return page with the session id
// as token; cancel sends it to the merchant's return_url with status
// pending (the setup stays open until it expires).
func (a *Adapter) StartSetup(ctx context.Context, r billing.SetupRequest) (billing.SetupStart, error) {
	if err := a.breakers.Allow(r.Scope); err != nil {
		return billing.SetupStart{}, err // the app answers 503 and names another gateway
	}
	cl, err := a.client(ctx, r.Scope)
	if err != nil {
		return billing.SetupStart{}, err
	}
	cus, err := a.ensureCustomer(ctx, cl, r.Scope, r.Customer)
	if err != nil {
		return billing.SetupStart{}, err
	}
	success, err := withQuery(r.ReturnURL, "token", "{CHECKOUT_SESSION_ID}")
	if err != nil {
		return billing.SetupStart{}, err
	}
	cancel := success
	if r.Setup.ReturnURL != "" {
		if cancel, err = withQuery(r.Setup.ReturnURL, "setup_id", r.Setup.ID, "status", billing.SetupPending); err != nil {
			return billing.SetupStart{}, err
		}
	}
	meta := metadata(r.Scope, MetaSetup, r.Setup.ID, MetaCustomer, r.Customer.ID)
	p := &stripe.CheckoutSessionCreateParams{
		Mode:               stripe.String(string(stripe.CheckoutSessionModeSetup)),
		Customer:           stripe.String(cus),
		PaymentMethodTypes: []*string{stripe.String("card")},
		SuccessURL:         stripe.String(success),
		CancelURL:          stripe.String(cancel),
		ClientReferenceID:  stripe.String(r.Setup.ID),
		Locale:             stripe.String(checkoutLocale(r.Customer.Locale)),
		Metadata:           meta,
		SetupIntentData:    &stripe.CheckoutSessionCreateSetupIntentDataParams{Metadata: meta},
	}
	// The session ends with cuota's setup when Stripe allows it (30 minutes
	// to 24 hours); the stored expiry keeps a re-sent request identical.
	if left := r.Setup.ExpiresAt.Sub(a.opts.Now()); left > 31*time.Minute && left < 24*time.Hour {
		p.ExpiresAt = stripe.Int64(r.Setup.ExpiresAt.Unix())
	}
	p.SetIdempotencyKey("cuota-setup-" + r.Setup.ID)
	sess, err := cl.V1CheckoutSessions.Create(ctx, p)
	if err != nil {
		return billing.SetupStart{}, unavailable("start the card setup", err)
	}
	return billing.SetupStart{RedirectURL: sess.URL, GatewayRef: sess.ID}, nil
}

// withQuery adds query parameters (pairs) to u, keeping the literal
// {CHECKOUT_SESSION_ID} placeholder that Stripe fills in.
func withQuery(u string, kv ...string) (string, error) {
	parsed, err := url.Parse(u)
	if err != nil {
		return "", fmt.Errorf("stripe: return url %q: %w", u, err)
	}
	var b strings.Builder
	b.WriteString(parsed.RawQuery)
	for i := 0; i+1 < len(kv); i += 2 {
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(kv[i]))
		b.WriteByte('=')
		if kv[i+1] == "{CHECKOUT_SESSION_ID}" {
			b.WriteString(kv[i+1])
		} else {
			b.WriteString(url.QueryEscape(kv[i+1]))
		}
	}
	parsed.RawQuery = b.String()
	return parsed.String(), nil
}

// checkoutLocale picks Checkout's language from a customer locale
// (es-CL → es-419, es-ES → es, en-US → en); "auto" lets Stripe use the
// browser's.
func checkoutLocale(locale string) string {
	lang, region, _ := strings.Cut(strings.ReplaceAll(locale, "_", "-"), "-")
	lang = strings.ToLower(lang)
	switch lang {
	case "es":
		if region != "" && !strings.EqualFold(region, "ES") {
			return "es-419"
		}
		return "es"
	case "pt":
		if strings.EqualFold(region, "BR") {
			return "pt-BR"
		}
		return "pt"
	case "en", "fr", "de", "it", "ja", "nl":
		return lang
	}
	return "auto"
}

// FinishSetup asks Stripe what became of a setup's Checkout Session and
// its SetupIntent. The session must be the one cuota created for this
// setup, for this customer's Stripe customer; the saved card is the
// SetupIntent's payment method, attached to that customer.
func (a *Adapter) FinishSetup(ctx context.Context, st billing.PaymentMethodSetup) (billing.SetupOutcome, error) {
	if st.GatewayRef == "" {
		return billing.SetupOutcome{Status: billing.SetupPending}, nil
	}
	cl, err := a.client(ctx, st.Scope)
	if err != nil {
		return billing.SetupOutcome{}, err
	}
	p := &stripe.CheckoutSessionRetrieveParams{}
	p.AddExpand("setup_intent.payment_method")
	sess, err := cl.V1CheckoutSessions.Retrieve(ctx, st.GatewayRef, p)
	if err != nil {
		return billing.SetupOutcome{}, fmt.Errorf("stripe: read checkout session of setup %s: %w", st.ID, err)
	}
	cus, err := a.customers.Stored(ctx, st.Scope, st.CustomerID)
	if err != nil {
		return billing.SetupOutcome{}, err
	}
	if sess.Mode != stripe.CheckoutSessionModeSetup || sess.Metadata[MetaSetup] != st.ID || !Owned(sess.Metadata, st.Scope) ||
		stripeCustomerID(sess.Customer) != cus {
		return billing.SetupOutcome{}, fmt.Errorf("stripe: checkout session %s is not the one of setup %s", sess.ID, st.ID)
	}
	switch sess.Status {
	case stripe.CheckoutSessionStatusExpired:
		return billing.SetupOutcome{Status: billing.SetupFailed, FailureMessage: "the Stripe Checkout session expired before a card was saved"}, nil
	case stripe.CheckoutSessionStatusComplete:
	default:
		return billing.SetupOutcome{Status: billing.SetupPending}, nil
	}
	si := sess.SetupIntent
	if si == nil || si.ID == "" {
		return billing.SetupOutcome{}, fmt.Errorf("stripe: complete checkout session %s has no setup intent", sess.ID)
	}
	if si.Status == "" { // not expanded
		if si, err = cl.V1SetupIntents.Retrieve(ctx, si.ID, nil); err != nil {
			return billing.SetupOutcome{}, fmt.Errorf("stripe: read setup intent %s: %w", sess.SetupIntent.ID, err)
		}
	}
	switch si.Status {
	case stripe.SetupIntentStatusSucceeded:
	case stripe.SetupIntentStatusProcessing, stripe.SetupIntentStatusRequiresAction, stripe.SetupIntentStatusRequiresConfirmation:
		return billing.SetupOutcome{Status: billing.SetupPending}, nil
	default:
		msg := "Stripe could not save the card"
		if si.LastSetupError != nil && si.LastSetupError.Msg != "" {
			msg += ": " + si.LastSetupError.Msg
		}
		return billing.SetupOutcome{Status: billing.SetupFailed, FailureMessage: msg}, nil
	}
	pm := si.PaymentMethod
	if pm == nil || pm.ID == "" {
		return billing.SetupOutcome{}, fmt.Errorf("stripe: setup intent %s succeeded without a payment method", si.ID)
	}
	if pm.Card == nil { // not expanded
		if pm, err = cl.V1PaymentMethods.Retrieve(ctx, pm.ID, nil); err != nil {
			return billing.SetupOutcome{}, fmt.Errorf("stripe: read payment method of setup %s: %w", st.ID, err)
		}
	}
	if owner := stripeCustomerID(pm.Customer); owner != "" && owner != cus {
		return billing.SetupOutcome{}, fmt.Errorf("stripe: payment method of setup %s belongs to customer %s, not %s", st.ID, owner, cus)
	}
	if pm.Card == nil {
		return billing.SetupOutcome{Status: billing.SetupFailed, FailureMessage: "the saved payment method is not a card"}, nil
	}
	return billing.SetupOutcome{Status: billing.SetupSucceeded, PaymentMethod: cardMethod(pm)}, nil
}

// cardMethod is cuota's payment method for a Stripe card.
func cardMethod(pm *stripe.PaymentMethod) billing.PaymentMethod {
	return billing.PaymentMethod{Gateway: billing.GatewayStripe, Token: pm.ID, Brand: string(pm.Card.Brand),
		Last4: pm.Card.Last4, ExpMonth: pm.Card.ExpMonth, ExpYear: pm.Card.ExpYear}
}

// AttachToken links a card PaymentMethod (pm_…) that the merchant created
// with Stripe.js to the customer's Stripe customer (attaching it when it
// is not attached yet). A card saved this way has no SetupIntent behind
// it: the bank may ask for authentication on the first off-session charge.
func (a *Adapter) AttachToken(ctx context.Context, s billing.Scope, customerID, token string) (billing.PaymentMethod, error) {
	if !strings.HasPrefix(token, "pm_") {
		return billing.PaymentMethod{}, billing.Invalid("token", billing.CodeParameterInvalid,
			"a Stripe token is a PaymentMethod id (pm_…); to save a new card use a payment method setup")
	}
	cl, err := a.client(ctx, s)
	if err != nil {
		return billing.PaymentMethod{}, err
	}
	pm, err := cl.V1PaymentMethods.Retrieve(ctx, token, nil)
	if err != nil {
		var se *stripe.Error
		if errors.As(err, &se) && se.HTTPStatusCode == http.StatusNotFound {
			return billing.PaymentMethod{}, billing.Invalid("token", billing.CodeParameterInvalid, "Stripe has no payment method %s", token)
		}
		return billing.PaymentMethod{}, unavailable("read the payment method", err)
	}
	if pm.Card == nil {
		return billing.PaymentMethod{}, billing.Invalid("token", billing.CodeParameterInvalid, "Stripe payment method %s is not a card", token)
	}
	var cus billing.Customer
	err = a.opts.Store.InTx(ctx, func(tx billing.Tx) error {
		var err error
		cus, err = tx.Customers.GetCustomer(ctx, s, customerID)
		return err
	})
	if err != nil {
		return billing.PaymentMethod{}, fmt.Errorf("stripe: read customer %s: %w", customerID, err)
	}
	ref, err := a.ensureCustomer(ctx, cl, s, cus)
	if err != nil {
		return billing.PaymentMethod{}, err
	}
	switch owner := stripeCustomerID(pm.Customer); owner {
	case ref:
	case "":
		p := &stripe.PaymentMethodAttachParams{Customer: stripe.String(ref)}
		p.SetIdempotencyKey("cuota-attach-" + token + "-" + ref)
		if pm, err = cl.V1PaymentMethods.Attach(ctx, token, p); err != nil {
			return billing.PaymentMethod{}, unavailable("attach the payment method", err)
		}
		if pm.Card == nil {
			return billing.PaymentMethod{}, fmt.Errorf("stripe: attached payment method %s has no card", token)
		}
	default:
		return billing.PaymentMethod{}, billing.Invalid("token", billing.CodeParameterInvalid,
			"Stripe payment method %s belongs to another Stripe customer", token)
	}
	return cardMethod(pm), nil
}
