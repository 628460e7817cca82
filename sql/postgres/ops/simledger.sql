-- Postgres-only queries of the simulated gateway's ledger: many entries
-- at once, for the batched renewal pipeline.

-- name: InsertSimCharges :many
-- The simulated gateway's ledger, many entries at once; keys already there
-- are left alone and missing from the returned keys.
INSERT INTO sim_charges (key, token, amount, currency, outcome, code, ref, refunded, seq, created)
SELECT u.key, u.token, u.amount, u.currency, u.outcome, u.code, u.ref, u.refunded, m.top + row_number() OVER (), u.created
FROM (
    SELECT unnest(sqlc.arg(keys)::text[]) AS key, unnest(sqlc.arg(tokens)::text[]) AS token,
        unnest(sqlc.arg(amounts)::bigint[]) AS amount, unnest(sqlc.arg(currencies)::text[]) AS currency,
        unnest(sqlc.arg(outcomes)::text[]) AS outcome, unnest(sqlc.arg(codes)::text[]) AS code,
        unnest(sqlc.arg(refs)::text[]) AS ref, unnest(sqlc.arg(refundeds)::bigint[]) AS refunded,
        unnest(sqlc.arg(createds)::timestamptz[]) AS created
) AS u CROSS JOIN (SELECT COALESCE(MAX(s.seq), 0)::bigint AS top FROM sim_charges s) AS m
ON CONFLICT (key) DO NOTHING
RETURNING key;

-- name: GetSimChargesByKey :many
SELECT * FROM sim_charges WHERE key = ANY(sqlc.arg(keys)::text[]);
