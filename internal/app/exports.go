package app

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/money"
)

// The CSV exports (docs/exports.md): customers, subscriptions, invoices
// and payments, with the filters of their lists. An export is read a page
// at a time, each page in a transaction of its own, and each page is
// written before the next is read: memory stays flat however many rows
// there are, and no transaction stays open while the client reads. A
// row added or changed while an export runs may or may not be in it;
// rows are never repeated or skipped, since the pages follow the id
// cursor of the lists (newest first).

// exportPage is how many rows one page of an export reads.
const exportPage = 100

// Export is a CSV export ready to be written: its filters were checked
// when it was made, so an error of WriteTo is the store's or the
// writer's.
type Export struct {
	// Filename is the file's name, e.g. "customers.csv".
	Filename string
	write    func(ctx context.Context, w io.Writer) error
}

// WriteTo writes the whole export to w: a header row, then every row,
// flushed page by page.
func (e Export) WriteTo(ctx context.Context, w io.Writer) error { return e.write(ctx, w) }

// exportSpec is one kind of export: its columns, how a page is read and
// how an object becomes a row.
type exportSpec[T any] struct {
	filename string
	header   []string
	page     func(ctx context.Context, tx billing.Tx, page billing.Page) ([]T, bool, error)
	id       func(T) string
	row      func(T) []string
}

// newExport returns the Export of spec.
func newExport[T any](a *core, spec exportSpec[T]) Export {
	return Export{Filename: spec.filename, write: func(ctx context.Context, w io.Writer) error {
		cw := csv.NewWriter(w)
		cw.UseCRLF = true // RFC 4180's line ending
		if err := cw.Write(spec.header); err != nil {
			return fmt.Errorf("export %s: %w", spec.filename, err)
		}
		page := billing.Page{Limit: exportPage}
		for {
			var items []T
			var more bool
			err := a.store.Read(ctx, func(tx billing.Tx) error {
				var err error
				items, more, err = spec.page(ctx, tx, page)
				return err
			})
			if err != nil {
				return fmt.Errorf("export %s: %w", spec.filename, err)
			}
			for _, it := range items {
				if err := cw.Write(spec.row(it)); err != nil {
					return fmt.Errorf("export %s: %w", spec.filename, err)
				}
			}
			cw.Flush()
			if err := cw.Error(); err != nil {
				return fmt.Errorf("export %s: %w", spec.filename, err)
			}
			if !more || len(items) == 0 {
				return nil
			}
			page.StartingAfter = spec.id(items[len(items)-1])
		}
	}}
}

// safeCell guards a text cell against formula injection: text that starts
// with = + - @, a tab or a carriage return would be run as a formula by a
// spreadsheet, so it is prefixed with an apostrophe, which spreadsheets
// show as text. Every cell that can hold what someone typed is text; the
// numbers an export writes itself are num and left alone (a negative
// balance stays a number).
func safeCell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}

// num is a cell the export computed as a number (an amount, a count): it
// is written as it is, never guarded.
type num string

// csvInt is an integer cell.
func csvInt(n int64) num { return num(strconv.FormatInt(n, 10)) }

// csvTime is a time in RFC 3339, UTC ("" for none).
func csvTime(t time.Time) num {
	if t.IsZero() {
		return ""
	}
	return num(t.UTC().Format(time.RFC3339))
}

// csvTimePtr is csvTime of an optional time.
func csvTimePtr(t *time.Time) num {
	if t == nil {
		return ""
	}
	return csvTime(*t)
}

// csvAmount is an amount's two cells: minor units and the decimal.
func csvAmount(minor int64, currency string) []num {
	return []num{csvInt(minor), num(money.Amount{Minor: minor, Currency: strings.ToUpper(currency)}.Decimal())}
}

// amountColumns are the two header cells of an amount column.
func amountColumns(name string) []string { return []string{name, name + "_decimal"} }

// row joins a row's cells and cell groups: strings are text (guarded by
// safeCell), nums are written as they are.
func row(parts ...any) []string {
	var out []string
	for _, p := range parts {
		switch v := p.(type) {
		case string:
			out = append(out, safeCell(v))
		case []string:
			for _, c := range v {
				out = append(out, safeCell(c))
			}
		case num:
			out = append(out, string(v))
		case []num:
			for _, c := range v {
				out = append(out, string(c))
			}
		}
	}
	return out
}

// ExportCustomers is the export of scope s's customers that f selects
// (the filters of ListCustomers).
func (a *Exports) ExportCustomers(ctx context.Context, s billing.Scope, f billing.CustomerFilter) (Export, error) {
	return a.customersExport(s, func(ctx context.Context, tx billing.Tx, page billing.Page) ([]billing.Customer, bool, error) {
		return tx.Customers.ListCustomers(ctx, s, f, page)
	}), nil
}

// ExportCustomerSearch is the export of the customers SearchCustomers
// finds for query (by the same rule, searchCustomers):
// what the console's customer list shows, every page of it.
func (a *Exports) ExportCustomerSearch(ctx context.Context, s billing.Scope, query string) (Export, error) {
	query, err := searchQuery(query)
	if err != nil {
		return Export{}, err
	}
	if query == "" {
		return a.ExportCustomers(ctx, s, billing.CustomerFilter{})
	}
	return a.customersExport(s, func(ctx context.Context, tx billing.Tx, page billing.Page) ([]billing.Customer, bool, error) {
		return searchCustomers(ctx, tx, s, query, page)
	}), nil
}

// customersExport is the customers' export over the pages read reads.
func (a *Exports) customersExport(s billing.Scope, read func(context.Context, billing.Tx, billing.Page) ([]billing.Customer, bool, error)) Export {
	return newExport(a.core, exportSpec[billing.Customer]{
		filename: "customers.csv",
		header: row("id", "email", "name", "external_id", "locale", "tax_exempt", "legal_name", "tax_ids",
			amountColumns("balance"), "balance_currency", "created"),
		page: func(ctx context.Context, tx billing.Tx, page billing.Page) ([]billing.Customer, bool, error) {
			l, more, err := read(ctx, tx, page)
			if err != nil {
				return nil, false, err
			}
			return l, more, withBalances(ctx, tx, s, l)
		},
		id: func(c billing.Customer) string { return c.ID },
		row: func(c billing.Customer) []string {
			ids := make([]string, len(c.TaxProfile.TaxIDs))
			for i, t := range c.TaxProfile.TaxIDs {
				ids[i] = t.Type + ":" + t.Value
			}
			exempt := c.TaxExempt
			if exempt == "" {
				exempt = billing.TaxExemptNone
			}
			return row(c.ID, c.Email, c.Name, c.ExternalID, c.Locale, exempt, c.TaxProfile.LegalName,
				strings.Join(ids, " "), csvAmount(c.Balance, c.Currency), strings.ToUpper(c.Currency), csvTime(c.Created))
		},
	})
}

// ExportSubscriptions is the export of scope s's subscriptions that f
// selects (the filters of ListSubscriptions).
func (a *Exports) ExportSubscriptions(ctx context.Context, s billing.Scope, f billing.SubscriptionFilter) (Export, error) {
	if f.Status != "" && !f.Status.Valid() {
		return Export{}, billing.Invalid("status", billing.CodeParameterInvalid, "unknown status %q", f.Status)
	}
	return newExport(a.core, exportSpec[billing.Subscription]{
		filename: "subscriptions.csv",
		header: row("id", "customer", "status", "currency", "items", "interval", "interval_count",
			"current_period_start", "current_period_end", "trial_end", "cancel_at_period_end", "cancel_at", "canceled_at",
			"cancellation_reason", "ended_at", "coupon", "created"),
		page: func(ctx context.Context, tx billing.Tx, page billing.Page) ([]billing.Subscription, bool, error) {
			return tx.Subscriptions.ListSubscriptions(ctx, s, f, page)
		},
		id: func(sub billing.Subscription) string { return sub.ID },
		row: func(sub billing.Subscription) []string {
			items := make([]string, len(sub.Items))
			for i, it := range sub.Items {
				items[i] = it.PriceID + "*" + strconv.FormatInt(it.Quantity, 10)
			}
			return row(sub.ID, sub.CustomerID, string(sub.Status), strings.ToUpper(sub.Currency), strings.Join(items, " "),
				sub.Recurring.Interval, csvInt(sub.Recurring.IntervalCount),
				csvTime(sub.CurrentPeriodStart), csvTime(sub.CurrentPeriodEnd), csvTimePtr(sub.TrialEnd),
				num(strconv.FormatBool(sub.CancelAtPeriodEnd)), csvTimePtr(sub.CancelAt), csvTimePtr(sub.CanceledAt),
				string(sub.CancellationReason), csvTimePtr(sub.EndedAt), sub.CouponID, csvTime(sub.Created))
		},
	}), nil
}

// ExportInvoices is the export of scope s's invoices that f selects (the
// filters of ListInvoices).
func (a *Exports) ExportInvoices(ctx context.Context, s billing.Scope, f billing.InvoiceFilter) (Export, error) {
	if f.Status != "" && !f.Status.Valid() {
		return Export{}, billing.Invalid("status", billing.CodeParameterInvalid, "unknown status %q", f.Status)
	}
	return newExport(a.core, exportSpec[billing.Invoice]{
		filename: "invoices.csv",
		header: row("id", "number", "customer", "subscription", "status", "billing_reason", "currency",
			amountColumns("subtotal"), amountColumns("discount"), amountColumns("tax"), amountColumns("total"),
			amountColumns("amount_due"), amountColumns("amount_paid"), "attempt_count", "period_start", "period_end",
			"finalized_at", "paid_at", "voided_at", "due_date", "created"),
		page: func(ctx context.Context, tx billing.Tx, page billing.Page) ([]billing.Invoice, bool, error) {
			return tx.Invoices.ListInvoices(ctx, s, f, page)
		},
		id: func(inv billing.Invoice) string { return inv.ID },
		row: func(inv billing.Invoice) []string {
			c := inv.Currency
			return row(inv.ID, inv.Number, inv.CustomerID, inv.SubscriptionID, string(inv.Status), inv.BillingReason,
				strings.ToUpper(c), csvAmount(inv.Subtotal, c), csvAmount(inv.Discount, c), csvAmount(inv.Tax, c),
				csvAmount(inv.Total, c), csvAmount(inv.AmountDue, c), csvAmount(inv.AmountPaid, c),
				csvInt(inv.AttemptCount), csvTime(inv.PeriodStart), csvTime(inv.PeriodEnd),
				csvTimePtr(inv.FinalizedAt), csvTimePtr(inv.PaidAt), csvTimePtr(inv.VoidedAt), csvTimePtr(inv.DueDate),
				csvTime(inv.Created))
		},
	}), nil
}

// ExportPayments is the export of scope s's payment attempts that f
// selects (the filters of ListPayments).
func (a *Exports) ExportPayments(ctx context.Context, s billing.Scope, f billing.PaymentFilter) (Export, error) {
	if f.Status != "" && !f.Status.Valid() {
		return Export{}, billing.Invalid("status", billing.CodeParameterInvalid, "unknown status %q", f.Status)
	}
	return newExport(a.core, exportSpec[billing.Payment]{
		filename: "payments.csv",
		header: row("id", "invoice", "customer", "attempt", "gateway", "status", "currency", amountColumns("amount"),
			amountColumns("amount_refunded"), "failure_class", "failure_code", "failure_message", "gateway_ref",
			"created", "updated"),
		page: func(ctx context.Context, tx billing.Tx, page billing.Page) ([]billing.Payment, bool, error) {
			return tx.Payments.ListPayments(ctx, s, f, page)
		},
		id: func(p billing.Payment) string { return p.ID },
		row: func(p billing.Payment) []string {
			c := p.Currency
			return row(p.ID, p.InvoiceID, p.CustomerID, csvInt(p.Attempt), p.Gateway, string(p.Status),
				strings.ToUpper(c), csvAmount(p.Amount, c), csvAmount(p.AmountRefunded, c), string(p.FailureClass),
				p.FailureCode, p.FailureMessage, p.GatewayRef, csvTime(p.Created), csvTime(p.Updated))
		},
	}), nil
}
