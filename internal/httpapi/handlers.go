package httpapi

import (
	"time"

	"github.com/cuota/cuota/internal/billing"
)

// The operations' handlers are methods of one type per area of the API,
// each holding only what its handlers use (the App): catalogHandlers,
// customerHandlers, subscriptionHandlers, invoiceHandlers, hostedHandlers
// and accountHandlers. Each lists its operations in routes.go; this file
// holds what they share.

// Request inputs. Body fields are optional in the schema and checked by the
// use cases, which report stable codes; unknown fields are rejected.

// IDPath is the {id} path parameter. It and PageQuery are embedded in
// inputs, so they must be exported: huma skips unexported embedded structs.
type IDPath struct {
	ID string `path:"id" maxLength:"100"`
}

// PageQuery is a list's page parameters.
type PageQuery struct {
	Limit         int    `query:"limit" minimum:"1" maximum:"100" doc:"Page size, 1 to 100 (default 10)."`
	StartingAfter string `query:"starting_after" maxLength:"100" doc:"Id of the last object of the previous page."`
}

func (q PageQuery) page() billing.Page {
	return billing.Page{Limit: q.Limit, StartingAfter: q.StartingAfter}
}

// activeQuery parses an optional boolean filter.
func activeQuery(s string) *bool {
	switch s {
	case "true":
		return ptr(true)
	case "false":
		return ptr(false)
	}
	return nil
}

type out[T any] struct{ Body T }

func reply[T any](v T) *out[T] { return &out[T]{Body: v} }

// unixTime is an optional Unix time parameter: 0 means none.
func unixTime(u int64) *time.Time {
	if u == 0 {
		return nil
	}
	t := time.Unix(u, 0).UTC()
	return &t
}
