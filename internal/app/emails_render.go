package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/money"
)

// errEmailData marks an email whose data cannot be put together (a
// snapshot that does not decode, a missing link setting).
var errEmailData = errors.New("email data")

// renderEmail gathers an email's data and renders it in the email's
// locale. withPDF attaches invoice PDFs (they are rendered only to be
// sent); taxDoc is the tax document a receipt or a credit note's email
// carries (receiptTaxDocument).
func (a *Notifications) renderEmail(ctx context.Context, tx billing.Tx, e billing.Email, withPDF bool, taxDoc receiptDocument) (EmailMessage, error) {
	m, err := tx.Merchants.GetMerchant(ctx, e.Scope.MerchantID)
	if err != nil {
		return EmailMessage{}, fmt.Errorf("read merchant: %w", err)
	}
	var c billing.Customer
	if e.CustomerID != "" {
		if c, err = tx.Customers.GetCustomer(ctx, e.Scope, e.CustomerID); err != nil {
			return EmailMessage{}, fmt.Errorf("read customer %s: %w", e.CustomerID, err)
		}
	}
	// Every email but the alert digest and a password reset is made from
	// an event; the digest's "event id" is its key
	// (billing.AlertDigestKey), a reset's the reset's id.
	var ev billing.Event
	if e.Template != billing.EmailAlertDigest && e.Template != billing.EmailPasswordReset {
		if ev, err = tx.Events.GetEvent(ctx, e.Scope, e.EventID); err != nil {
			return EmailMessage{}, fmt.Errorf("read event %s: %w", e.EventID, err)
		}
	}
	var params emailParams
	if err := json.Unmarshal(e.Params, &params); err != nil {
		return EmailMessage{}, fmt.Errorf("%w: params of %s: %v", errEmailData, e.ID, err)
	}
	snapshot := func(v any) error {
		if err := json.Unmarshal(ev.Data, v); err != nil {
			return fmt.Errorf("%w: snapshot of event %s: %v", errEmailData, ev.ID, err)
		}
		return nil
	}
	portal := m.Settings.Notifications.PortalURL
	needPortal := func(what string) error {
		if portal == "" {
			return fmt.Errorf("%w: the %s link needs the merchant's portal_url (set it with PATCH /v1/merchant)", errEmailData, what)
		}
		return nil
	}
	pdf := func(inv billing.Invoice) ([]byte, error) {
		if !withPDF {
			return nil, nil
		}
		logo, err := pngLogo(ctx, tx, m)
		if err != nil {
			return nil, err
		}
		return a.invoicing.renderInvoicePDF(m, c, inv, logo)
	}
	in := EmailContent{Template: e.Template, Locale: e.Locale, Merchant: m, Customer: c, LogoURL: a.LogoURL(m)}
	switch e.Template {
	case billing.EmailPaymentReceipt:
		if err := snapshot(&in.Invoice); err != nil {
			return EmailMessage{}, err
		}
		if in.PDF, err = pdf(in.Invoice); err != nil {
			return EmailMessage{}, err
		}
		in.TaxDocument, in.TaxDocumentPDF = taxDoc.doc, taxDoc.pdf
		in.PortalURL = portal
		if in.PlanName, err = invoicePlanName(ctx, tx, in.Invoice); err != nil {
			return EmailMessage{}, err
		}
	case billing.EmailPaymentFailed:
		if err := snapshot(&in.Invoice); err != nil {
			return EmailMessage{}, err
		}
		if err := needPortal("update payment method"); err != nil {
			return EmailMessage{}, err
		}
		if in.Invoice.NextAttemptAt, err = nextRetryAfter(ctx, tx, in.Invoice); err != nil {
			return EmailMessage{}, err
		}
		in.FailureClass, in.PortalURL = params.FailureClass, portal
	case billing.EmailTrialEnding:
		if err := snapshot(&in.Subscription); err != nil {
			return EmailMessage{}, err
		}
		if err := needPortal("manage subscription"); err != nil {
			return EmailMessage{}, err
		}
		if in.TrialAmount, err = a.firstInvoiceAmount(ctx, tx, m, in.Subscription); err != nil {
			return EmailMessage{}, err
		}
		in.PortalURL = portal
		if in.PlanName, err = planName(ctx, tx, e.Scope, in.Subscription.Items); err != nil {
			return EmailMessage{}, err
		}
	case billing.EmailSubscriptionCanceled:
		if err := snapshot(&in.Subscription); err != nil {
			return EmailMessage{}, err
		}
		in.PortalURL = portal
		if in.PlanName, err = planName(ctx, tx, e.Scope, in.Subscription.Items); err != nil {
			return EmailMessage{}, err
		}
	case billing.EmailInvoiceToPay:
		if err := snapshot(&in.Invoice); err != nil {
			return EmailMessage{}, err
		}
		if in.PDF, err = pdf(in.Invoice); err != nil {
			return EmailMessage{}, err
		}
		if params.DueDate != nil {
			in.DueDate = *params.DueDate
		}
		in.PayURL = params.PayURL
	case billing.EmailCreditNote:
		if err := snapshot(&in.CreditNote); err != nil {
			return EmailMessage{}, err
		}
		if in.Invoice, err = tx.Invoices.GetInvoice(ctx, e.Scope, in.CreditNote.InvoiceID); err != nil {
			return EmailMessage{}, fmt.Errorf("read invoice %s: %w", in.CreditNote.InvoiceID, err)
		}
		in.TaxDocument, in.TaxDocumentPDF = taxDoc.doc, taxDoc.pdf
		if withPDF {
			logo, err := pngLogo(ctx, tx, m)
			if err != nil {
				return EmailMessage{}, err
			}
			if in.PDF, err = a.renderCreditNotePDF(m, c, in.Invoice, in.CreditNote, logo); err != nil {
				return EmailMessage{}, err
			}
		}
	case billing.EmailAlertOpened:
		if err := snapshot(&in.Alert); err != nil {
			return EmailMessage{}, err
		}
	case billing.EmailAlertDigest:
		if params.DigestFrom == nil || params.DigestTo == nil {
			return EmailMessage{}, fmt.Errorf("%w: the digest %s has no day", errEmailData, e.ID)
		}
		in.DigestFrom, in.DigestTo = *params.DigestFrom, *params.DigestTo
		for _, id := range params.AlertIDs {
			al, err := tx.Alerts.GetAlert(ctx, e.Scope, id)
			if err != nil {
				return EmailMessage{}, fmt.Errorf("read alert %s: %w", id, err)
			}
			in.Alerts = append(in.Alerts, al)
		}
	case billing.EmailPasswordReset:
		var r billing.PasswordReset
		if in.ResetURL, r, err = a.passwordResetLink(ctx, tx, e); err != nil {
			return EmailMessage{}, err
		}
		in.ResetExpires = r.Expires
		if len(e.To) > 0 {
			in.UserEmail = e.To[0]
		}
	case billing.EmailWebhookEndpointDisabled:
		var ep disabledEndpoint
		if err := snapshot(&ep); err != nil {
			return EmailMessage{}, err
		}
		in.FailingSince = ev.Created
		if ep.FailingSince != nil {
			in.FailingSince = *ep.FailingSince
		}
		in.EndpointMode, in.EndpointURL, in.LastError = ep.Scope.Mode, ep.URL, ep.LastError
	}
	// An unknown template is the renderer's to refuse.
	msg, err := a.ports.EmailRenderer.RenderEmail(in)
	if err != nil {
		return EmailMessage{}, err
	}
	if in.ResetURL != "" {
		msg.Hidden = append(msg.Hidden, in.ResetURL)
	}
	for _, to := range e.To {
		addr := EmailAddress{Email: to}
		if to == c.Email {
			addr.Name = c.Name
		}
		msg.To = append(msg.To, addr)
	}
	if reply := m.Settings.Notifications.Email; reply != "" && e.CustomerID != "" {
		msg.ReplyTo = EmailAddress{Name: m.Name, Email: reply}
	}
	return msg, nil
}

// firstInvoiceAmount is what the first invoice after sub's trial will
// charge: its items, pending prorations and coupon, priced the way the
// trial's end will price them.
func (a *Notifications) firstInvoiceAmount(ctx context.Context, tx billing.Tx, m billing.Merchant, sub billing.Subscription) (money.Amount, error) {
	next := sub
	next.PendingLines = append([]billing.InvoiceLine(nil), sub.PendingLines...)
	if err := next.MoveToCycle(1, merchantLocation(m)); err != nil {
		return money.Amount{}, err
	}
	inv, err := a.invoicing.draftPeriodInvoice(m, &next, billing.ReasonSubscriptionCycle, next.CurrentPeriodStart)
	if err != nil {
		return money.Amount{}, err
	}
	if err := a.invoicing.estimateUF(ctx, tx, m, &inv); err != nil {
		return money.Amount{}, err
	}
	if _, err := a.invoicing.priceForCustomer(ctx, tx, m, &next, &inv); err != nil {
		return money.Amount{}, err
	}
	return money.Amount{Minor: inv.AmountDue, Currency: inv.Currency}, nil
}

// invoicePlanName names the plan an invoice bills, from its subscription
// ("" for an invoice without one).
func invoicePlanName(ctx context.Context, tx billing.Tx, inv billing.Invoice) (string, error) {
	if inv.SubscriptionID == "" {
		return "", nil
	}
	sub, err := tx.Subscriptions.GetSubscription(ctx, inv.Scope, inv.SubscriptionID)
	if err != nil {
		return "", fmt.Errorf("read subscription %s: %w", inv.SubscriptionID, err)
	}
	return planName(ctx, tx, inv.Scope, sub.Items)
}

// planName names what subscription items buy: their products' names.
func planName(ctx context.Context, tx billing.Tx, s billing.Scope, items []billing.SubscriptionItem) (string, error) {
	var names []string
	for _, it := range items {
		p, err := tx.Catalog.GetProduct(ctx, s, it.ProductID)
		if err != nil {
			return "", fmt.Errorf("read product %s: %w", it.ProductID, err)
		}
		names = append(names, p.Name)
	}
	return strings.Join(names, ", "), nil
}
