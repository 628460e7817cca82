-- The simulated gateway's ledger (table sim_charges): what the sim gateway
-- charged and refunded, kept in cuota's database (internal/gateway/sim).
-- Postgres also writes and reads it in bulk (sql/postgres/ops/simledger.sql).

-- name: InsertSimCharge :execrows
INSERT INTO sim_charges (key, token, amount, currency, outcome, code, ref, refunded, seq, created)
VALUES (sqlc.arg(key), sqlc.arg(token), sqlc.arg(amount), sqlc.arg(currency), sqlc.arg(outcome), sqlc.arg(code),
        sqlc.arg(ref), sqlc.arg(refunded), (SELECT COALESCE(MAX(s.seq), 0) + 1 FROM sim_charges s), sqlc.arg(created))
ON CONFLICT (key) DO NOTHING;

-- name: GetSimCharge :one
SELECT * FROM sim_charges WHERE key = sqlc.arg(key);

-- name: UpdateSimCharge :execrows
UPDATE sim_charges SET refunded = sqlc.arg(refunded) WHERE key = sqlc.arg(key);

-- name: CountSimCharges :one
SELECT COUNT(*) FROM sim_charges WHERE token = sqlc.arg(token) AND outcome = sqlc.arg(outcome);

-- name: ListSimCharges :many
SELECT * FROM sim_charges ORDER BY seq, key;
