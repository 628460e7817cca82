package app

import (
	"context"
	"errors"
	"fmt"

	"github.com/cuota/cuota/internal/billing"
)

// balanceRetries is how many times moveBalance reads the balance again
// when another transaction moved it in between (PostgreSQL's read
// committed transactions see the other's commit on the next read).
const balanceRetries = 3

// moveBalance adds bt.Amount to its customer's balance and records bt
// (its id and ending balance filled in). A balance held in another
// currency refuses it.
func (a *core) moveBalance(ctx context.Context, tx billing.Tx, bt billing.BalanceTransaction) (billing.BalanceTransaction, error) {
	bt.ID = billing.NewID(billing.PrefixBalanceTransaction, a.Now())
	for try := 0; ; try++ {
		bal, err := customerBalance(ctx, tx, bt.Scope, bt.CustomerID)
		if err != nil {
			return bt, err
		}
		if bal.Currency != "" && bal.Currency != bt.Currency {
			return bt, billing.Invalid("currency", billing.CodeBalanceCurrencyMismatch, "the customer's balance is in %s, not %s", bal.Currency, bt.Currency)
		}
		bt.EndingBalance = bal.Balance + bt.Amount
		err = tx.Credits.AddBalanceTransaction(ctx, bt)
		if err == nil {
			return bt, nil
		}
		if !errors.Is(err, billing.ErrVersionConflict) || try == balanceRetries {
			return bt, fmt.Errorf("move balance of customer %s: %w", bt.CustomerID, err)
		}
	}
}

// ignoreNotFound is nil for billing.ErrNotFound and err wrapped with what
// otherwise.
func ignoreNotFound(err error, what string) error {
	if err == nil || errors.Is(err, billing.ErrNotFound) {
		return nil
	}
	return fmt.Errorf("%s: %w", what, err)
}

// BalanceParams adjust a customer's balance: Amount is added to it
// (negative = credit given to the customer), in Currency.
type BalanceParams struct {
	Amount      int64
	Currency    string
	Description string
}

// AdjustBalance changes a customer's balance by p.Amount; the next
// invoices use it.
func (a *Customers) AdjustBalance(ctx context.Context, s billing.Scope, customerID string, p BalanceParams) (billing.BalanceTransaction, error) {
	var v validator
	cur := v.currency("currency", p.Currency)
	if p.Amount == 0 {
		v.fail("amount", billing.CodeAmountInvalid, "amount must not be zero")
	}
	if p.Amount > MaxAmount || p.Amount < -MaxAmount {
		v.fail("amount", billing.CodeAmountInvalid, "amount is too large")
	}
	v.maxLen("description", p.Description, maxNameLen)
	if err := v.err(); err != nil {
		return billing.BalanceTransaction{}, err
	}
	var bt billing.BalanceTransaction
	err := a.store.InTx(ctx, func(tx billing.Tx) error {
		cus, err := liveCustomer(ctx, tx, s, customerID)
		if err != nil {
			return notFound(err, "customer", customerID)
		}
		now, err := a.clockNow(ctx, tx, s, cus.TestClockID)
		if err != nil {
			return err
		}
		if bt, err = a.moveBalance(ctx, tx, billing.BalanceTransaction{Scope: s, CustomerID: cus.ID, Type: billing.BalanceAdjustment,
			Amount: p.Amount, Currency: cur, Description: p.Description, Created: now}); err != nil {
			return err
		}
		return a.audit(ctx, tx, change{merchantID: s.MerchantID, mode: s.Mode, action: "customer_balance_transaction.create",
			objectType: "customer_balance_transaction", objectID: bt.ID, after: bt})
	})
	return bt, err
}

// ListBalanceTransactions lists a customer's balance transactions, newest
// first.
func (a *Customers) ListBalanceTransactions(ctx context.Context, s billing.Scope, customerID string, page billing.Page) (List[billing.BalanceTransaction], error) {
	return list(ctx, a.core, page, billing.PrefixBalanceTransaction, func(tx billing.Tx, page billing.Page) ([]billing.BalanceTransaction, bool, error) {
		if _, err := tx.Customers.GetCustomer(ctx, s, customerID); err != nil {
			return nil, false, notFound(err, "customer", customerID)
		}
		return tx.Credits.ListBalanceTransactions(ctx, s, customerID, page)
	})
}

// withBalances fills the balance of each customer in cs.
func withBalances(ctx context.Context, tx billing.Tx, s billing.Scope, cs []billing.Customer) error {
	ids := make([]string, len(cs))
	for i, c := range cs {
		ids[i] = c.ID
	}
	got, err := tx.Credits.CustomerBalances(ctx, s, ids)
	if err != nil {
		return fmt.Errorf("read customer balances: %w", err)
	}
	for i := range cs {
		b := got[cs[i].ID]
		cs[i].Balance, cs[i].Currency = b.Balance, b.Currency
	}
	return nil
}
