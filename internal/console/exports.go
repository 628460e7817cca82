package console

import (
	"context"
	"net/http"
	"net/url"

	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
)

// The lists' CSV buttons (docs/exports.md): /console/exports/{name}.csv
// takes the filters of the list page it was pressed on and streams the
// same export as GET /v1/exports/{name}.csv, through the console's session
// instead of an API key. Every role may download: an export is a read.

// exportCSV serves one export.
func (h ops) exportCSV(q *req) {
	qv, s := q.r.URL.Query(), q.scope()
	var e app.Export
	var err error
	switch q.r.PathValue("name") {
	case "customers.csv":
		e, err = h.app.Exports.ExportCustomerSearch(q.ctx, s, qv.Get("q"))
	case "subscriptions.csv":
		e, err = h.app.Exports.ExportSubscriptions(q.ctx, s, billing.SubscriptionFilter{CustomerID: qv.Get("customer"),
			Status: billing.SubscriptionStatus(qv.Get("status")), PriceID: qv.Get("price")})
	case "invoices.csv":
		status := billing.InvoiceStatus(qv.Get("status"))
		if status != "" && q.l.InvStatus[status] == "" {
			err = billing.Invalid("status", billing.CodeParameterInvalid, "unknown status %q", status)
			break
		}
		e, err = h.app.Exports.ExportInvoices(q.ctx, s, billing.InvoiceFilter{CustomerID: qv.Get("customer"),
			SubscriptionID: qv.Get("subscription"), Status: status})
	case "payments.csv":
		status := billing.PaymentStatus(qv.Get("status"))
		if status != "" && q.l.PayStatus[status] == "" {
			err = billing.Invalid("status", billing.CodeParameterInvalid, "unknown status %q", status)
			break
		}
		e, err = h.app.Exports.ExportPayments(q.ctx, s, billing.PaymentFilter{InvoiceID: qv.Get("invoice"),
			CustomerID: qv.Get("customer"), Status: status})
	default:
		h.message(q.w, q.r, http.StatusNotFound, q.l, q, q.l.NotFoundTitle, q.l.NotFoundBody)
		return
	}
	if err != nil {
		if e := billing.AsError(err); e != nil && e.Kind == billing.KindInvalid {
			h.message(q.w, q.r, http.StatusBadRequest, q.l, q, q.l.BadForm, q.l.BadForm)
			return
		}
		h.fail(q, err)
		return
	}
	streamExport(q.ctx, h.handler, q.w, e)
}

// streamExport writes e as the API does: headers with the first page; a
// failure after that aborts the connection, so the browser sees a broken
// download, never a file that looks complete.
func streamExport(ctx context.Context, h *handler, w http.ResponseWriter, e app.Export) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+e.Filename+`"`)
	w.WriteHeader(http.StatusOK)
	if err := e.WriteTo(ctx, w); err != nil {
		if ctx.Err() == nil {
			h.logger.ErrorContext(ctx, "console export failed midway; aborting the response", "export", e.Filename, "error", err)
		}
		panic(http.ErrAbortHandler)
	}
}

// exportURL is the console's address of export name with the non-empty
// filters of v.
func exportURL(name string, v url.Values) string {
	for k, vs := range v {
		if len(vs) == 0 || vs[0] == "" {
			delete(v, k)
		}
	}
	u := "/console/exports/" + name
	if len(v) > 0 {
		u += "?" + v.Encode()
	}
	return u
}
