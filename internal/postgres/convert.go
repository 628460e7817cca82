package postgres

// Conversions between billing's values and the database's, and the
// helpers every area's queries share (errors, pages, rows).

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/cuota/cuota/internal/billing"
)

// uniqueViolation is PostgreSQL's SQLSTATE for a unique constraint failure.
const uniqueViolation = "23505"

// dbError turns a driver error into the store contract's errors: no rows
// becomes billing.ErrNotFound (wrapped, so errors.Is works), a unique
// violation a *billing.ErrUniqueViolation naming the constraint (also
// wrapped: use errors.As). Anything else is wrapped with op.
func dbError(op string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("postgres: %s: %w", op, billing.ErrNotFound)
	}
	if pgErr, ok := errors.AsType[*pgconn.PgError](err); ok && pgErr.Code == uniqueViolation {
		return fmt.Errorf("postgres: %s: %w", op, &billing.ErrUniqueViolation{Constraint: pgErr.ConstraintName})
	}
	return fmt.Errorf("postgres: %s: %w", op, err)
}

// updated checks an UPDATE's affected row count: none means not found.
func updated(n int64, err error) error {
	if err != nil {
		return err
	}
	if n == 0 {
		return billing.ErrNotFound
	}
	return nil
}

// ts prepares a time for writing: UTC, truncated to the microsecond that
// PostgreSQL keeps, so that it reads back equal.
func ts(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// tsPtr is ts for an optional time.
func tsPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	v := ts(*t)
	return &v
}

// utcPtr returns a copy of an optional time read back, in UTC.
func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	v := t.UTC()
	return &v
}

// encodeMap renders a map as JSON text; nil and empty maps give "{}".
func encodeMap[M ~map[string]V, V any](m M) (string, error) {
	if len(m) == 0 {
		return "{}", nil
	}
	b, err := json.Marshal(m)
	if err != nil {
		return "", fmt.Errorf("encode map as JSON: %w", err)
	}
	return string(b), nil
}

// decodeMap parses JSON text written by encodeMap; the result is never nil.
func decodeMap[M ~map[string]V, V any](s string) (M, error) {
	var m M
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return nil, fmt.Errorf("decode JSON map: %w", err)
	}
	if m == nil {
		m = M{}
	}
	return m, nil
}

// rowLimit is the LIMIT for a page of limit items: one more row than asked
// for, to learn whether more exist. A limit of zero or less means no limit,
// as in the SQLite store.
func rowLimit(limit int) int32 {
	if limit <= 0 || limit >= math.MaxInt32 {
		return math.MaxInt32
	}
	return int32(limit) + 1
}

// maxRows is the LIMIT for a query that returns at most limit rows, with no
// look-ahead row. A limit of zero or less means no limit (PostgreSQL
// rejects a negative LIMIT), as in the SQLite store.
func maxRows(limit int) int32 {
	if limit <= 0 || limit >= math.MaxInt32 {
		return math.MaxInt32
	}
	return int32(limit)
}

// trimPage trims rows fetched with rowLimit(limit) to limit and reports whether
// any were left over.
func trimPage[T any](rows []T, limit int) ([]T, bool) {
	if limit > 0 && len(rows) > limit {
		return rows[:limit], true
	}
	return rows, false
}

// convertRows converts rows one by one, stopping at the first error. It returns
// a non-nil slice.
func convertRows[R, T any](rows []R, f func(R) (T, error)) ([]T, error) {
	out := make([]T, 0, len(rows))
	for _, r := range rows {
		v, err := f(r)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// encodeList renders a slice as a JSON array; nil and empty give "[]".
func encodeList[T any](list []T) (string, error) {
	if len(list) == 0 {
		return "[]", nil
	}
	b, err := json.Marshal(list)
	if err != nil {
		return "", fmt.Errorf("encode list as JSON: %w", err)
	}
	return string(b), nil
}

// decodeList parses JSON text written by encodeList; an empty list reads
// back as nil, as the domain types leave an unset list.
func decodeList[T any](s string) ([]T, error) {
	var list []T
	if err := json.Unmarshal([]byte(s), &list); err != nil {
		return nil, fmt.Errorf("decode JSON list: %w", err)
	}
	if len(list) == 0 {
		return nil, nil
	}
	return list, nil
}

// byID keys items by their id (the batched reads by a page's ids).
func byID[T any](items []T, id func(T) string) map[string]T {
	out := make(map[string]T, len(items))
	for _, v := range items {
		out[id(v)] = v
	}
	return out
}
