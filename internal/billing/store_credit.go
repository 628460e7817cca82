package billing

import "context"

// CreditTx stores credit notes, their number sequence, and customers'
// balances with the transactions that moved them.
type CreditTx interface {
	// NextCreditNoteNumber returns the next number of the scope's gapless
	// credit note sequence (1, 2, 3…), apart from the invoices'. Callers
	// take it last in their transaction, so the counter row is held as
	// briefly as possible; a rollback gives the number back.
	NextCreditNoteNumber(ctx context.Context, s Scope) (int64, error)
	CreateCreditNote(ctx context.Context, cn CreditNote) error
	GetCreditNote(ctx context.Context, s Scope, id string) (CreditNote, error)
	// GetCreditNoteByRefund returns the credit note a refund was made for.
	GetCreditNoteByRefund(ctx context.Context, s Scope, refundID string) (CreditNote, error)
	// UpdateCreditNote writes status, balance transaction, voided and
	// updated.
	UpdateCreditNote(ctx context.Context, cn CreditNote) error
	ListCreditNotes(ctx context.Context, s Scope, f CreditNoteFilter, page Page) ([]CreditNote, bool, error)
	// CreditedAmount sums the totals of an invoice's credit notes that are
	// not void.
	CreditedAmount(ctx context.Context, s Scope, invoiceID string) (int64, error)

	// GetCustomerBalance returns a customer's balance (zero, with no
	// currency, when nothing ever moved it).
	GetCustomerBalance(ctx context.Context, s Scope, customerID string) (CustomerBalance, error)
	// CustomerBalances returns the balances of the given customers that
	// have one, by customer id.
	CustomerBalances(ctx context.Context, s Scope, customerIDs []string) (map[string]CustomerBalance, error)
	// AddBalanceTransaction records bt and moves the customer's balance
	// from bt.EndingBalance − bt.Amount to bt.EndingBalance. When the
	// balance is no longer that (another transaction moved it since it was
	// read) or is in another currency, nothing is written and it returns
	// ErrVersionConflict.
	AddBalanceTransaction(ctx context.Context, bt BalanceTransaction) error
	ListBalanceTransactions(ctx context.Context, s Scope, customerID string, page Page) ([]BalanceTransaction, bool, error)
}
