package app

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/cuota/cuota/internal/billing"
)

// Limits of one-off invoices.
const (
	maxInvoiceItems     = 100
	maxItemQuantity     = 10_000
	maxDaysUntilDue     = 365
	defaultDaysUntilDue = 30
)

// InvoiceItemParams is one line of a one-off invoice: a price (its product
// names the line) and a quantity, or an amount in minor units with a
// description.
type InvoiceItemParams struct {
	Price       string
	Quantity    int64 // default 1
	Amount      *int64
	Description string
	// TaxRates are tax rate ids that tax the line; without them the
	// price's tax_rates, else the merchant's default, apply
	// (billing.ResolveTaxRates, as for subscription items).
	TaxRates []string
}

// CreateInvoiceParams are the inputs of CreateInvoice.
type CreateInvoiceParams struct {
	Customer string
	// Currency is required when no item names a price; otherwise it must
	// match the prices' (or be empty).
	Currency string
	Items    []InvoiceItemParams
	// Collection is billing.CollectionChargeAutomatically (the default) or
	// billing.CollectionSendInvoice.
	Collection string
	// DaysUntilDue counts from creation to the due date of a send_invoice
	// invoice (default 30).
	DaysUntilDue *int64
	// PaymentMethod is the saved card a charge_automatically invoice is
	// charged to; default the customer's most recent active one.
	PaymentMethod string
	// Finalize numbers the invoice and collects it at once (charges the
	// card, or emails the pay link); otherwise it stays a draft until
	// FinalizeInvoice.
	Finalize bool
}

// CreateInvoice makes a one-off invoice for a customer (not part of any
// subscription). It is a draft, or finalized and collected at once with
// Finalize.
func (a *Invoicing) CreateInvoice(ctx context.Context, s billing.Scope, p CreateInvoiceParams) (billing.Invoice, error) {
	v := validator{}
	v.required("customer", p.Customer)
	if p.Collection == "" {
		p.Collection = billing.CollectionChargeAutomatically
	}
	switch p.Collection {
	case billing.CollectionChargeAutomatically:
		if p.DaysUntilDue != nil {
			v.fail("days_until_due", billing.CodeParameterInvalid, "days_until_due applies only to collection=send_invoice")
		}
	case billing.CollectionSendInvoice:
		if p.PaymentMethod != "" {
			v.fail("payment_method", billing.CodeParameterInvalid, "payment_method applies only to collection=charge_automatically")
		}
		if p.DaysUntilDue != nil && (*p.DaysUntilDue < 0 || *p.DaysUntilDue > maxDaysUntilDue) {
			v.fail("days_until_due", billing.CodeParameterInvalid, "days_until_due must be between 0 and %d", maxDaysUntilDue)
		}
	default:
		v.fail("collection", billing.CodeParameterInvalid, "collection must be %q or %q", billing.CollectionChargeAutomatically, billing.CollectionSendInvoice)
	}
	if p.Currency != "" {
		p.Currency = v.currency("currency", p.Currency)
	}
	switch {
	case len(p.Items) == 0:
		v.fail("items", billing.CodeParameterMissing, "an invoice needs at least one item")
	case len(p.Items) > maxInvoiceItems:
		v.fail("items", billing.CodeParameterInvalid, "an invoice has at most %d items", maxInvoiceItems)
	}
	for i := range p.Items {
		it := &p.Items[i]
		param := fmt.Sprintf("items[%d]", i)
		if it.Quantity == 0 {
			it.Quantity = 1
		}
		if it.Quantity < 0 || it.Quantity > maxItemQuantity {
			v.fail(param+".quantity", billing.CodeParameterInvalid, "quantity must be between 1 and %d", maxItemQuantity)
		}
		switch {
		case it.Price != "" && it.Amount != nil:
			v.fail(param, billing.CodeParameterInvalid, "an item has a price or an amount, not both")
		case it.Price == "" && it.Amount == nil:
			v.fail(param, billing.CodeParameterMissing, "an item needs a price or an amount")
		case it.Amount != nil:
			v.amount(param+".amount", *it.Amount)
			if *it.Amount <= 0 {
				v.fail(param+".amount", billing.CodeAmountInvalid, "amount must be positive")
			}
			v.required(param+".description", it.Description)
		}
		v.maxLen(param+".description", it.Description, maxNameLen)
	}
	if err := v.err(); err != nil {
		return billing.Invoice{}, err
	}
	var inv billing.Invoice
	var paymentID string
	err := a.store.InTx(ctx, func(tx billing.Tx) error {
		cus, err := liveCustomer(ctx, tx, s, p.Customer)
		if err != nil {
			return referenced(err, "customer", p.Customer)
		}
		now, err := a.clockNow(ctx, tx, s, cus.TestClockID)
		if err != nil {
			return err
		}
		if inv, err = a.createOneOff(ctx, tx, cus, p, now); err != nil {
			return err
		}
		if !p.Finalize {
			return nil
		}
		paymentID, err = a.finalizeOneOff(ctx, tx, &inv, now, true)
		return err
	})
	if err != nil {
		return billing.Invoice{}, err
	}
	return a.collectOneOff(ctx, s, inv.ID, paymentID)
}

// createOneOff writes a draft one-off invoice of p's items for cus at now
// (its customer's time), with its audit entry and invoice.created event.
func (a *Invoicing) createOneOff(ctx context.Context, tx billing.Tx, cus billing.Customer, p CreateInvoiceParams, now time.Time) (billing.Invoice, error) {
	s := cus.Scope
	var inv billing.Invoice
	m, err := tx.Merchants.GetMerchant(ctx, s.MerchantID)
	if err != nil {
		return inv, fmt.Errorf("read merchant: %w", err)
	}
	taxes, err := taxesFor(ctx, tx, s, m, nil)
	if err != nil {
		return inv, err
	}
	lines, currency, err := a.oneOffLines(ctx, tx, s, lineText(m), taxes, p, now)
	if err != nil {
		return inv, err
	}
	inv = billing.Invoice{ID: billing.NewID(billing.PrefixInvoice, a.Now()), Scope: s, CustomerID: cus.ID,
		Status: billing.InvoiceDraft, BillingReason: billing.ReasonManual, Currency: currency,
		PeriodStart: now, PeriodEnd: now, Lines: lines, Collection: p.Collection, Created: now, Updated: now}
	for _, l := range lines {
		if inv.Subtotal > math.MaxInt64-l.Amount {
			return inv, billing.Invalid("items", billing.CodeAmountInvalid, "the invoice's total is too large")
		}
		inv.Subtotal += l.Amount
	}
	// Taxed like subscription invoices: per line by its rates, none for an
	// exempt customer (billing.ComputeInvoiceTax).
	tax, err := billing.ComputeInvoiceTax(lines, 0, cus.IsTaxExempt())
	if err != nil {
		return inv, err
	}
	if inv.Subtotal > math.MaxInt64-tax.Exclusive {
		return inv, billing.Invalid("items", billing.CodeAmountInvalid, "the invoice's total is too large")
	}
	inv.Tax, inv.TaxAmounts = tax.Tax, tax.Amounts
	inv.Total = tax.Total(inv.Subtotal, 0)
	inv.AmountDue = inv.Total
	if p.Collection == billing.CollectionSendInvoice {
		days := int64(defaultDaysUntilDue)
		if p.DaysUntilDue != nil {
			days = *p.DaysUntilDue
		}
		due := now.AddDate(0, 0, int(days))
		// On a test clock near the end of year 9999 the due date can fall
		// beyond what JSON and the stores hold.
		if billing.CheckTime("days_until_due", due) != nil {
			return inv, billing.Invalid("days_until_due", billing.CodeParameterInvalid,
				"days_until_due puts the due date after %s", billing.MaxTime.Format(time.RFC3339))
		}
		inv.DueDate = &due
	} else {
		pm, err := a.invoicePaymentMethod(ctx, tx, s, cus.ID, p.PaymentMethod, currency)
		if err != nil {
			return inv, err
		}
		inv.PaymentMethodID = pm.ID
	}
	if err := tx.Invoices.CreateInvoice(ctx, inv); err != nil {
		return inv, fmt.Errorf("create invoice: %w", err)
	}
	if err := a.audit(ctx, tx, change{merchantID: s.MerchantID, mode: s.Mode, action: "invoice.create",
		objectType: "invoice", objectID: inv.ID, after: inv}); err != nil {
		return inv, err
	}
	return inv, a.emit(ctx, tx, s, EventInvoiceCreated, "invoice", inv.ID, inv, now)
}

// oneOffLines prices the items of a one-off invoice and returns its lines
// (described by text, taxed by the item's rates or as taxes resolve) and
// currency. Prices must be active and share the currency.
func (a *Invoicing) oneOffLines(ctx context.Context, tx billing.Tx, s billing.Scope, text billing.LineText, taxes itemTaxes, p CreateInvoiceParams, now time.Time) ([]billing.InvoiceLine, string, error) {
	currency := p.Currency
	lines := make([]billing.InvoiceLine, 0, len(p.Items))
	for i, it := range p.Items {
		param := fmt.Sprintf("items[%d]", i)
		line := billing.InvoiceLine{ID: billing.NewID(billing.PrefixInvoiceLine, a.Now()), Type: billing.LineOneOff,
			Description: it.Description, Quantity: it.Quantity, PeriodStart: now, PeriodEnd: now}
		if it.Price != "" {
			price, err := tx.Catalog.GetPrice(ctx, s, it.Price)
			if err != nil {
				return nil, "", referenced(err, param+".price", it.Price)
			}
			if !price.Active {
				return nil, "", billing.Invalid(param+".price", billing.CodeParameterInvalid, "price %s is archived", price.ID)
			}
			if price.Recurring != nil {
				return nil, "", billing.Invalid(param+".price", billing.CodeParameterInvalid,
					"price %s is recurring; a one-off invoice takes one-time prices or amounts (subscribe for recurring ones)", price.ID)
			}
			if price.Currency == billing.CurrencyUF {
				return nil, "", billing.Invalid(param+".price", billing.CodeCurrencyInvalid,
					"price %s is in UF; one-off invoices do not take UF prices yet (docs/uf.md)", price.ID)
			}
			if currency == "" {
				currency = price.Currency
			}
			if price.Currency != currency {
				return nil, "", billing.Invalid(param+".price", billing.CodeCurrencyInvalid,
					"price %s is in %s; this invoice is in %s", price.ID, price.Currency, currency)
			}
			if line.Description == "" {
				prod, err := tx.Catalog.GetProduct(ctx, s, price.ProductID)
				if err != nil {
					return nil, "", fmt.Errorf("read product %s: %w", price.ProductID, err)
				}
				line.Description = prod.Name
			}
			line.PriceID = price.ID
			if price.UnitAmount > 0 && it.Quantity > math.MaxInt64/price.UnitAmount {
				return nil, "", billing.Invalid(param+".quantity", billing.CodeAmountInvalid, "the line's amount is too large")
			}
			line.Amount = price.UnitAmount * it.Quantity
			if len(it.TaxRates) == 0 {
				if line.TaxRates, err = taxes.forPrice(ctx, tx, price); err != nil {
					return nil, "", err
				}
			}
		} else {
			if *it.Amount > math.MaxInt64/it.Quantity {
				return nil, "", billing.Invalid(param+".quantity", billing.CodeAmountInvalid, "the line's amount is too large")
			}
			line.Amount = *it.Amount * it.Quantity
			line.TaxRates = taxes.merchant
		}
		if len(it.TaxRates) > 0 {
			rates, err := newTaxRateUse(ctx, tx, s, param+".tax_rates", it.TaxRates)
			if err != nil {
				return nil, "", err
			}
			line.TaxRates = rates
		}
		line.Description = text.OneOff(line.Description, it.Quantity)
		lines = append(lines, line)
	}
	if currency == "" {
		return nil, "", billing.Invalid("currency", billing.CodeParameterMissing, "currency is required when no item names a price")
	}
	return lines, currency, nil
}

// invoicePaymentMethod returns the card a charge_automatically invoice of
// a customer is charged to: the one named, or the customer's most recent
// active one. Its gateway must take the currency.
func (a *Invoicing) invoicePaymentMethod(ctx context.Context, tx billing.Tx, s billing.Scope, customerID, id, currency string) (billing.PaymentMethod, error) {
	var pm billing.PaymentMethod
	if id != "" {
		var err error
		if pm, err = tx.PaymentMethods.GetPaymentMethod(ctx, s, id); err != nil {
			return pm, referenced(err, "payment_method", id)
		}
		if pm.CustomerID != customerID || pm.Status != billing.PaymentMethodActive {
			return pm, billing.Invalid("payment_method", billing.CodeParameterInvalid, "payment method %s is not an active card of customer %s", id, customerID)
		}
	} else {
		pms, err := tx.PaymentMethods.ListPaymentMethods(ctx, s, customerID)
		if err != nil {
			return pm, fmt.Errorf("list payment methods of %s: %w", customerID, err)
		}
		for _, c := range pms {
			if c.Status == billing.PaymentMethodActive && (pm.ID == "" || c.Created.After(pm.Created)) {
				pm = c
			}
		}
		if pm.ID == "" {
			return pm, billing.Invalid("payment_method", billing.CodeParameterMissing,
				"customer %s has no saved card to charge; save one first or use collection=send_invoice", customerID)
		}
	}
	gw, err := a.gateway(pm.Gateway)
	if err != nil {
		return pm, err
	}
	if cg, ok := gw.(billing.CurrencyGateway); ok && !cg.SupportsCurrency(currency) {
		return pm, billing.Invalid("currency", billing.CodeCurrencyNotSupported, "gateway %s does not charge %s", pm.Gateway, currency)
	}
	return pm, nil
}

// FinalizeInvoice numbers a draft one-off invoice and collects it: a
// charge_automatically invoice is charged to its card; a send_invoice one
// is emailed to the customer with its pay link.
func (a *Invoicing) FinalizeInvoice(ctx context.Context, s billing.Scope, id string) (billing.Invoice, error) {
	var paymentID string
	err := a.store.InTx(ctx, func(tx billing.Tx) error {
		inv, err := tx.Invoices.GetInvoice(ctx, s, id)
		if err != nil {
			return notFound(err, "invoice", id)
		}
		if inv.Status != billing.InvoiceDraft {
			return billing.Errorf(billing.KindConflict, billing.CodeInvalidStateTransition, "cannot finalize an invoice that is %s", inv.Status)
		}
		if billing.NeedsUFRate(inv.Lines) {
			// It finalizes by itself once its day's UF value is known.
			return billing.Errorf(billing.KindConflict, billing.CodeUFRateUnavailable,
				"invoice %s waits for the UF value of its day: set it with PUT /v1/uf_rates/{date} and it is finalized by itself", inv.ID)
		}
		now, err := a.collection.customerNow(ctx, tx, s, inv.CustomerID)
		if err != nil {
			return err
		}
		paymentID, err = a.finalizeOneOff(ctx, tx, &inv, now, true)
		return err
	})
	if err != nil {
		return billing.Invoice{}, err
	}
	return a.collectOneOff(ctx, s, id, paymentID)
}

// finalizeOneOff numbers and opens a draft one-off invoice and starts its
// collection in tx: the payment attempt of a charge_automatically invoice
// (its id is returned, to be executed once tx commits), or, with send,
// the invoice email of a send_invoice one.
func (a *Invoicing) finalizeOneOff(ctx context.Context, tx billing.Tx, inv *billing.Invoice, now time.Time, send bool) (string, error) {
	s := inv.Scope
	m, err := tx.Merchants.GetMerchant(ctx, s.MerchantID)
	if err != nil {
		return "", fmt.Errorf("read merchant: %w", err)
	}
	n, err := tx.Invoices.NextInvoiceNumber(ctx, s)
	if err != nil {
		return "", fmt.Errorf("number invoice %s: %w", inv.ID, err)
	}
	before := *inv
	if err := finalizeInvoice(m, inv, n, now); err != nil {
		return "", err
	}
	if err := a.audit(ctx, tx, change{merchantID: s.MerchantID, mode: s.Mode, action: "invoice.finalize",
		objectType: "invoice", objectID: inv.ID, before: before, after: *inv}); err != nil {
		return "", err
	}
	if err := a.emit(ctx, tx, s, EventInvoiceFinalized, "invoice", inv.ID, *inv, now); err != nil {
		return "", err
	}
	if inv.Status == billing.InvoicePaid {
		if err := tx.Invoices.UpdateInvoice(ctx, *inv); err != nil {
			return "", fmt.Errorf("update invoice %s: %w", inv.ID, err)
		}
		return "", a.emit(ctx, tx, s, EventInvoicePaid, "invoice", inv.ID, *inv, now)
	}
	if billing.CollectionOf(*inv) == billing.CollectionSendInvoice {
		if err := tx.Invoices.UpdateInvoice(ctx, *inv); err != nil {
			return "", fmt.Errorf("update invoice %s: %w", inv.ID, err)
		}
		if !send {
			return "", nil
		}
		link, err := a.payPages.invoiceURL(m, s, inv.ID)
		if err != nil {
			return "", err
		}
		return "", a.notifications.SendInvoiceEmail(ctx, tx, *inv, InvoiceEmailParams{PayURL: link, DueDate: inv.DueDate}, now)
	}
	pm, err := tx.PaymentMethods.GetPaymentMethod(ctx, s, inv.PaymentMethodID)
	if err != nil {
		return "", fmt.Errorf("read payment method %s: %w", inv.PaymentMethodID, err)
	}
	pay, err := a.recordPayment(ctx, tx, inv, pm, now, now, "")
	if err != nil {
		return "", err
	}
	return pay.ID, nil
}

// collectOneOff runs the payment attempt a one-off invoice's change
// recorded (if any) and returns the invoice as it then stands.
func (a *Invoicing) collectOneOff(ctx context.Context, s billing.Scope, id, paymentID string) (billing.Invoice, error) {
	if paymentID != "" {
		if err := a.collection.executePayment(ctx, s, paymentID, false); err != nil {
			return billing.Invoice{}, err
		}
	}
	return a.GetInvoice(ctx, s, id)
}

// payOneOff records a new attempt to charge a one-off invoice to its card
// (or, for a send_invoice one, the customer's most recent card) in tx and
// returns its id, to be executed once tx commits.
func (a *Invoicing) payOneOff(ctx context.Context, tx billing.Tx, inv *billing.Invoice) (string, error) {
	s := inv.Scope
	pm, err := a.invoicePaymentMethod(ctx, tx, s, inv.CustomerID, inv.PaymentMethodID, inv.Currency)
	if err != nil {
		return "", err
	}
	now, err := a.collection.customerNow(ctx, tx, s, inv.CustomerID)
	if err != nil {
		return "", err
	}
	if err := billing.ReopenForPayment(inv); err != nil {
		return "", err
	}
	pay, err := a.recordPayment(ctx, tx, inv, pm, now, now, "")
	if err != nil {
		return "", err
	}
	return pay.ID, nil
}
