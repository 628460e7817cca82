-- The dte group's queries only PostgreSQL runs.

-- name: ListInvoicesTaxDocuments :many
-- The emissions of a page of invoices, in one read of
-- tax_documents_invoice_idx; each invoice's oldest first.
SELECT * FROM tax_documents
WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode) AND invoice_id = ANY(sqlc.arg(invoice_ids)::text[])
ORDER BY invoice_id, created, id;
