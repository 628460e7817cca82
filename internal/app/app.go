// Package app holds cuota's use cases. Each one owns its transaction: the
// change, its audit entry and any follow-up jobs commit together or not at all
// (docs/architecture.md, "Principles"). Transports (httpapi, the CLI) call app;
// app calls the billing.Store and never speaks HTTP.
package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/cuota/cuota/internal/billing"
)

// Now returns the current time at microsecond precision, in UTC.
func (a *core) Now() time.Time { return a.now().UTC().Truncate(time.Microsecond) }

// RequestInfo says who is acting, for the audit log.
type RequestInfo struct {
	Actor     string // "api_key:key_…", "cli", "system"
	RequestID string
	ClientIP  string
}

type requestInfoKey struct{}

// WithRequestInfo returns a context carrying info.
func WithRequestInfo(ctx context.Context, info RequestInfo) context.Context {
	return context.WithValue(ctx, requestInfoKey{}, info)
}

// RequestInfoFrom returns the RequestInfo in ctx; the actor defaults to
// "system".
func RequestInfoFrom(ctx context.Context) RequestInfo {
	info, _ := ctx.Value(requestInfoKey{}).(RequestInfo)
	if info.Actor == "" {
		info.Actor = "system"
	}
	return info
}

// change describes one mutation for the audit log.
type change struct {
	merchantID string
	mode       billing.Mode
	action     string // e.g. "product.create"
	objectType string
	objectID   string
	before     any // nil on create; an object, or its encoding (json.RawMessage)
	after      any
}

// audit appends c's entry to its merchant's audit log inside tx,
// unsealed: it takes no lock, so a merchant's writes do not wait for each
// other. The sealer (SealAuditLog) chains it once tx has committed.
func (a *core) audit(ctx context.Context, tx billing.Tx, c change) error {
	e, err := a.newAuditEntry(ctx, c)
	if err != nil {
		return err
	}
	if err := tx.Audit.InsertAuditEntry(ctx, e); err != nil {
		return fmt.Errorf("append audit entry %s: %w", c.action, err)
	}
	return nil
}

// newAuditEntry builds the unsealed audit entry for c. An update's entry
// keeps the object after whole and, of the object before, only what the
// change altered (billing.ChangedFields), from which the whole object
// before is rebuilt (docs/operations.md, "Audit log").
func (a *core) newAuditEntry(ctx context.Context, c change) (billing.AuditEntry, error) {
	before, err := marshalSnapshot(c.before)
	if err != nil {
		return billing.AuditEntry{}, err
	}
	after, err := marshalSnapshot(c.after)
	if err != nil {
		return billing.AuditEntry{}, err
	}
	if c.before != nil && c.after != nil {
		if changed, ok := billing.ChangedFields(before, after); ok {
			before = changed
		}
	}
	info := RequestInfoFrom(ctx)
	now := a.Now()
	return billing.AuditEntry{
		ID:         billing.NewID(billing.PrefixAuditEntry, now),
		MerchantID: c.merchantID,
		Mode:       c.mode,
		Actor:      info.Actor,
		Action:     c.action,
		ObjectType: c.objectType,
		ObjectID:   c.objectID,
		Before:     before,
		After:      after,
		RequestID:  info.RequestID,
		ClientIP:   info.ClientIP,
		Created:    now,
	}, nil
}

// marshalSnapshot encodes an audit snapshot; one already encoded (such as
// an event's) is taken as it is.
func marshalSnapshot(v any) (json.RawMessage, error) {
	if v == nil {
		return json.RawMessage("null"), nil
	}
	if raw, ok := v.(json.RawMessage); ok {
		return raw, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("marshal audit snapshot: %w", err)
	}
	return b, nil
}

// notFound turns a store's ErrNotFound into the API's resource_missing for
// the named object; other errors pass through.
func notFound(err error, object, id string) error {
	if errors.Is(err, billing.ErrNotFound) {
		return billing.NotFound(object, id)
	}
	return err
}

// uniqueParams maps unique constraints to the request parameter that broke
// them, so a duplicate is reported as 409 resource_exists on that param.
var uniqueParams = map[string]string{
	"prices_lookup_key_key":     "lookup_key",
	"customers_external_id_key": "external_id",
	"promotion_codes_code_key":  "code",
}

// conflict turns a unique violation into resource_exists.
func conflict(err error) error {
	var uv *billing.ErrUniqueViolation
	if errors.As(err, &uv) {
		if param, ok := uniqueParams[uv.Constraint]; ok {
			return billing.Exists(param, "an object with this %s already exists", param)
		}
		return billing.Exists("id", "an object with this id already exists")
	}
	return err
}

// pageLimit validates a list page.
func pageLimit(p billing.Page) (billing.Page, error) {
	if p.Limit == 0 {
		p.Limit = 10
	}
	if p.Limit < 1 || p.Limit > 100 {
		return p, billing.Invalid("limit", billing.CodeParameterInvalid, "limit must be between 1 and 100")
	}
	return p, nil
}

// List is one page of a list.
type List[T any] struct {
	Data    []T
	HasMore bool
}

// read runs a read-only use case (Store.Read: no transaction on
// PostgreSQL) and returns its result.
func read[T any](ctx context.Context, a *core, fn func(tx billing.Tx) (T, error)) (T, error) {
	var out T
	err := a.store.Read(ctx, func(tx billing.Tx) error {
		var err error
		out, err = fn(tx)
		return err
	})
	return out, err
}

// maxBatchIDs is how many ids one read by ids may name: a page of a list
// names at most 100 objects of a kind.
const maxBatchIDs = 100

// checkBatch validates a read of the newest limit items of ids.
func checkBatch(ids []string, limit int) error {
	if len(ids) > maxBatchIDs {
		return billing.Invalid("ids", billing.CodeParameterInvalid, "at most %d ids", maxBatchIDs)
	}
	if limit < 1 || limit > 100 {
		return billing.Invalid("limit", billing.CodeParameterInvalid, "limit must be between 1 and 100")
	}
	return nil
}

// readByIDs reads the objects of ids (duplicates and empty ids left out)
// with fn in one read, keyed by id: what a page of rows names, read at
// once instead of once per row.
func readByIDs[T any](ctx context.Context, a *core, ids []string, fn func(tx billing.Tx, ids []string) (map[string]T, error)) (map[string]T, error) {
	if len(ids) > maxBatchIDs {
		return nil, billing.Invalid("ids", billing.CodeParameterInvalid, "at most %d ids", maxBatchIDs)
	}
	seen := make(map[string]bool, len(ids))
	var distinct []string
	for _, id := range ids {
		if id != "" && !seen[id] {
			seen[id] = true
			distinct = append(distinct, id)
		}
	}
	if len(distinct) == 0 {
		return map[string]T{}, nil
	}
	return read(ctx, a, func(tx billing.Tx) (map[string]T, error) { return fn(tx, distinct) })
}

// list validates a page (limit and a cursor with the object's id prefix)
// and runs one list query.
func list[T any](ctx context.Context, a *core, page billing.Page, prefix string, fn func(tx billing.Tx, page billing.Page) ([]T, bool, error)) (List[T], error) {
	var out List[T]
	page, err := pageLimit(page)
	if err != nil {
		return out, err
	}
	var v validator
	v.cursor(page, prefix)
	if err := v.err(); err != nil {
		return out, err
	}
	err = a.store.Read(ctx, func(tx billing.Tx) error {
		var err error
		out.Data, out.HasMore, err = fn(tx, page)
		return err
	})
	return out, err
}
