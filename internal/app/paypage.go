package app

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"slices"

	"github.com/cuota/cuota/internal/billing"
)

// Pay pages: an open invoice's hosted page (linked from the invoice email
// and the API's hosted_invoice_url) lets the customer pay it on a
// gateway's own pay page, or authenticate a charge that waits for them.
// Each attempt is a payment recorded, with its idempotency key, before the
// gateway is called; the gateway's order carries the key, so its outcome
// can always be asked of the gateway, whatever the browser does. When an
// attempt expires is billing's rule (billing.PayPageStateAt).

// Payment failure codes of pay-page attempts.
const (
	FailPayPageExpired  = "payment_page_expired"
	FailPayPageCanceled = "canceled"
	FailPayPageStart    = "payment_page_unavailable"
)

// newLinkKey returns a fresh key for a merchant's hosted links.
func newLinkKey() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return hex.EncodeToString(b)
}

// linkToken is the secret of a merchant's long-lived hosted link to an
// object (kind "invoice" or "payment"): an HMAC of the object, so any
// number of links can be checked without storing them.
func linkToken(m billing.Merchant, s billing.Scope, kind, id string) (string, error) {
	if m.LinkKey == "" {
		return "", fmt.Errorf("merchant %s has no link key", m.ID)
	}
	mac := hmac.New(sha256.New, []byte(m.LinkKey))
	mac.Write([]byte(kind + "\x00" + string(s.Mode) + "\x00" + id))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))[:32], nil
}

// checkLinkToken reports whether token opens the link to an object.
func checkLinkToken(m billing.Merchant, s billing.Scope, kind, id, token string) bool {
	want, err := linkToken(m, s, kind, id)
	return err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(token)) == 1
}

// hostedPath is the path of a hosted link to an object of scope s.
func hostedPath(section string, s billing.Scope, id string) string {
	return "/" + section + "/" + url.PathEscape(s.MerchantID) + "/" + string(s.Mode) + "/" + url.PathEscape(id)
}

// invoiceURL is the customer's link to an invoice's page.
func (a *PayPages) invoiceURL(m billing.Merchant, s billing.Scope, id string) (string, error) {
	tok, err := linkToken(m, s, "invoice", id)
	if err != nil {
		return "", err
	}
	return a.PublicURL() + hostedPath("invoice", s, id) + "?t=" + tok, nil
}

// payLink is the link of a payment's hosted page in section: where a
// gateway's pay page sends the customer back ("return/pay"), or the sim's
// own pay page ("sim/pay").
func (a *PayPages) payLink(m billing.Merchant, section string, pay billing.Payment) (string, error) {
	tok, err := linkToken(m, pay.Scope, "payment", pay.ID)
	if err != nil {
		return "", err
	}
	return a.PublicURL() + hostedPath(section, pay.Scope, pay.ID) + "?t=" + tok, nil
}

// withHostedURLs fills in the hosted_invoice_url of invoices of scope s
// (finalized ones only: a draft is not the customer's yet), reading the
// merchant once.
func (a *PayPages) withHostedURLs(ctx context.Context, tx billing.Tx, s billing.Scope, invs []billing.Invoice) error {
	var m *billing.Merchant
	for i := range invs {
		if invs[i].Status == billing.InvoiceDraft {
			continue
		}
		if m == nil {
			got, err := tx.Merchants.GetMerchant(ctx, s.MerchantID)
			if err != nil {
				return fmt.Errorf("read merchant: %w", err)
			}
			m = &got
		}
		u, err := a.invoiceURL(*m, s, invs[i].ID)
		if err != nil {
			return err
		}
		invs[i].HostedURL = u
	}
	return nil
}

// HostedRef names an object of a hosted link: scope, id and the link's
// token.
type HostedRef struct {
	Scope billing.Scope
	ID    string
	Token string
}

// InvoicePage is what an invoice's hosted page shows.
type InvoicePage struct {
	Merchant billing.Merchant
	Invoice  billing.Invoice
	Customer billing.Customer
	// Gateways are those the customer can pay with now (none when nothing
	// is due or an attempt is in progress).
	Gateways []string
	// InProgress is an attempt that waits for the customer (a pay page
	// not finished yet, or a charge to authenticate): the page offers to
	// continue it instead of starting another.
	InProgress *billing.Payment
	// LastFailure is why the latest attempt failed, if it did.
	LastFailure *billing.Payment
	// Authenticate is a charge of a saved card that waits for the customer
	// to authenticate it (SCA): paying on the page finishes that charge
	// on its gateway (the only one in Gateways).
	Authenticate *billing.Payment
	// Confirming is an attempt whose outcome the gateway has not given
	// yet: nothing can be paid until it is known.
	Confirming *billing.Payment
}

// OpenInvoicePage checks an invoice link and returns what its page shows.
// Unknown invoices and wrong tokens look the same: not found.
func (a *PayPages) OpenInvoicePage(ctx context.Context, ref HostedRef) (InvoicePage, error) {
	pg, err := read(ctx, a.core, func(tx billing.Tx) (InvoicePage, error) {
		var pg InvoicePage
		var err error
		if pg.Merchant, pg.Invoice, err = a.loadHostedInvoice(ctx, tx, ref); err != nil {
			return pg, err
		}
		if pg.Customer, err = tx.Customers.GetCustomer(ctx, ref.Scope, pg.Invoice.CustomerID); err != nil {
			return pg, fmt.Errorf("read customer %s: %w", pg.Invoice.CustomerID, err)
		}
		one := []billing.Invoice{pg.Invoice}
		if err := withTaxDocuments(ctx, tx, ref.Scope, one); err != nil {
			return pg, err
		}
		pg.Invoice = one[0]
		latest, _, err := tx.Payments.ListPayments(ctx, ref.Scope, billing.PaymentFilter{InvoiceID: ref.ID}, billing.Page{Limit: 1})
		if err != nil {
			return pg, fmt.Errorf("list payments of %s: %w", ref.ID, err)
		}
		if len(latest) == 1 {
			switch p := latest[0]; {
			case waitsForCustomer(p) && !payPageExpired(p, a.Now()):
				pg.InProgress = &p
			case needsAuthentication(p):
				pg.Authenticate = &p
			case payPageAbandoned(p, a.Now()):
				// Paying again settles it first (PayInvoiceOnPage).
			case p.Status.Unresolved():
				pg.Confirming = &p
			case p.Status == billing.PaymentFailed:
				pg.LastFailure = &p
			}
		}
		return pg, nil
	})
	switch {
	case err != nil || !payable(pg.Invoice):
	case pg.Authenticate != nil:
		pg.Gateways = []string{pg.Authenticate.Gateway}
	case pg.InProgress == nil && pg.Confirming == nil:
		pg.Gateways = a.PayGateways(ctx, ref.Scope, pg.Invoice.Currency)
	}
	return pg, err
}

// payable reports whether an invoice is owed and has something to pay
// (its payments aside, which the callers look at themselves).
func payable(inv billing.Invoice) bool {
	v := billing.CanCharge(inv, nil)
	return v == billing.ChargeAllowed
}

// waitsForCustomer reports whether a payment waits for the customer's
// browser (a pay page, or an authentication) and can still be finished.
func waitsForCustomer(p billing.Payment) bool {
	return p.Status == billing.PaymentPending && p.NextActionURL != ""
}

// needsAuthentication reports whether a payment is a charge of a saved
// card that waits for the customer to authenticate it (SCA).
func needsAuthentication(p billing.Payment) bool {
	return p.Status == billing.PaymentPending && p.PaymentMethodID != "" && p.FailureCode == billing.CodeAuthenticationRequired
}

// loadHostedInvoice reads the merchant and finalized invoice of a link.
func (a *PayPages) loadHostedInvoice(ctx context.Context, tx billing.Tx, ref HostedRef) (billing.Merchant, billing.Invoice, error) {
	gone := billing.NotFound("invoice", ref.ID)
	m, err := tx.Merchants.GetMerchant(ctx, ref.Scope.MerchantID)
	if err != nil {
		return m, billing.Invoice{}, gone
	}
	if !checkLinkToken(m, ref.Scope, "invoice", ref.ID, ref.Token) {
		return m, billing.Invoice{}, gone
	}
	inv, err := tx.Invoices.GetInvoice(ctx, ref.Scope, ref.ID)
	if err != nil || inv.Status == billing.InvoiceDraft {
		return m, inv, gone
	}
	return m, inv, nil
}

// PayGateways lists the gateways that can take a pay-page payment in
// currency now: the merchant's configured pay-page gateways that take the
// currency and are answering, then the sim in test mode.
func (a *PayPages) PayGateways(ctx context.Context, s billing.Scope, currency string) []string {
	var out []string
	for _, name := range a.merchants.FallbackGateways(ctx, s, "", currency) {
		if gw, err := a.gateway(name); err == nil {
			if _, ok := gw.(billing.PayPageGateway); ok {
				out = append(out, name)
			}
		}
	}
	if _, err := a.gateway(billing.GatewaySim); err == nil && s.Mode == billing.ModeTest {
		out = append(out, billing.GatewaySim)
	}
	return out
}

// PayInvoiceOnPage starts (or continues) paying an invoice from its hosted
// page on gateway and returns where to send the browser. returnURL, when
// not empty, replaces the invoice's page as where the browser ends up once
// the payment is settled (a payment-mode checkout's return).
func (a *PayPages) PayInvoiceOnPage(ctx context.Context, ref HostedRef, gateway string) (string, error) {
	return a.startPayPage(ctx, ref.Scope, ref.ID, gateway, "", func(tx billing.Tx) error {
		_, _, err := a.loadHostedInvoice(ctx, tx, ref)
		return err
	})
}

// startPayPage is PayInvoiceOnPage after the caller's check of its right
// to pay the invoice (check runs in the transaction that reads it).
func (a *PayPages) startPayPage(ctx context.Context, s billing.Scope, invoiceID, gateway, returnURL string, check func(billing.Tx) error) (string, error) {
	var pay billing.Payment
	var cus billing.Customer
	var inv billing.Invoice
	var m billing.Merchant
	resume, expired := "", ""
	// The gateways are read outside the transaction that records the
	// attempt (they read the store themselves: one SQLite connection).
	currency, err := read(ctx, a.core, func(tx billing.Tx) (string, error) {
		inv, err := tx.Invoices.GetInvoice(ctx, s, invoiceID)
		return inv.Currency, notFound(err, "invoice", invoiceID)
	})
	if err != nil {
		return "", err
	}
	gateways := a.PayGateways(ctx, s, currency)
	err = a.store.InTx(ctx, func(tx billing.Tx) error {
		if err := check(tx); err != nil {
			return err
		}
		var err error
		if inv, err = tx.Invoices.GetInvoice(ctx, s, invoiceID); err != nil {
			return notFound(err, "invoice", invoiceID)
		}
		if !payable(inv) {
			return billing.Errorf(billing.KindConflict, billing.CodeInvalidStateTransition, "invoice %s is %s; there is nothing to pay", inv.ID, inv.Status)
		}
		if cus, err = tx.Customers.GetCustomer(ctx, s, inv.CustomerID); err != nil {
			return fmt.Errorf("read customer %s: %w", inv.CustomerID, err)
		}
		if m, err = tx.Merchants.GetMerchant(ctx, s.MerchantID); err != nil {
			return fmt.Errorf("read merchant: %w", err)
		}
		latest, _, err := tx.Payments.ListPayments(ctx, s, billing.PaymentFilter{InvoiceID: inv.ID}, billing.Page{Limit: 1})
		if err != nil {
			return fmt.Errorf("list payments of %s: %w", inv.ID, err)
		}
		if len(latest) == 1 {
			switch p := latest[0]; {
			case waitsForCustomer(p) && !payPageExpired(p, a.Now()):
				resume = p.NextActionURL
				return nil
			case needsAuthentication(p):
				// A charge of a saved card waits for the customer to
				// authenticate it: that same payment is what they finish.
				pay = p
				return nil
			case p.Status == billing.PaymentPending && p.PaymentMethodID == "":
				expired = p.ID // settled below, before a new attempt
				return nil
			case p.Status.Unresolved():
				return billing.Errorf(billing.KindConflict, billing.CodePaymentInProgress,
					"a payment of invoice %s is being confirmed with the gateway; try again in a few minutes", inv.ID)
			}
		}
		if !slices.Contains(gateways, gateway) {
			return billing.Errorf(billing.KindUnavailable, billing.CodeGatewayUnavailable, "gateway %q cannot take this payment now", gateway)
		}
		now, err := a.clockNow(ctx, tx, s, cus.TestClockID)
		if err != nil {
			return err
		}
		if err := billing.ReopenForPayment(&inv); err != nil {
			return err
		}
		if returnURL == "" {
			if returnURL, err = a.invoiceURL(m, s, inv.ID); err != nil {
				return err
			}
		}
		p, err := a.invoicing.recordPayment(ctx, tx, &inv, billing.PaymentMethod{Gateway: gateway}, now, a.Now(), returnURL)
		if err != nil {
			return err
		}
		pay = *p
		return nil
	})
	switch {
	case err != nil:
		return "", err
	case resume != "":
		return resume, nil
	case expired != "":
		if err := a.settleExpiredPayPage(ctx, s, expired); err != nil {
			return "", err
		}
		return a.startPayPage(ctx, s, invoiceID, gateway, returnURL, check)
	}
	return a.openPayPage(ctx, m, pay, cus, inv)
}

// openPayPage asks the payment's gateway for its page and records where
// it is; a gateway that cannot open one fails the attempt (nothing can
// have been paid on a page nobody was sent to).
func (a *PayPages) openPayPage(ctx context.Context, m billing.Merchant, pay billing.Payment, cus billing.Customer, inv billing.Invoice) (string, error) {
	var start billing.PayStart
	var err error
	if pay.Gateway == billing.GatewaySim {
		start.RedirectURL, err = a.payLink(m, "sim/pay", pay)
	} else {
		start, err = a.startGatewayPayPage(ctx, m, pay, cus, inv)
	}
	if err != nil {
		if pay.PaymentMethodID != "" {
			return "", err // an authentication that could not start: the charge still waits
		}
		if serr := a.collection.settlePayment(ctx, pay.Scope, pay.ID, billing.ChargeResult{Status: billing.PaymentFailed,
			FailureClass: billing.FailureTechnical, FailureCode: FailPayPageStart, FailureMessage: "the gateway's pay page could not be opened"}, nil); serr != nil {
			return "", errors.Join(err, serr)
		}
		return "", err
	}
	err = a.store.InTx(ctx, func(tx billing.Tx) error {
		cur, err := tx.Payments.GetPayment(ctx, pay.Scope, pay.ID)
		if err != nil {
			return fmt.Errorf("read payment %s: %w", pay.ID, err)
		}
		if cur.Status != billing.PaymentPending {
			return nil
		}
		if start.GatewayRef != "" {
			cur.GatewayRef = start.GatewayRef
		}
		cur.NextActionURL = start.RedirectURL
		if err := tx.Payments.UpdatePayment(ctx, cur); err != nil {
			return fmt.Errorf("update payment %s: %w", pay.ID, err)
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	return start.RedirectURL, nil
}

// startGatewayPayPage calls a pay-page gateway for pay.
func (a *PayPages) startGatewayPayPage(ctx context.Context, m billing.Merchant, pay billing.Payment, cus billing.Customer, inv billing.Invoice) (billing.PayStart, error) {
	gw, err := a.gateway(pay.Gateway)
	if err != nil {
		return billing.PayStart{}, err
	}
	pg, ok := gw.(billing.PayPageGateway)
	if !ok {
		return billing.PayStart{}, billing.Errorf(billing.KindInvalid, billing.CodeGatewayUnavailable, "gateway %s has no pay page", pay.Gateway)
	}
	ret, err := a.payLink(m, "return/pay", pay)
	if err != nil {
		return billing.PayStart{}, err
	}
	desc := m.Name
	if inv.Number != "" {
		desc = m.Name + " " + inv.Number
	}
	locale := cus.Locale
	if locale == "" {
		locale = m.Locale
	}
	return pg.StartPayment(ctx, billing.PayRequest{Scope: pay.Scope, Payment: pay, Customer: cus, Description: desc,
		Locale: locale, ReturnURL: ret, ExpiresAt: billing.PayPageExpiresAt(pay.Updated)})
}

// SimPayPage is what the sim's pay page shows.
type SimPayPage struct {
	Payment  billing.Payment
	Invoice  billing.Invoice
	Merchant billing.Merchant
	Customer billing.Customer
}

// OpenSimPayPage checks a sim pay link and returns its pending payment.
func (a *PayPages) OpenSimPayPage(ctx context.Context, ref HostedRef) (SimPayPage, error) {
	return read(ctx, a.core, func(tx billing.Tx) (SimPayPage, error) {
		var pg SimPayPage
		var err error
		if pg.Merchant, pg.Payment, err = a.loadHostedPayment(ctx, tx, ref); err != nil {
			return pg, err
		}
		if pg.Payment.Gateway != billing.GatewaySim || pg.Payment.PaymentMethodID != "" {
			return pg, billing.NotFound("payment", ref.ID)
		}
		if pg.Customer, err = tx.Customers.GetCustomer(ctx, ref.Scope, pg.Payment.CustomerID); err != nil {
			return pg, fmt.Errorf("read customer %s: %w", pg.Payment.CustomerID, err)
		}
		if pg.Invoice, err = tx.Invoices.GetInvoice(ctx, ref.Scope, pg.Payment.InvoiceID); err != nil {
			return pg, fmt.Errorf("read invoice %s: %w", pg.Payment.InvoiceID, err)
		}
		if pg.Payment.Status != billing.PaymentPending || payPageExpired(pg.Payment, a.Now()) {
			return pg, billing.Errorf(billing.KindConflict, billing.CodeInvalidStateTransition, "this payment page has expired or was already used")
		}
		return pg, nil
	})
}

// PaySimPage pays a sim pay-page payment with the test card the person
// picked (token "" means they canceled): the sim charges the card under
// the payment's idempotency key, as a gateway's page would, and the
// outcome is settled. It returns where to send the browser.
func (a *PayPages) PaySimPage(ctx context.Context, ref HostedRef, token string) (string, error) {
	pg, err := a.OpenSimPayPage(ctx, ref)
	if err != nil {
		return "", err
	}
	pay := pg.Payment
	ctx = withCustomerActor(ctx, pay.CustomerID)
	res := billing.ChargeResult{Status: billing.PaymentFailed, FailureClass: billing.FailureCustomer,
		FailureCode: FailPayPageCanceled, FailureMessage: "the customer canceled"}
	var callErr error
	if token != "" {
		gw, err := a.gateway(billing.GatewaySim)
		if err != nil {
			return "", err
		}
		card, err := gw.AttachToken(ctx, pay.Scope, pay.CustomerID, token)
		if err != nil {
			return "", err // not a test card: nothing was charged
		}
		card.ID = pay.ID
		res, callErr = gw.Charge(ctx, billing.ChargeRequest{Scope: pay.Scope, IdempotencyKey: pay.IdempotencyKey,
			Amount: pay.Amount, Currency: pay.Currency, PaymentMethod: card, Description: "invoice " + pay.InvoiceID})
	}
	if err := a.collection.settlePayment(ctx, pay.Scope, pay.ID, res, callErr); err != nil {
		return "", err
	}
	return a.paymentReturnURL(ctx, pay)
}
