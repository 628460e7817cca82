-- +goose Up
-- A credit note's tax per rate (the API's tax_amounts, billing.RefundTax),
-- a JSON list written once when the note is issued. A note issued before
-- this column existed gets its refund's list when the refund returned
-- exactly the note (a direct refund's note, whose tax is the refund's);
-- any other keeps [] and shows its single tax figure.
ALTER TABLE credit_notes ADD COLUMN tax_amounts text NOT NULL DEFAULT '[]';
UPDATE credit_notes SET tax_amounts = (SELECT r.tax_amounts FROM refunds r WHERE r.id = credit_notes.refund_id)
WHERE tax <> 0 AND refund_id <> '' AND EXISTS (
    SELECT 1 FROM refunds r WHERE r.id = credit_notes.refund_id AND r.amount = credit_notes.total AND r.tax = credit_notes.tax);

-- Subscription items set before product names were kept on them carry
-- none, and their renewals would be named by no product: each such item
-- (in items and in a pending change) takes its price's product's name.
-- json_each walks an array in order, and the aggregate takes its rows in
-- that order (sqlc's parser reads no ORDER BY inside an aggregate).
UPDATE subscriptions SET items = (
    SELECT json_group_array(CASE
        WHEN COALESCE(json_extract(i.value, '$.product_name'), '') = '' THEN json_set(i.value, '$.product_name',
            COALESCE((SELECT pr.name FROM prices p JOIN products pr ON pr.id = p.product_id
                      WHERE p.id = json_extract(i.value, '$.price_id')), ''))
        ELSE json(i.value) END)
    FROM json_each(subscriptions.items) i)
WHERE EXISTS (SELECT 1 FROM json_each(subscriptions.items) i WHERE COALESCE(json_extract(i.value, '$.product_name'), '') = '');

UPDATE subscriptions SET pending_change = json_set(pending_change, '$.items', json((
    SELECT json_group_array(CASE
        WHEN COALESCE(json_extract(i.value, '$.product_name'), '') = '' THEN json_set(i.value, '$.product_name',
            COALESCE((SELECT pr.name FROM prices p JOIN products pr ON pr.id = p.product_id
                      WHERE p.id = json_extract(i.value, '$.price_id')), ''))
        ELSE json(i.value) END)
    FROM json_each(subscriptions.pending_change, '$.items') i)))
WHERE pending_change <> 'null' AND EXISTS (SELECT 1 FROM json_each(subscriptions.pending_change, '$.items') i
    WHERE COALESCE(json_extract(i.value, '$.product_name'), '') = '');

-- +goose Down
ALTER TABLE credit_notes DROP COLUMN tax_amounts;
