package mail

import (
	"fmt"
	"time"

	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/money"
)

// The New… builders fill a template's data from billing objects: amounts
// formatted with money.Format in the reader's locale, dates in the
// merchant's time zone. Optional fields the objects do not hold (the plan's
// name, the portal link) are left empty for the caller to set. Render with
// the same locale the builder used: CustomerLocale for customer emails,
// the merchant's Locale for KindWebhookEndpointDisabled.

// CustomerLocale is the locale of emails to c: c's own, or the merchant's
// when c has none.
func CustomerLocale(m billing.Merchant, c billing.Customer) string {
	if c.Locale != "" {
		return c.Locale
	}
	return m.Locale
}

// customerFormatter formats for c in m's time zone.
func customerFormatter(m billing.Merchant, c billing.Customer) (Formatter, error) {
	return NewFormatter(CustomerLocale(m, c), m.Timezone)
}

// NewPaymentReceipt returns the receipt for paid invoice inv, with pdf (the
// invoice's PDF; may be nil) to attach. It fails when inv has no PaidAt or
// no number.
func NewPaymentReceipt(m billing.Merchant, c billing.Customer, inv billing.Invoice, pdf []byte) (PaymentReceipt, error) {
	f, err := customerFormatter(m, c)
	if err != nil {
		return PaymentReceipt{}, fmt.Errorf("payment receipt for %s: %w", inv.ID, err)
	}
	if inv.PaidAt == nil {
		return PaymentReceipt{}, fmt.Errorf("payment receipt for %s: %w: invoice is not paid", inv.ID, ErrInvalidData)
	}
	if inv.Number == "" {
		return PaymentReceipt{}, fmt.Errorf("payment receipt for %s: %w: invoice has no number", inv.ID, ErrInvalidData)
	}
	amount, err := f.Amount(money.Amount{Minor: inv.AmountPaid, Currency: inv.Currency})
	if err != nil {
		return PaymentReceipt{}, fmt.Errorf("payment receipt for %s: %w", inv.ID, err)
	}
	d := PaymentReceipt{
		MerchantName:  m.Name,
		CustomerName:  c.Name,
		Amount:        amount,
		InvoiceNumber: inv.Number,
		PaidOn:        f.Date(*inv.PaidAt),
		InvoicePDF:    pdf,
	}
	if d.Taxes, err = taxRows(f, inv); err != nil {
		return PaymentReceipt{}, fmt.Errorf("payment receipt for %s: %w", inv.ID, err)
	}
	if !inv.PeriodStart.IsZero() && !inv.PeriodEnd.IsZero() && inv.PeriodEnd.After(inv.PeriodStart) {
		d.PeriodStart, d.PeriodEnd = f.Date(inv.PeriodStart), f.Date(inv.PeriodEnd)
	}
	return d, nil
}

// NewPaymentFailed returns the notice that a charge for inv failed with
// class, asking the customer to update the payment method at updateURL.
// The amount is inv's AmountDue; the next retry is inv's NextAttemptAt.
func NewPaymentFailed(m billing.Merchant, c billing.Customer, inv billing.Invoice, class billing.FailureClass, updateURL string) (PaymentFailed, error) {
	f, err := customerFormatter(m, c)
	if err != nil {
		return PaymentFailed{}, fmt.Errorf("payment failed for %s: %w", inv.ID, err)
	}
	amount, err := f.Amount(money.Amount{Minor: inv.AmountDue, Currency: inv.Currency})
	if err != nil {
		return PaymentFailed{}, fmt.Errorf("payment failed for %s: %w", inv.ID, err)
	}
	d := PaymentFailed{
		MerchantName:     m.Name,
		CustomerName:     c.Name,
		Amount:           amount,
		InvoiceNumber:    inv.Number,
		Reason:           class,
		UpdatePaymentURL: updateURL,
	}
	if inv.NextAttemptAt != nil {
		d.NextRetry = f.Date(*inv.NextAttemptAt)
	}
	return d, nil
}

// NewTrialEnding returns the warning that sub's trial ends, when amount
// (what the first invoice will charge) is due. hasPaymentMethod says
// whether one is saved; manageURL is where to manage the subscription.
func NewTrialEnding(m billing.Merchant, c billing.Customer, sub billing.Subscription, amount money.Amount, hasPaymentMethod bool, manageURL string) (TrialEnding, error) {
	f, err := customerFormatter(m, c)
	if err != nil {
		return TrialEnding{}, fmt.Errorf("trial ending for %s: %w", sub.ID, err)
	}
	if sub.TrialEnd == nil {
		return TrialEnding{}, fmt.Errorf("trial ending for %s: %w: subscription has no trial end", sub.ID, ErrInvalidData)
	}
	formatted, err := f.Amount(amount)
	if err != nil {
		return TrialEnding{}, fmt.Errorf("trial ending for %s: %w", sub.ID, err)
	}
	return TrialEnding{
		MerchantName:     m.Name,
		CustomerName:     c.Name,
		TrialEnd:         f.Date(*sub.TrialEnd),
		Amount:           formatted,
		HasPaymentMethod: hasPaymentMethod,
		ManageURL:        manageURL,
	}, nil
}

// NewSubscriptionCanceled returns the notice that sub ended (on its
// EndedAt, or CanceledAt when it has no end yet) for its
// CancellationReason; resubscribeURL may be empty.
func NewSubscriptionCanceled(m billing.Merchant, c billing.Customer, sub billing.Subscription, resubscribeURL string) (SubscriptionCanceled, error) {
	f, err := customerFormatter(m, c)
	if err != nil {
		return SubscriptionCanceled{}, fmt.Errorf("subscription canceled for %s: %w", sub.ID, err)
	}
	when := sub.EndedAt
	if when == nil {
		when = sub.CanceledAt
	}
	if when == nil {
		return SubscriptionCanceled{}, fmt.Errorf("subscription canceled for %s: %w: subscription has neither ended_at nor canceled_at", sub.ID, ErrInvalidData)
	}
	return SubscriptionCanceled{
		MerchantName:   m.Name,
		CustomerName:   c.Name,
		CanceledOn:     f.Date(*when),
		Reason:         sub.CancellationReason,
		ResubscribeURL: resubscribeURL,
	}, nil
}

// NewInvoiceToPay returns the request to pay inv's AmountDue at payURL by
// due (zero: no due date), with pdf (may be nil) attached.
func NewInvoiceToPay(m billing.Merchant, c billing.Customer, inv billing.Invoice, due time.Time, payURL string, pdf []byte) (InvoiceToPay, error) {
	f, err := customerFormatter(m, c)
	if err != nil {
		return InvoiceToPay{}, fmt.Errorf("invoice to pay %s: %w", inv.ID, err)
	}
	if inv.Number == "" {
		return InvoiceToPay{}, fmt.Errorf("invoice to pay %s: %w: invoice has no number", inv.ID, ErrInvalidData)
	}
	amount, err := f.Amount(money.Amount{Minor: inv.AmountDue, Currency: inv.Currency})
	if err != nil {
		return InvoiceToPay{}, fmt.Errorf("invoice to pay %s: %w", inv.ID, err)
	}
	d := InvoiceToPay{
		MerchantName:  m.Name,
		CustomerName:  c.Name,
		InvoiceNumber: inv.Number,
		Amount:        amount,
		PayURL:        payURL,
		InvoicePDF:    pdf,
	}
	if d.Taxes, err = taxRows(f, inv); err != nil {
		return InvoiceToPay{}, fmt.Errorf("invoice to pay %s: %w", inv.ID, err)
	}
	if !due.IsZero() {
		d.DueDate = f.Date(due)
	}
	return d, nil
}

// NewWebhookEndpointDisabled returns the notice to merchant m that its
// endpoint at endpointURL, in mode, was disabled after failing since
// failingSince; lastError and manageURL may be empty. It is written in m's
// locale and time zone.
func NewWebhookEndpointDisabled(m billing.Merchant, mode billing.Mode, endpointURL string, failingSince time.Time, lastError, manageURL string) (WebhookEndpointDisabled, error) {
	f, err := NewFormatter(m.Locale, m.Timezone)
	if err != nil {
		return WebhookEndpointDisabled{}, fmt.Errorf("webhook endpoint disabled for %s: %w", m.ID, err)
	}
	return WebhookEndpointDisabled{
		MerchantName: m.Name,
		EndpointURL:  endpointURL,
		FailingSince: f.DateTime(failingSince),
		LastError:    lastError,
		Mode:         mode,
		ManageURL:    manageURL,
	}, nil
}

// NewAlertOpened returns the notice to merchant m that alert al opened,
// in m's locale and time zone.
func NewAlertOpened(m billing.Merchant, al billing.Alert) (AlertOpened, error) {
	f, err := NewFormatter(m.Locale, m.Timezone)
	if err != nil {
		return AlertOpened{}, fmt.Errorf("alert opened for %s: %w", m.ID, err)
	}
	return AlertOpened{
		MerchantName: m.Name,
		Critical:     al.Severity == billing.SeverityCritical,
		Message:      al.Message.In(m.Locale),
		Object:       al.ObjectType + " " + al.ObjectID,
		FirstSeen:    f.DateTime(al.FirstSeen),
		Mode:         al.Scope.Mode,
		AlertID:      al.ID,
	}, nil
}

// taxRows are inv's tax amounts as an email shows them, in f's language.
func taxRows(f Formatter, inv billing.Invoice) ([]TaxRow, error) {
	return taxAmountRows(f, inv.Currency, inv.TaxAmounts)
}

// taxAmountRows are tax amounts in currency (an invoice's or a credit
// note's) as an email shows them, one row per rate, in f's language.
func taxAmountRows(f Formatter, currency string, amounts []billing.TaxAmount) ([]TaxRow, error) {
	var out []TaxRow
	for _, a := range amounts {
		amount, err := f.Amount(money.Amount{Minor: a.Amount, Currency: currency})
		if err != nil {
			return nil, err
		}
		out = append(out, TaxRow{Label: a.TaxRate.Label(f.Locale), Amount: amount, Included: a.TaxRate.Inclusive})
	}
	return out, nil
}

// NewCreditNote returns the notice of credit note note, which corrects
// inv, with pdf (the note's PDF; may be nil) to attach. Amounts the note
// sends nowhere stay empty.
func NewCreditNote(m billing.Merchant, c billing.Customer, note billing.CreditNote, inv billing.Invoice, pdf []byte) (CreditNote, error) {
	f, err := customerFormatter(m, c)
	if err != nil {
		return CreditNote{}, fmt.Errorf("credit note %s: %w", note.ID, err)
	}
	amount := func(minor int64) (string, error) {
		if minor == 0 {
			return "", nil
		}
		return f.Amount(money.Amount{Minor: minor, Currency: note.Currency})
	}
	d := CreditNote{MerchantName: m.Name, CustomerName: c.Name, CreditNoteNumber: note.Number,
		InvoiceNumber: inv.Number, IssuedOn: f.Date(note.Created), PDF: pdf}
	for _, v := range []struct {
		dst   *string
		minor int64
	}{{&d.Amount, note.Total}, {&d.Tax, note.Tax}, {&d.Refunded, note.RefundAmount},
		{&d.Credited, note.CreditAmount}, {&d.OutOfBand, note.OutOfBandAmount}} {
		if *v.dst, err = amount(v.minor); err != nil {
			return CreditNote{}, fmt.Errorf("credit note %s: %w", note.ID, err)
		}
	}
	if d.Taxes, err = taxAmountRows(f, note.Currency, note.TaxAmounts); err != nil {
		return CreditNote{}, fmt.Errorf("credit note %s: %w", note.ID, err)
	}
	return d, nil
}
