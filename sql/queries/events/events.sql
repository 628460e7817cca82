-- Events: what happened to an object, in the API's shape, written in the
-- transaction of the change and delivered by the notify dispatcher.

-- name: CreateEvent :exec
INSERT INTO events (id, merchant_id, mode, type, object_type, object_id, data, previous, created)
VALUES (sqlc.arg(id), sqlc.arg(merchant_id), sqlc.arg(mode), sqlc.arg(type), sqlc.arg(object_type),
        sqlc.arg(object_id), sqlc.arg(data), sqlc.arg(previous), sqlc.arg(created));

-- name: GetEvent :one
SELECT * FROM events WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode) AND id = sqlc.arg(id);

-- name: ListEvents :many
SELECT * FROM events
WHERE merchant_id = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode)
  AND (CAST(sqlc.arg(type) AS text) = '' OR type = sqlc.arg(type))
  AND (CAST(sqlc.arg(object_id) AS text) = '' OR object_id = sqlc.arg(object_id))
  AND (CAST(sqlc.arg(starting_after) AS text) = '' OR id < sqlc.arg(starting_after))
ORDER BY id DESC
LIMIT sqlc.arg(row_limit);

-- name: ListEventsOfObject :many
-- An object's rows by their own index (events_object_idx): the optional-filter form of
-- the list above makes the planners scan the merchant's whole scope.
-- merchant_id || '' keeps the scope's index out of reach: without
-- statistics SQLite would otherwise prefer it for its two equalities.
SELECT * FROM events
WHERE merchant_id || '' = sqlc.arg(merchant_id) AND mode = sqlc.arg(mode)
  AND (CAST(sqlc.arg(type) AS text) = '' OR type = sqlc.arg(type))
  AND object_id = sqlc.arg(object_id)
  AND (CAST(sqlc.arg(starting_after) AS text) = '' OR id < sqlc.arg(starting_after))
ORDER BY id DESC
LIMIT sqlc.arg(row_limit);
