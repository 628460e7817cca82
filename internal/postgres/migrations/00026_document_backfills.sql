-- +goose Up
-- A credit note's tax per rate (the API's tax_amounts, billing.RefundTax),
-- a JSON list written once when the note is issued. A note issued before
-- this column existed gets its refund's list when the refund returned
-- exactly the note (a direct refund's note, whose tax is the refund's);
-- any other keeps [] and shows its single tax figure.
ALTER TABLE credit_notes ADD COLUMN tax_amounts text NOT NULL DEFAULT '[]';
UPDATE credit_notes cn SET tax_amounts = r.tax_amounts
FROM refunds r
WHERE r.id = cn.refund_id AND cn.tax <> 0 AND cn.refund_id <> '' AND r.amount = cn.total AND r.tax = cn.tax;

-- Subscription items set before product names were kept on them carry
-- none, and their renewals would be named by no product: each such item
-- (in items and in a pending change) takes its price's product's name.
-- jsonb keeps numbers exactly, so amounts beyond 2^53 survive.
UPDATE subscriptions s SET items = (
    SELECT jsonb_agg(CASE
        WHEN COALESCE(i.value->>'product_name', '') = '' THEN i.value || jsonb_build_object('product_name', COALESCE(pr.name, ''))
        ELSE i.value END ORDER BY i.ord)::text
    FROM jsonb_array_elements(s.items::jsonb) WITH ORDINALITY AS i(value, ord)
    LEFT JOIN prices p ON p.id = i.value->>'price_id'
    LEFT JOIN products pr ON pr.id = p.product_id)
WHERE EXISTS (SELECT 1 FROM jsonb_array_elements(s.items::jsonb) AS i(value) WHERE COALESCE(i.value->>'product_name', '') = '');

UPDATE subscriptions s SET pending_change = jsonb_set(s.pending_change::jsonb, '{items}', (
    SELECT jsonb_agg(CASE
        WHEN COALESCE(i.value->>'product_name', '') = '' THEN i.value || jsonb_build_object('product_name', COALESCE(pr.name, ''))
        ELSE i.value END ORDER BY i.ord)
    FROM jsonb_array_elements(s.pending_change::jsonb->'items') WITH ORDINALITY AS i(value, ord)
    LEFT JOIN prices p ON p.id = i.value->>'price_id'
    LEFT JOIN products pr ON pr.id = p.product_id))::text
WHERE s.pending_change <> 'null' AND jsonb_typeof(s.pending_change::jsonb->'items') = 'array'
  AND EXISTS (SELECT 1 FROM jsonb_array_elements(s.pending_change::jsonb->'items') AS i(value)
              WHERE COALESCE(i.value->>'product_name', '') = '');

-- +goose Down
ALTER TABLE credit_notes DROP COLUMN tax_amounts;
