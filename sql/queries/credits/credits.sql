-- Credit notes and customer balances (portable).

-- name: NextCreditNoteNumber :one
INSERT INTO credit_note_counters (merchant_id, mode, last) VALUES (sqlc.arg(merchant_id), sqlc.arg(mode), 1)
ON CONFLICT (merchant_id, mode) DO UPDATE SET last = credit_note_counters.last + 1
RETURNING last;

-- name: CreateCreditNote :exec
INSERT INTO credit_notes (id, merchant_id, mode, number, invoice_id, customer_id, currency, status, reason, memo,
    lines, subtotal, tax, tax_amounts, total, refund_amount, credit_amount, out_of_band_amount, refund_id,
    balance_transaction_id, voided_at, created, updated)
VALUES (sqlc.arg(id), sqlc.arg(merchant_id), sqlc.arg(mode), sqlc.arg(number), sqlc.arg(invoice_id),
    sqlc.arg(customer_id), sqlc.arg(currency), sqlc.arg(status), sqlc.arg(reason), sqlc.arg(memo), sqlc.arg(lines),
    sqlc.arg(subtotal), sqlc.arg(tax), sqlc.arg(tax_amounts), sqlc.arg(total), sqlc.arg(refund_amount), sqlc.arg(credit_amount),
    sqlc.arg(out_of_band_amount), sqlc.arg(refund_id), sqlc.arg(balance_transaction_id), sqlc.narg(voided_at),
    sqlc.arg(created), sqlc.arg(updated));

-- name: GetCreditNote :one
SELECT * FROM credit_notes WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode) AND id = sqlc.arg(id);

-- name: GetCreditNoteByRefund :one
SELECT * FROM credit_notes WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode) AND refund_id = sqlc.arg(refund_id);

-- name: UpdateCreditNote :execrows
UPDATE credit_notes SET status = sqlc.arg(status), balance_transaction_id = sqlc.arg(balance_transaction_id),
    voided_at = sqlc.narg(voided_at), updated = sqlc.arg(updated)
WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode) AND id = sqlc.arg(id);

-- name: ListCreditNotes :many
SELECT * FROM credit_notes
WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode)
  AND (CAST(sqlc.arg(invoice_id) AS text) = '' OR invoice_id = sqlc.arg(invoice_id))
  AND (CAST(sqlc.arg(customer_id) AS text) = '' OR customer_id = sqlc.arg(customer_id))
  AND (CAST(sqlc.arg(starting_after) AS text) = '' OR id < sqlc.arg(starting_after))
ORDER BY id DESC
LIMIT sqlc.arg(row_limit);

-- name: ListCreditNotesOfInvoice :many
-- An invoice's rows by their own index (credit_notes_invoice_idx): the optional-filter form of
-- the list above makes the planners scan the merchant's whole scope.
-- merchant_id || '' keeps the scope's index out of reach: without
-- statistics SQLite would otherwise prefer it for its two equalities.
SELECT * FROM credit_notes
WHERE merchant_id || '' = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode)
  AND invoice_id = sqlc.arg(invoice_id)
  AND (CAST(sqlc.arg(customer_id) AS text) = '' OR customer_id = sqlc.arg(customer_id))
  AND (CAST(sqlc.arg(starting_after) AS text) = '' OR id < sqlc.arg(starting_after))
ORDER BY id DESC
LIMIT sqlc.arg(row_limit);

-- name: CreditedAmount :one
SELECT CAST(COALESCE(SUM(total), 0) AS bigint) AS credited FROM credit_notes
WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode) AND invoice_id = sqlc.arg(invoice_id)
  AND status = 'issued';

-- name: GetCustomerBalance :one
SELECT * FROM customer_balances
WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode) AND customer_id = sqlc.arg(customer_id);

-- name: EnsureCustomerBalance :exec
-- A customer's first balance row starts at 0 in the currency of the first
-- transaction.
INSERT INTO customer_balances (merchant_id, mode, customer_id, currency, balance, updated)
VALUES (sqlc.arg(merchant_id), sqlc.arg(mode), sqlc.arg(customer_id), sqlc.arg(currency), 0, sqlc.arg(updated))
ON CONFLICT (merchant_id, mode, customer_id) DO NOTHING;

-- name: MoveCustomerBalance :execrows
-- Sets the balance to ending only if it still is starting, so two
-- transactions that read the same balance never both move it.
UPDATE customer_balances SET balance = sqlc.arg(ending), updated = sqlc.arg(updated)
WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode) AND customer_id = sqlc.arg(customer_id)
  AND currency = sqlc.arg(currency) AND balance = sqlc.arg(starting);

-- name: CreateBalanceTransaction :exec
INSERT INTO customer_balance_transactions (id, merchant_id, mode, customer_id, type, amount, currency, ending_balance,
    invoice_id, credit_note_id, description, created)
VALUES (sqlc.arg(id), sqlc.arg(merchant_id), sqlc.arg(mode), sqlc.arg(customer_id), sqlc.arg(type), sqlc.arg(amount),
    sqlc.arg(currency), sqlc.arg(ending_balance), sqlc.arg(invoice_id), sqlc.arg(credit_note_id),
    sqlc.arg(description), sqlc.arg(created));

-- name: ListBalanceTransactions :many
SELECT * FROM customer_balance_transactions
WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode) AND customer_id = sqlc.arg(customer_id)
  AND (CAST(sqlc.arg(starting_after) AS text) = '' OR id < sqlc.arg(starting_after))
ORDER BY id DESC
LIMIT sqlc.arg(row_limit);
