package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/sqlite/litedb/creditsdb"
)

// creditTx is the billing.CreditTx of one transaction.
type creditTx struct{ *base }

var _ billing.CreditTx = creditTx{}

// NextCreditNoteNumber takes the next number of s's credit note sequence.
func (t creditTx) NextCreditNoteNumber(ctx context.Context, s billing.Scope) (int64, error) {
	n, err := t.credits.NextCreditNoteNumber(ctx, creditsdb.NextCreditNoteNumberParams{MerchantID: s.MerchantID, Mode: string(s.Mode)})
	if err != nil {
		return 0, dbError(err, "next credit note number of merchant %s (%s)", s.MerchantID, s.Mode)
	}
	return n, nil
}

// CreateCreditNote inserts cn.
func (t creditTx) CreateCreditNote(ctx context.Context, cn billing.CreditNote) error {
	lines, err := encodeList(cn.Lines)
	if err != nil {
		return fmt.Errorf("create credit note %s: %w", cn.ID, err)
	}
	taxAmounts, err := encodeList(cn.TaxAmounts)
	if err != nil {
		return fmt.Errorf("create credit note %s: %w", cn.ID, err)
	}
	err = t.credits.CreateCreditNote(ctx, creditsdb.CreateCreditNoteParams{
		ID: cn.ID, MerchantID: cn.Scope.MerchantID, Mode: string(cn.Scope.Mode), Number: cn.Number,
		InvoiceID: cn.InvoiceID, CustomerID: cn.CustomerID, Currency: cn.Currency, Status: cn.Status,
		Reason: cn.Reason, Memo: cn.Memo, Lines: lines, Subtotal: cn.Subtotal, Tax: cn.Tax, TaxAmounts: taxAmounts,
		Total: cn.Total, RefundAmount: cn.RefundAmount, CreditAmount: cn.CreditAmount, OutOfBandAmount: cn.OutOfBandAmount,
		RefundID: cn.RefundID, BalanceTransactionID: cn.BalanceTransactionID, VoidedAt: nullMicros(cn.VoidedAt),
		Created: micros(cn.Created), Updated: micros(cn.Updated),
	})
	if err != nil {
		return dbError(err, "create credit note %s", cn.ID)
	}
	return nil
}

// GetCreditNote returns the credit note with id in scope s.
func (t creditTx) GetCreditNote(ctx context.Context, s billing.Scope, id string) (billing.CreditNote, error) {
	row, err := t.credits.GetCreditNote(ctx, creditsdb.GetCreditNoteParams{MerchantID: s.MerchantID, Mode: string(s.Mode), ID: id})
	if err != nil {
		return billing.CreditNote{}, dbError(err, "get credit note %s", id)
	}
	return creditNoteFromRow(row)
}

// GetCreditNoteByRefund returns the credit note of refund refundID.
func (t creditTx) GetCreditNoteByRefund(ctx context.Context, s billing.Scope, refundID string) (billing.CreditNote, error) {
	row, err := t.credits.GetCreditNoteByRefund(ctx, creditsdb.GetCreditNoteByRefundParams{MerchantID: s.MerchantID, Mode: string(s.Mode), RefundID: refundID})
	if err != nil {
		return billing.CreditNote{}, dbError(err, "get credit note of refund %s", refundID)
	}
	return creditNoteFromRow(row)
}

// UpdateCreditNote writes cn's status, balance transaction and times.
func (t creditTx) UpdateCreditNote(ctx context.Context, cn billing.CreditNote) error {
	n, err := t.credits.UpdateCreditNote(ctx, creditsdb.UpdateCreditNoteParams{
		Status: cn.Status, BalanceTransactionID: cn.BalanceTransactionID, VoidedAt: nullMicros(cn.VoidedAt),
		Updated: micros(cn.Updated), MerchantID: cn.Scope.MerchantID, Mode: string(cn.Scope.Mode), ID: cn.ID,
	})
	return notFoundIfNone(n, err, "update credit note %s", cn.ID)
}

// ListCreditNotes returns a page of s's credit notes, newest first.
func (t creditTx) ListCreditNotes(ctx context.Context, s billing.Scope, f billing.CreditNoteFilter, page billing.Page) ([]billing.CreditNote, bool, error) {
	// A filter on a key with its own index reads by that index (see the
	// query's comment); the list with every filter optional would scan
	// the merchant's whole scope.
	p := creditsdb.ListCreditNotesParams{
		MerchantID: s.MerchantID, Mode: string(s.Mode), InvoiceID: f.InvoiceID, CustomerID: f.CustomerID,
		StartingAfter: page.StartingAfter, RowLimit: rowLimit(page.Limit),
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
		return nil, false, dbError(err, "list credit notes")
	}
	rows, more := trimPage(rows, page.Limit)
	out, err := convertRows(rows, creditNoteFromRow)
	return out, more, err
}

// CreditedAmount sums the totals of the invoice's issued credit notes.
func (t creditTx) CreditedAmount(ctx context.Context, s billing.Scope, invoiceID string) (int64, error) {
	n, err := t.credits.CreditedAmount(ctx, creditsdb.CreditedAmountParams{MerchantID: s.MerchantID, Mode: string(s.Mode), InvoiceID: invoiceID})
	if err != nil {
		return 0, dbError(err, "credited amount of invoice %s", invoiceID)
	}
	return n, nil
}

// GetCustomerBalance returns the customer's balance, zero when it has none.
func (t creditTx) GetCustomerBalance(ctx context.Context, s billing.Scope, customerID string) (billing.CustomerBalance, error) {
	row, err := t.credits.GetCustomerBalance(ctx, creditsdb.GetCustomerBalanceParams{MerchantID: s.MerchantID, Mode: string(s.Mode), CustomerID: customerID})
	if errors.Is(err, sql.ErrNoRows) {
		return billing.CustomerBalance{}, nil
	}
	if err != nil {
		return billing.CustomerBalance{}, dbError(err, "get balance of customer %s", customerID)
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
		return nil, dbError(err, "customer balances")
	}
	for _, r := range rows {
		out[r.CustomerID] = billing.CustomerBalance{Currency: r.Currency, Balance: r.Balance}
	}
	return out, nil
}

// AddBalanceTransaction moves the customer's balance, if it still is what
// bt started from, and records bt.
func (t creditTx) AddBalanceTransaction(ctx context.Context, bt billing.BalanceTransaction) error {
	err := t.credits.EnsureCustomerBalance(ctx, creditsdb.EnsureCustomerBalanceParams{
		MerchantID: bt.Scope.MerchantID, Mode: string(bt.Scope.Mode), CustomerID: bt.CustomerID,
		Currency: bt.Currency, Updated: micros(bt.Created),
	})
	if err != nil {
		return dbError(err, "create balance of customer %s", bt.CustomerID)
	}
	n, err := t.credits.MoveCustomerBalance(ctx, creditsdb.MoveCustomerBalanceParams{
		MerchantID: bt.Scope.MerchantID, Mode: string(bt.Scope.Mode), CustomerID: bt.CustomerID,
		Currency: bt.Currency, Ending: bt.EndingBalance, Updated: micros(bt.Created), Starting: bt.EndingBalance - bt.Amount,
	})
	if err != nil {
		return dbError(err, "move balance of customer %s", bt.CustomerID)
	}
	if n == 0 {
		return fmt.Errorf("move balance of customer %s: %w", bt.CustomerID, billing.ErrVersionConflict)
	}
	err = t.credits.CreateBalanceTransaction(ctx, creditsdb.CreateBalanceTransactionParams{
		ID: bt.ID, MerchantID: bt.Scope.MerchantID, Mode: string(bt.Scope.Mode), CustomerID: bt.CustomerID,
		Type: bt.Type, Amount: bt.Amount, Currency: bt.Currency, EndingBalance: bt.EndingBalance,
		InvoiceID: bt.InvoiceID, CreditNoteID: bt.CreditNoteID, Description: bt.Description, Created: micros(bt.Created),
	})
	if err != nil {
		return dbError(err, "create balance transaction %s", bt.ID)
	}
	return nil
}

// ListBalanceTransactions returns a page of a customer's balance
// transactions, newest first.
func (t creditTx) ListBalanceTransactions(ctx context.Context, s billing.Scope, customerID string, page billing.Page) ([]billing.BalanceTransaction, bool, error) {
	rows, err := t.credits.ListBalanceTransactions(ctx, creditsdb.ListBalanceTransactionsParams{
		MerchantID: s.MerchantID, Mode: string(s.Mode), CustomerID: customerID,
		StartingAfter: page.StartingAfter, RowLimit: rowLimit(page.Limit),
	})
	if err != nil {
		return nil, false, dbError(err, "list balance transactions")
	}
	rows, more := trimPage(rows, page.Limit)
	out := make([]billing.BalanceTransaction, len(rows))
	for i, r := range rows {
		out[i] = billing.BalanceTransaction{
			ID: r.ID, Scope: billing.Scope{MerchantID: r.MerchantID, Mode: billing.Mode(r.Mode)}, CustomerID: r.CustomerID,
			Type: r.Type, Amount: r.Amount, Currency: r.Currency, EndingBalance: r.EndingBalance, InvoiceID: r.InvoiceID,
			CreditNoteID: r.CreditNoteID, Description: r.Description, Created: fromMicros(r.Created),
		}
	}
	return out, more, nil
}

func creditNoteFromRow(r creditsdb.CreditNote) (billing.CreditNote, error) {
	lines, err := decodeList[billing.CreditNoteLine](r.Lines)
	if err != nil {
		return billing.CreditNote{}, fmt.Errorf("decode lines of credit note %s: %w", r.ID, err)
	}
	taxAmounts, err := decodeOptList[billing.TaxAmount](r.TaxAmounts)
	if err != nil {
		return billing.CreditNote{}, fmt.Errorf("decode tax amounts of credit note %s: %w", r.ID, err)
	}
	return billing.CreditNote{
		ID: r.ID, Scope: billing.Scope{MerchantID: r.MerchantID, Mode: billing.Mode(r.Mode)}, Number: r.Number,
		InvoiceID: r.InvoiceID, CustomerID: r.CustomerID, Currency: r.Currency, Status: r.Status, Reason: r.Reason,
		Memo: r.Memo, Lines: lines, Subtotal: r.Subtotal, Tax: r.Tax, TaxAmounts: taxAmounts, Total: r.Total, RefundAmount: r.RefundAmount,
		CreditAmount: r.CreditAmount, OutOfBandAmount: r.OutOfBandAmount, RefundID: r.RefundID,
		BalanceTransactionID: r.BalanceTransactionID, VoidedAt: fromNullMicros(r.VoidedAt), Created: fromMicros(r.Created),
		Updated: fromMicros(r.Updated),
	}, nil
}
