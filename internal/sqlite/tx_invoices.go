package sqlite

import (
	"context"
	"fmt"

	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/sqlite/litedb/lifecycledb"
)

// invoiceTx is the billing.InvoiceTx of one transaction.
type invoiceTx struct{ *base }

var _ billing.InvoiceTx = invoiceTx{}

// Invoices.

// NextInvoiceNumber takes the next number of s's invoice sequence.
func (t invoiceTx) NextInvoiceNumber(ctx context.Context, s billing.Scope) (int64, error) {
	n, err := t.lifecycle.NextInvoiceNumber(ctx, lifecycledb.NextInvoiceNumberParams{MerchantID: s.MerchantID, Mode: string(s.Mode)})
	if err != nil {
		return 0, dbError(err, "next invoice number of merchant %s (%s)", s.MerchantID, s.Mode)
	}
	return n, nil
}

// CreateInvoice inserts inv.
func (t invoiceTx) CreateInvoice(ctx context.Context, inv billing.Invoice) error {
	lines, err := encodeLines(inv.Lines)
	if err != nil {
		return fmt.Errorf("create invoice %s: %w", inv.ID, err)
	}
	taxAmounts, err := encodeList(inv.TaxAmounts)
	if err != nil {
		return fmt.Errorf("create invoice %s: encode tax amounts: %w", inv.ID, err)
	}
	err = t.lifecycle.CreateInvoice(ctx, lifecycledb.CreateInvoiceParams{
		ID:              inv.ID,
		MerchantID:      inv.Scope.MerchantID,
		Mode:            string(inv.Scope.Mode),
		CustomerID:      inv.CustomerID,
		SubscriptionID:  inv.SubscriptionID,
		Number:          inv.Number,
		Status:          string(inv.Status),
		BillingReason:   inv.BillingReason,
		Currency:        inv.Currency,
		PeriodStart:     micros(inv.PeriodStart),
		PeriodEnd:       micros(inv.PeriodEnd),
		Lines:           lines,
		Subtotal:        inv.Subtotal,
		Discount:        inv.Discount,
		Tax:             inv.Tax,
		TaxAmounts:      taxAmounts,
		Total:           inv.Total,
		AmountDue:       inv.AmountDue,
		AmountPaid:      inv.AmountPaid,
		AttemptCount:    inv.AttemptCount,
		NextAttemptAt:   nullMicros(inv.NextAttemptAt),
		FinalizedAt:     nullMicros(inv.FinalizedAt),
		PaidAt:          nullMicros(inv.PaidAt),
		VoidedAt:        nullMicros(inv.VoidedAt),
		Collection:      billing.CollectionOf(inv),
		DueDate:         nullMicros(inv.DueDate),
		PaymentMethodID: inv.PaymentMethodID,
		StartingBalance: inv.StartingBalance,
		EndingBalance:   inv.EndingBalance,
		Created:         micros(inv.Created),
		Updated:         micros(inv.Updated),
	})
	if err != nil {
		return dbError(err, "create invoice %s", inv.ID)
	}
	return nil
}

// GetInvoice returns the invoice with id in scope s.
func (t invoiceTx) GetInvoice(ctx context.Context, s billing.Scope, id string) (billing.Invoice, error) {
	row, err := t.lifecycle.GetInvoice(ctx, lifecycledb.GetInvoiceParams{MerchantID: s.MerchantID, Mode: string(s.Mode), ID: id})
	if err != nil {
		return billing.Invoice{}, dbError(err, "get invoice %s", id)
	}
	return invoiceFromRow(row)
}

// GetInvoices returns the invoices of ids in scope s, by id.
func (t invoiceTx) GetInvoices(ctx context.Context, s billing.Scope, ids []string) (map[string]billing.Invoice, error) {
	if len(ids) == 0 {
		return map[string]billing.Invoice{}, nil
	}
	rows, err := t.lifecycle.GetInvoices(ctx, lifecycledb.GetInvoicesParams{MerchantID: s.MerchantID, Mode: string(s.Mode), Ids: ids})
	if err != nil {
		return nil, dbError(err, "get invoices")
	}
	out, err := convertRows(rows, invoiceFromRow)
	if err != nil {
		return nil, err
	}
	return byID(out, func(inv billing.Invoice) string { return inv.ID }), nil
}

// UpdateInvoice writes inv's mutable fields.
func (t invoiceTx) UpdateInvoice(ctx context.Context, inv billing.Invoice) error {
	lines, err := encodeLines(inv.Lines)
	if err != nil {
		return fmt.Errorf("update invoice %s: %w", inv.ID, err)
	}
	taxAmounts, err := encodeList(inv.TaxAmounts)
	if err != nil {
		return fmt.Errorf("update invoice %s: encode tax amounts: %w", inv.ID, err)
	}
	n, err := t.lifecycle.UpdateInvoice(ctx, lifecycledb.UpdateInvoiceParams{
		Number:          inv.Number,
		Status:          string(inv.Status),
		Lines:           lines,
		Subtotal:        inv.Subtotal,
		Discount:        inv.Discount,
		Tax:             inv.Tax,
		TaxAmounts:      taxAmounts,
		Total:           inv.Total,
		AmountDue:       inv.AmountDue,
		AmountPaid:      inv.AmountPaid,
		AttemptCount:    inv.AttemptCount,
		NextAttemptAt:   nullMicros(inv.NextAttemptAt),
		FinalizedAt:     nullMicros(inv.FinalizedAt),
		PaidAt:          nullMicros(inv.PaidAt),
		VoidedAt:        nullMicros(inv.VoidedAt),
		DueDate:         nullMicros(inv.DueDate),
		PaymentMethodID: inv.PaymentMethodID,
		StartingBalance: inv.StartingBalance,
		EndingBalance:   inv.EndingBalance,
		Updated:         micros(inv.Updated),
		MerchantID:      inv.Scope.MerchantID,
		Mode:            string(inv.Scope.Mode),
		ID:              inv.ID,
	})
	return notFoundIfNone(n, err, "update invoice %s", inv.ID)
}

// ListInvoices returns a page of s's invoices, newest first.
func (t invoiceTx) ListInvoices(ctx context.Context, s billing.Scope, f billing.InvoiceFilter, page billing.Page) ([]billing.Invoice, bool, error) {
	// A filter on a key with its own index reads by that index (see the
	// query's comment); the list with every filter optional would scan
	// the merchant's whole scope.
	p := lifecycledb.ListInvoicesParams{
		MerchantID:     s.MerchantID,
		Mode:           string(s.Mode),
		CustomerID:     f.CustomerID,
		SubscriptionID: f.SubscriptionID,
		Status:         string(f.Status),
		StartingAfter:  page.StartingAfter,
		RowLimit:       rowLimit(page.Limit),
	}
	var rows []lifecycledb.Invoice
	var err error
	switch {
	case f.SubscriptionID != "":
		rows, err = t.lifecycle.ListInvoicesOfSubscription(ctx, lifecycledb.ListInvoicesOfSubscriptionParams(p))
	case f.CustomerID != "":
		rows, err = t.lifecycle.ListInvoicesOfCustomer(ctx, lifecycledb.ListInvoicesOfCustomerParams(p))
	default:
		rows, err = t.lifecycle.ListInvoices(ctx, p)
	}
	if err != nil {
		return nil, false, dbError(err, "list invoices")
	}
	rows, more := trimPage(rows, page.Limit)
	out, err := convertRows(rows, invoiceFromRow)
	return out, more, err
}

// encodeLines marshals invoice lines ("[]" for none), their times as the
// store gives them back.
func encodeLines(lines []billing.InvoiceLine) (string, error) {
	stored := make([]billing.InvoiceLine, len(lines))
	for i, l := range lines {
		l.PeriodStart, l.PeriodEnd = storedTime(l.PeriodStart), storedTime(l.PeriodEnd)
		stored[i] = l
	}
	s, err := encodeList(stored)
	if err != nil {
		return "", fmt.Errorf("encode lines: %w", err)
	}
	return s, nil
}

func invoiceFromRow(row lifecycledb.Invoice) (billing.Invoice, error) {
	lines, err := decodeList[billing.InvoiceLine](row.Lines)
	if err != nil {
		return billing.Invoice{}, fmt.Errorf("decode lines of invoice %s: %w", row.ID, err)
	}
	taxAmounts, err := decodeOptList[billing.TaxAmount](row.TaxAmounts)
	if err != nil {
		return billing.Invoice{}, fmt.Errorf("decode tax amounts of invoice %s: %w", row.ID, err)
	}
	return billing.Invoice{
		ID:              row.ID,
		Scope:           billing.Scope{MerchantID: row.MerchantID, Mode: billing.Mode(row.Mode)},
		CustomerID:      row.CustomerID,
		SubscriptionID:  row.SubscriptionID,
		Number:          row.Number,
		Status:          billing.InvoiceStatus(row.Status),
		BillingReason:   row.BillingReason,
		Currency:        row.Currency,
		PeriodStart:     fromMicros(row.PeriodStart),
		PeriodEnd:       fromMicros(row.PeriodEnd),
		Lines:           lines,
		Subtotal:        row.Subtotal,
		Discount:        row.Discount,
		Tax:             row.Tax,
		TaxAmounts:      taxAmounts,
		Total:           row.Total,
		AmountDue:       row.AmountDue,
		AmountPaid:      row.AmountPaid,
		AttemptCount:    row.AttemptCount,
		NextAttemptAt:   fromNullMicros(row.NextAttemptAt),
		FinalizedAt:     fromNullMicros(row.FinalizedAt),
		PaidAt:          fromNullMicros(row.PaidAt),
		VoidedAt:        fromNullMicros(row.VoidedAt),
		Collection:      billing.CollectionFromStore(row.Collection),
		DueDate:         fromNullMicros(row.DueDate),
		PaymentMethodID: row.PaymentMethodID,
		StartingBalance: row.StartingBalance,
		EndingBalance:   row.EndingBalance,
		Created:         fromMicros(row.Created),
		Updated:         fromMicros(row.Updated),
	}, nil
}
