package postgres

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/postgres/pgdb/lifecycledb"
)

// invoiceTx is the billing.InvoiceTx of one transaction.
type invoiceTx struct{ *base }

var _ billing.InvoiceTx = invoiceTx{}

// NextInvoiceNumber returns the next number of scope s's invoice sequence.
// The counter row stays locked until the transaction ends, so concurrent
// finalizations take their numbers one after the other, and a rollback
// gives the number back.
func (t invoiceTx) NextInvoiceNumber(ctx context.Context, s billing.Scope) (int64, error) {
	var n int64
	err := t.writeLifecycle(ctx, "next invoice number", func(q *lifecycledb.Queries) error {
		var err error
		n, err = q.NextInvoiceNumber(ctx, lifecycledb.NextInvoiceNumberParams{MerchantID: s.MerchantID, Mode: string(s.Mode)})
		return err
	})
	return n, err
}

// CreateInvoice inserts inv. A second subscription_create or
// subscription_cycle invoice for one subscription period is a
// *billing.ErrUniqueViolation "invoices_subscription_period_key"; a
// duplicate non-empty number in the scope is "invoices_number_key".
func (t invoiceTx) CreateInvoice(ctx context.Context, inv billing.Invoice) error {
	cols, err := encodeInvoice(inv)
	if err != nil {
		return fmt.Errorf("postgres: create invoice %s: %w", inv.ID, err)
	}
	return t.writeLifecycle(ctx, "create invoice "+inv.ID, func(q *lifecycledb.Queries) error {
		return q.CreateInvoice(ctx, createInvoiceParams(inv, cols))
	})
}

// GetInvoice returns the invoice with id in scope s.
func (t invoiceTx) GetInvoice(ctx context.Context, s billing.Scope, id string) (billing.Invoice, error) {
	row, err := t.lifecycle.GetInvoice(ctx, lifecycledb.GetInvoiceParams{MerchantID: s.MerchantID, Mode: string(s.Mode), ID: id})
	if err != nil {
		return billing.Invoice{}, dbError("get invoice "+id, err)
	}
	inv, err := invoiceFromRow(row)
	if err != nil {
		return billing.Invoice{}, fmt.Errorf("postgres: get invoice %s: %w", id, err)
	}
	return inv, nil
}

// GetInvoices returns the invoices of ids in scope s, by id.
func (t invoiceTx) GetInvoices(ctx context.Context, s billing.Scope, ids []string) (map[string]billing.Invoice, error) {
	if len(ids) == 0 {
		return map[string]billing.Invoice{}, nil
	}
	rows, err := t.lifecycle.GetInvoices(ctx, lifecycledb.GetInvoicesParams{MerchantID: s.MerchantID, Mode: string(s.Mode), Ids: ids})
	if err != nil {
		return nil, dbError("get invoices", err)
	}
	out, err := convertRows(rows, invoiceFromRow)
	if err != nil {
		return nil, fmt.Errorf("postgres: get invoices: %w", err)
	}
	return byID(out, func(inv billing.Invoice) string { return inv.ID }), nil
}

// UpdateInvoice writes inv's number, status, lines, amounts, attempt count
// and times.
func (t invoiceTx) UpdateInvoice(ctx context.Context, inv billing.Invoice) error {
	cols, err := encodeInvoice(inv)
	if err != nil {
		return fmt.Errorf("postgres: update invoice %s: %w", inv.ID, err)
	}
	return t.writeLifecycle(ctx, "update invoice "+inv.ID, func(q *lifecycledb.Queries) error {
		return updated(q.UpdateInvoice(ctx, updateInvoiceParams(inv, cols)))
	})
}

// ListInvoices returns a page of scope s's invoices, newest first.
func (t invoiceTx) ListInvoices(ctx context.Context, s billing.Scope, f billing.InvoiceFilter, pg billing.Page) ([]billing.Invoice, bool, error) {
	// A filter on a key with its own index reads by that index (see the
	// query's comment); the list with every filter optional would scan
	// the merchant's whole scope.
	p := lifecycledb.ListInvoicesParams{
		MerchantID:     s.MerchantID,
		Mode:           string(s.Mode),
		CustomerID:     f.CustomerID,
		SubscriptionID: f.SubscriptionID,
		Status:         string(f.Status),
		StartingAfter:  pg.StartingAfter,
		RowLimit:       rowLimit(pg.Limit),
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
		return nil, false, dbError("list invoices", err)
	}
	rows, more := trimPage(rows, pg.Limit)
	out, err := convertRows(rows, invoiceFromRow)
	if err != nil {
		return nil, false, fmt.Errorf("postgres: list invoices: %w", err)
	}
	return out, more, nil
}

// invoiceColumns are an invoice's fields stored as JSON text.
type invoiceColumns struct {
	lines      string // JSON array, "[]" when empty
	taxAmounts string // JSON array, "[]" when empty
}

// encodeInvoice renders inv's JSON columns.
func encodeInvoice(inv billing.Invoice) (invoiceColumns, error) {
	var cols invoiceColumns
	var err error
	if cols.lines, err = encodeLines(inv.Lines); err != nil {
		return cols, err
	}
	if cols.taxAmounts, err = encodeList(inv.TaxAmounts); err != nil {
		return cols, fmt.Errorf("encode tax amounts: %w", err)
	}
	return cols, nil
}

// encodeLines renders invoice lines as a JSON array ("[]" when there are
// none), their periods at the precision of the time columns.
func encodeLines(lines []billing.InvoiceLine) (string, error) {
	out := make([]billing.InvoiceLine, len(lines))
	for i, l := range lines {
		l.PeriodStart, l.PeriodEnd = ts(l.PeriodStart), ts(l.PeriodEnd)
		out[i] = l
	}
	b, err := json.Marshal(out)
	if err != nil {
		return "", fmt.Errorf("encode lines: %w", err)
	}
	return string(b), nil
}

func invoiceFromRow(r lifecycledb.Invoice) (billing.Invoice, error) {
	var lines []billing.InvoiceLine
	if err := json.Unmarshal([]byte(r.Lines), &lines); err != nil {
		return billing.Invoice{}, fmt.Errorf("invoice %s lines: %w", r.ID, err)
	}
	if lines == nil {
		lines = []billing.InvoiceLine{}
	}
	taxAmounts, err := decodeList[billing.TaxAmount](r.TaxAmounts)
	if err != nil {
		return billing.Invoice{}, fmt.Errorf("invoice %s tax amounts: %w", r.ID, err)
	}
	for i := range lines {
		lines[i].PeriodStart = lines[i].PeriodStart.UTC()
		lines[i].PeriodEnd = lines[i].PeriodEnd.UTC()
	}
	return billing.Invoice{
		ID:              r.ID,
		Scope:           billing.Scope{MerchantID: r.MerchantID, Mode: billing.Mode(r.Mode)},
		CustomerID:      r.CustomerID,
		SubscriptionID:  r.SubscriptionID,
		Number:          r.Number,
		Status:          billing.InvoiceStatus(r.Status),
		BillingReason:   r.BillingReason,
		Currency:        r.Currency,
		PeriodStart:     r.PeriodStart.UTC(),
		PeriodEnd:       r.PeriodEnd.UTC(),
		Lines:           lines,
		Subtotal:        r.Subtotal,
		Discount:        r.Discount,
		Tax:             r.Tax,
		TaxAmounts:      taxAmounts,
		Total:           r.Total,
		AmountDue:       r.AmountDue,
		AmountPaid:      r.AmountPaid,
		AttemptCount:    r.AttemptCount,
		NextAttemptAt:   utcPtr(r.NextAttemptAt),
		FinalizedAt:     utcPtr(r.FinalizedAt),
		PaidAt:          utcPtr(r.PaidAt),
		VoidedAt:        utcPtr(r.VoidedAt),
		Collection:      billing.CollectionFromStore(r.Collection),
		DueDate:         utcPtr(r.DueDate),
		PaymentMethodID: r.PaymentMethodID,
		StartingBalance: r.StartingBalance,
		EndingBalance:   r.EndingBalance,
		Created:         r.Created.UTC(),
		Updated:         r.Updated.UTC(),
	}, nil
}
