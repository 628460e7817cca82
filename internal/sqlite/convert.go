package sqlite

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/cuota/cuota/internal/billing"
)

// micros converts t to the stored form: unix microseconds (UTC by
// definition). Anything finer than a microsecond is dropped.
func micros(t time.Time) int64 { return t.UnixMicro() }

// fromMicros converts a stored time back, in UTC.
func fromMicros(v int64) time.Time { return time.UnixMicro(v).UTC() }

// nullMicros converts an optional time to its stored form (NULL for nil).
func nullMicros(t *time.Time) sql.NullInt64 {
	if t == nil {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: micros(*t), Valid: true}
}

// fromNullMicros converts a stored optional time back (nil for NULL).
func fromNullMicros(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := fromMicros(v.Int64)
	return &t
}

// encodeMap marshals a JSON object column; a nil map is stored as "{}".
func encodeMap[M ~map[string]V, V any](m M) (string, error) {
	if m == nil {
		return "{}", nil
	}
	b, err := json.Marshal(m)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// decodeMap unmarshals a JSON object column, always into a non-nil map.
func decodeMap[V any](s string) (map[string]V, error) {
	m := map[string]V{}
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return nil, err
	}
	if m == nil { // the column held JSON null
		m = map[string]V{}
	}
	return m, nil
}

// encodeRaw returns the stored form of an audit before/after document:
// empty means JSON null, as billing.AuditHash counts it.
func encodeRaw(r json.RawMessage) string {
	if len(r) == 0 {
		return "null"
	}
	return string(r)
}

// encodeJSON marshals a JSON column.
func encodeJSON(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// encodeList marshals a JSON array column; a nil slice is stored as "[]".
func encodeList[T any](list []T) (string, error) {
	if list == nil {
		return "[]", nil
	}
	return encodeJSON(list)
}

// decodeList unmarshals a JSON array column, always into a non-nil slice.
func decodeList[T any](s string) ([]T, error) {
	list := []T{}
	if err := json.Unmarshal([]byte(s), &list); err != nil {
		return nil, err
	}
	if list == nil { // the column held JSON null
		list = []T{}
	}
	return list, nil
}

// storedTime is t as the store gives it back: UTC, to the microsecond. Times
// inside JSON columns are normalised with it, so that they read back like
// the times of ordinary columns.
func storedTime(t time.Time) time.Time { return fromMicros(micros(t)) }

// rowLimit is the LIMIT of a list query for a page of limit items: one more
// than asked, to learn whether more exist. A limit of zero or less means no
// limit (SQLite's LIMIT -1).
func rowLimit(limit int) int64 {
	if limit <= 0 {
		return -1
	}
	return int64(limit) + 1
}

// maxRows is the LIMIT for a query that returns at most limit rows, with no
// look-ahead row. A limit of zero or less means no limit, as in the
// PostgreSQL store.
func maxRows(limit int) int64 {
	if limit <= 0 {
		return -1
	}
	return int64(limit)
}

// convertRows converts every row with convert, stopping at the first error.
func convertRows[R, T any](rows []R, convert func(R) (T, error)) ([]T, error) {
	out := make([]T, 0, len(rows))
	for _, row := range rows {
		v, err := convert(row)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// trimPage cuts rows fetched with rowLimit(limit) down to limit and reports
// whether more exist.
func trimPage[T any](rows []T, limit int) ([]T, bool) {
	if limit > 0 && len(rows) > limit {
		return rows[:limit], true
	}
	return rows, false
}

// dbError wraps err with the context format describes, translating what the
// billing.Tx contract names: no row becomes billing.ErrNotFound and a unique
// or primary key failure a *billing.ErrUniqueViolation.
func dbError(err error, format string, args ...any) error {
	what := fmt.Sprintf(format, args...)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%s: %w", what, billing.ErrNotFound)
	}
	if uv := uniqueViolation(err); uv != nil {
		return fmt.Errorf("%s: %w", what, uv)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// uniqueViolation returns the *billing.ErrUniqueViolation err stands for, or
// nil if err is not a unique or primary key constraint failure.
func uniqueViolation(err error) *billing.ErrUniqueViolation {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return nil
	}
	switch se.Code() {
	case sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return &billing.ErrUniqueViolation{Constraint: constraintName(true, se.Error())}
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE:
		return &billing.ErrUniqueViolation{Constraint: constraintName(false, se.Error())}
	}
	return nil
}

// indexNames names the unique indexes whose Postgres names do not follow
// from their columns by constraintName's rule (partial unique indexes
// named for what they mean), keyed by "<table>.<column>,<column>…" in
// index column order, as SQLite lists them. The ones that do follow the
// rule are listed too, so that every lifecycle index is spelled out here.
var indexNames = map[string]string{
	"invoices.subscription_id,period_start":              "invoices_subscription_period_key",
	"invoices.merchant_id,mode,number":                   "invoices_number_key",
	"payments.invoice_id":                                "payments_one_success_key",
	"payments.merchant_id,mode,idempotency_key":          "payments_idempotency_key_key",
	"alerts.merchant_id,mode,kind,object_type,object_id": "alerts_unresolved_key",
}

// constraintName derives, from SQLite's message for a failed unique or
// primary key constraint (e.g. "UNIQUE constraint failed: prices.merchant_id,
// prices.mode, prices.lookup_key"), the name the Postgres store reports for
// the same failure, so that both stores agree:
//
//   - a primary key is "<table>_pkey";
//   - a unique index listed in indexNames has the name given there;
//   - another unique constraint is "<table>_<columns>_key", where the scope
//     columns merchant_id and mode are left out when other columns remain
//     (prices_lookup_key_key, audit_entries_seq_key, api_keys_hash_key).
//
// If the message cannot be parsed, the name is "unknown".
func constraintName(primaryKey bool, msg string) string {
	const marker = "constraint failed: "
	i := strings.LastIndex(msg, marker)
	if i < 0 {
		return "unknown"
	}
	list := msg[i+len(marker):]
	if j := strings.Index(list, " ("); j >= 0 { // modernc appends " (2067)"
		list = list[:j]
	}
	var table string
	var cols, scoped []string
	for item := range strings.SplitSeq(list, ",") {
		tbl, col, ok := strings.Cut(strings.TrimSpace(item), ".")
		if !ok || tbl == "" || col == "" || (table != "" && tbl != table) {
			return "unknown"
		}
		table = tbl
		cols = append(cols, col)
		if col != "merchant_id" && col != "mode" {
			scoped = append(scoped, col)
		}
	}
	if primaryKey {
		return table + "_pkey"
	}
	if name, ok := indexNames[table+"."+strings.Join(cols, ",")]; ok {
		return name
	}
	if len(scoped) > 0 {
		cols = scoped
	}
	return table + "_" + strings.Join(cols, "_") + "_key"
}

// notFoundIfNone turns an update that matched no row into ErrNotFound.
func notFoundIfNone(n int64, err error, format string, args ...any) error {
	if err != nil {
		return dbError(err, format, args...)
	}
	if n == 0 {
		return fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), billing.ErrNotFound)
	}
	return nil
}

// decodeOptList is decodeList for a list the domain leaves nil when
// empty (tax rates, tax amounts): an empty list reads back as nil.
func decodeOptList[T any](s string) ([]T, error) {
	list, err := decodeList[T](s)
	if err != nil || len(list) == 0 {
		return nil, err
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
