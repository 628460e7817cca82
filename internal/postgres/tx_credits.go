package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/postgres/pgdb/creditsdb"
)

// creditTx is the billing.CreditTx of one transaction.
type creditTx struct{ *base }

var _ billing.CreditTx = creditTx{}

// NextCreditNoteNumber returns the next number of scope s's credit note
// sequence; the counter row stays locked until the transaction ends.
func (t creditTx) NextCreditNoteNumber(ctx context.Context, s billing.Scope) (int64, error) {
	var n int64
	err := t.writeCredits(ctx, "next credit note number", func(q *creditsdb.Queries) error {
		var err error
		n, err = q.NextCreditNoteNumber(ctx, creditsdb.NextCreditNoteNumberParams{MerchantID: s.MerchantID, Mode: string(s.Mode)})
		return err
	})
	return n, err
}

// CreateCreditNote inserts cn.
func (t creditTx) CreateCreditNote(ctx context.Context, cn billing.CreditNote) error {
	lines, err := encodeCreditLines(cn.Lines)
	if err != nil {
		return fmt.Errorf("postgres: create credit note %s: %w", cn.ID, err)
	}
	taxAmounts, err := encodeList(cn.TaxAmounts)
	if err != nil {
		return fmt.Errorf("postgres: create credit note %s: %w", cn.ID, err)
	}
	return t.writeCredits(ctx, "create credit note "+cn.ID, func(q *creditsdb.Queries) error {
		return q.CreateCreditNote(ctx, creditsdb.CreateCreditNoteParams{
			ID: cn.ID, MerchantID: cn.Scope.MerchantID, Mode: string(cn.Scope.Mode), Number: cn.Number,
			InvoiceID: cn.InvoiceID, CustomerID: cn.CustomerID, Currency: cn.Currency, Status: cn.Status,
			Reason: cn.Reason, Memo: cn.Memo, Lines: lines, Subtotal: cn.Subtotal, Tax: cn.Tax, TaxAmounts: taxAmounts,
			Total: cn.Total, RefundAmount: cn.RefundAmount, CreditAmount: cn.CreditAmount, OutOfBandAmount: cn.OutOfBandAmount,
			RefundID: cn.RefundID, BalanceTransactionID: cn.BalanceTransactionID, VoidedAt: tsPtr(cn.VoidedAt),
			Created: ts(cn.Created), Updated: ts(cn.Updated),
		})
	})
}

// GetCreditNote returns the credit note with id in scope s.
func (t creditTx) GetCreditNote(ctx context.Context, s billing.Scope, id string) (billing.CreditNote, error) {
	row, err := t.credits.GetCreditNote(ctx, creditsdb.GetCreditNoteParams{MerchantID: s.MerchantID, Mode: string(s.Mode), ID: id})
	if err != nil {
		return billing.CreditNote{}, dbError("get credit note "+id, err)
	}
	return creditNoteFromRow(row)
}

// GetCreditNoteByRefund returns the credit note of refund refundID.
func (t creditTx) GetCreditNoteByRefund(ctx context.Context, s billing.Scope, refundID string) (billing.CreditNote, error) {
	row, err := t.credits.GetCreditNoteByRefund(ctx, creditsdb.GetCreditNoteByRefundParams{MerchantID: s.MerchantID, Mode: string(s.Mode), RefundID: refundID})
	if err != nil {
		return billing.CreditNote{}, dbError("get credit note of refund "+refundID, err)
	}
	return creditNoteFromRow(row)
}

// UpdateCreditNote writes cn's status, balance transaction and times.
func (t creditTx) UpdateCreditNote(ctx context.Context, cn billing.CreditNote) error {
	return t.writeCredits(ctx, "update credit note "+cn.ID, func(q *creditsdb.Queries) error {
		return updated(q.UpdateCreditNote(ctx, creditsdb.UpdateCreditNoteParams{
			Status: cn.Status, BalanceTransactionID: cn.BalanceTransactionID, VoidedAt: tsPtr(cn.VoidedAt),
			Updated: ts(cn.Updated), MerchantID: cn.Scope.MerchantID, Mode: string(cn.Scope.Mode), ID: cn.ID,
		}))
	})
}

// ListCreditNotes returns a page of scope s's credit notes, newest first.
func (t creditTx) ListCreditNotes(ctx context.Context, s billing.Scope, f billing.CreditNoteFilter, pg billing.Page) ([]billing.CreditNote, bool, error) {
	// A filter on a key with its own index reads by that index (see the
	// query's comment); the list with every filter optional would scan
	// the merchant's whole scope.
	p := creditsdb.ListCreditNotesParams{
		MerchantID: s.MerchantID, Mode: string(s.Mode), InvoiceID: f.InvoiceID, CustomerID: f.CustomerID,
		StartingAfter: pg.StartingAfter, RowLimit: rowLimit(pg.Limit),
	}
	var rows []creditsdb.CreditNote
	var err error
	switch {
	case f.InvoiceID != "":
		rows, err = t.credits.ListCreditNotesOfInvoice(ctx, creditsdb.ListCreditNotesOfInvoiceParams(p))
	default:
		rows, err = t.credits.ListCreditNotes(ctx, p)
	}
	if err != nil {
		return nil, false, dbError("list credit notes", err)
	}
	rows, more := trimPage(rows, pg.Limit)
	out, err := convertRows(rows, creditNoteFromRow)
	if err != nil {
		return nil, false, fmt.Errorf("postgres: list credit notes: %w", err)
	}
	return out, more, nil
}

// CreditedAmount sums the totals of the invoice's issued credit notes.
func (t creditTx) CreditedAmount(ctx context.Context, s billing.Scope, invoiceID string) (int64, error) {
	n, err := t.credits.CreditedAmount(ctx, creditsdb.CreditedAmountParams{MerchantID: s.MerchantID, Mode: string(s.Mode), InvoiceID: invoiceID})
	return n, dbError("credited amount of invoice "+invoiceID, err)
}

// GetCustomerBalance returns the customer's balance, zero when it has none.
func (t creditTx) GetCustomerBalance(ctx context.Context, s billing.Scope, customerID string) (billing.CustomerBalance, error) {
	row, err := t.credits.GetCustomerBalance(ctx, creditsdb.GetCustomerBalanceParams{MerchantID: s.MerchantID, Mode: string(s.Mode), CustomerID: customerID})
	if err = dbError("get balance of customer "+customerID, err); errors.Is(err, billing.ErrNotFound) {
		return billing.CustomerBalance{}, nil
	} else if err != nil {
		return billing.CustomerBalance{}, err
	}
	return billing.CustomerBalance{Currency: row.Currency, Balance: row.Balance}, nil
}

// CustomerBalances returns the balances of the customers that have one.
func (t creditTx) CustomerBalances(ctx context.Context, s billing.Scope, customerIDs []string) (map[string]billing.CustomerBalance, error) {
	out := map[string]billing.CustomerBalance{}
	if len(customerIDs) == 0 {
		return out, nil
	}
	rows, err := t.credits.CustomerBalances(ctx, creditsdb.CustomerBalancesParams{MerchantID: s.MerchantID, Mode: string(s.Mode), Ids: customerIDs})
	if err != nil {
		return nil, dbError("customer balances", err)
	}
	for _, r := range rows {
		out[r.CustomerID] = billing.CustomerBalance{Currency: r.Currency, Balance: r.Balance}
	}
	return out, nil
}

// AddBalanceTransaction moves the customer's balance, if it still is what
// bt started from, and records bt.
func (t creditTx) AddBalanceTransaction(ctx context.Context, bt billing.BalanceTransaction) error {
	return t.writeCredits(ctx, "add balance transaction "+bt.ID, func(q *creditsdb.Queries) error {
		err := q.EnsureCustomerBalance(ctx, creditsdb.EnsureCustomerBalanceParams{
			MerchantID: bt.Scope.MerchantID, Mode: string(bt.Scope.Mode), CustomerID: bt.CustomerID,
			Currency: bt.Currency, Updated: ts(bt.Created),
		})
		if err != nil {
			return err
		}
		n, err := q.MoveCustomerBalance(ctx, creditsdb.MoveCustomerBalanceParams{
			MerchantID: bt.Scope.MerchantID, Mode: string(bt.Scope.Mode), CustomerID: bt.CustomerID,
			Currency: bt.Currency, Ending: bt.EndingBalance, Updated: ts(bt.Created), Starting: bt.EndingBalance - bt.Amount,
		})
		if err != nil {
			return err
		}
		if n == 0 {
			return billing.ErrVersionConflict
		}
		return q.CreateBalanceTransaction(ctx, creditsdb.CreateBalanceTransactionParams{
			ID: bt.ID, MerchantID: bt.Scope.MerchantID, Mode: string(bt.Scope.Mode), CustomerID: bt.CustomerID,
			Type: bt.Type, Amount: bt.Amount, Currency: bt.Currency, EndingBalance: bt.EndingBalance,
			InvoiceID: bt.InvoiceID, CreditNoteID: bt.CreditNoteID, Description: bt.Description, Created: ts(bt.Created),
		})
	})
}

// ListBalanceTransactions returns a page of a customer's balance
// transactions, newest first.
func (t creditTx) ListBalanceTransactions(ctx context.Context, s billing.Scope, customerID string, pg billing.Page) ([]billing.BalanceTransaction, bool, error) {
	rows, err := t.credits.ListBalanceTransactions(ctx, creditsdb.ListBalanceTransactionsParams{
		MerchantID: s.MerchantID, Mode: string(s.Mode), CustomerID: customerID,
		StartingAfter: pg.StartingAfter, RowLimit: rowLimit(pg.Limit),
	})
	if err != nil {
		return nil, false, dbError("list balance transactions", err)
	}
	rows, more := trimPage(rows, pg.Limit)
	out := make([]billing.BalanceTransaction, len(rows))
	for i, r := range rows {
		out[i] = billing.BalanceTransaction{
			ID: r.ID, Scope: billing.Scope{MerchantID: r.MerchantID, Mode: billing.Mode(r.Mode)}, CustomerID: r.CustomerID,
			Type: r.Type, Amount: r.Amount, Currency: r.Currency, EndingBalance: r.EndingBalance, InvoiceID: r.InvoiceID,
			CreditNoteID: r.CreditNoteID, Description: r.Description, Created: r.Created.UTC(),
		}
	}
	return out, more, nil
}

// encodeCreditLines renders credit note lines as a JSON array.
func encodeCreditLines(lines []billing.CreditNoteLine) (string, error) {
	if lines == nil {
		lines = []billing.CreditNoteLine{}
	}
	b, err := json.Marshal(lines)
	if err != nil {
		return "", fmt.Errorf("encode credit note lines: %w", err)
	}
	return string(b), nil
}

func creditNoteFromRow(r creditsdb.CreditNote) (billing.CreditNote, error) {
	var lines []billing.CreditNoteLine
	if err := json.Unmarshal([]byte(r.Lines), &lines); err != nil {
		return billing.CreditNote{}, fmt.Errorf("credit note %s lines: %w", r.ID, err)
	}
	if lines == nil {
		lines = []billing.CreditNoteLine{}
	}
	taxAmounts, err := decodeList[billing.TaxAmount](r.TaxAmounts)
	if err != nil {
		return billing.CreditNote{}, fmt.Errorf("credit note %s tax amounts: %w", r.ID, err)
	}
	return billing.CreditNote{
		ID: r.ID, Scope: billing.Scope{MerchantID: r.MerchantID, Mode: billing.Mode(r.Mode)}, Number: r.Number,
		InvoiceID: r.InvoiceID, CustomerID: r.CustomerID, Currency: r.Currency, Status: r.Status, Reason: r.Reason,
		Memo: r.Memo, Lines: lines, Subtotal: r.Subtotal, Tax: r.Tax, TaxAmounts: taxAmounts, Total: r.Total, RefundAmount: r.RefundAmount,
		CreditAmount: r.CreditAmount, OutOfBandAmount: r.OutOfBandAmount, RefundID: r.RefundID,
		BalanceTransactionID: r.BalanceTransactionID, VoidedAt: utcPtr(r.VoidedAt), Created: r.Created.UTC(),
		Updated: r.Updated.UTC(),
	}, nil
}
