package httpapi

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
)

// exportHandlers serve the CSV exports (docs/exports.md). Each takes the
// filters of its list; the filters are checked before anything is
// written, so a bad one is an ordinary 400, and the file is then streamed
// as the store's pages are read.
type exportHandlers struct {
	app    UseCases
	logger *slog.Logger
}

// routes registers the export operations.
func (h *exportHandlers) routes(r registrar) {
	register(r, csvOperation(op("export-customers", http.MethodGet, "/v1/exports/customers.csv", "Export customers as CSV (the filters of the list)")), h.customers)
	register(r, csvOperation(op("export-subscriptions", http.MethodGet, "/v1/exports/subscriptions.csv", "Export subscriptions as CSV (the filters of the list)")), h.subscriptions)
	register(r, csvOperation(op("export-invoices", http.MethodGet, "/v1/exports/invoices.csv", "Export invoices as CSV (the filters of the list)")), h.invoices)
	register(r, csvOperation(op("export-payments", http.MethodGet, "/v1/exports/payments.csv", "Export payments as CSV (the filters of the list)")), h.payments)
}

// csvOperation declares op's answer as a CSV file.
func csvOperation(o huma.Operation) huma.Operation {
	o.Responses = map[string]*huma.Response{
		"200": {Description: "RFC 4180 CSV with a header row (docs/exports.md), streamed.", Content: map[string]*huma.MediaType{
			"text/csv": {Schema: &huma.Schema{Type: "string"}},
		}},
	}
	return o
}

// stream answers with export e. The status and headers go out with the
// first page; a failure after that cannot become an error answer, so the
// connection is aborted (http.ErrAbortHandler): the client sees a
// truncated transfer, never a file that looks complete.
func (h *exportHandlers) stream(ctx context.Context, e app.Export, err error) (*huma.StreamResponse, error) {
	if err != nil {
		return nil, err
	}
	return &huma.StreamResponse{Body: func(hc huma.Context) {
		hc.SetHeader("Content-Type", "text/csv; charset=utf-8")
		hc.SetHeader("Content-Disposition", `attachment; filename="`+e.Filename+`"`)
		hc.SetHeader("Cache-Control", "no-store")
		hc.SetStatus(http.StatusOK)
		if err := e.WriteTo(ctx, hc.BodyWriter()); err != nil {
			if ctx.Err() == nil {
				h.logger.ErrorContext(ctx, "export failed midway; aborting the response", "export", e.Filename, "error", err)
			}
			panic(http.ErrAbortHandler)
		}
	}}, nil
}

func (h *exportHandlers) customers(ctx context.Context, in *struct {
	Email      string `query:"email" maxLength:"512"`
	ExternalID string `query:"external_id" maxLength:"200"`
}) (*huma.StreamResponse, error) {
	e, err := h.app.Exports.ExportCustomers(ctx, scopeOf(ctx), billing.CustomerFilter{Email: in.Email, ExternalID: in.ExternalID})
	return h.stream(ctx, e, err)
}

func (h *exportHandlers) subscriptions(ctx context.Context, in *struct {
	Customer string `query:"customer" maxLength:"100"`
	Status   string `query:"status" maxLength:"30"`
	Price    string `query:"price" maxLength:"100"`
}) (*huma.StreamResponse, error) {
	f := billing.SubscriptionFilter{CustomerID: in.Customer, Status: billing.SubscriptionStatus(in.Status), PriceID: in.Price}
	e, err := h.app.Exports.ExportSubscriptions(ctx, scopeOf(ctx), f)
	return h.stream(ctx, e, err)
}

func (h *exportHandlers) invoices(ctx context.Context, in *struct {
	Customer     string `query:"customer" maxLength:"100"`
	Subscription string `query:"subscription" maxLength:"100"`
	Status       string `query:"status" enum:"draft,open,paid,void,uncollectible,"`
}) (*huma.StreamResponse, error) {
	f := billing.InvoiceFilter{CustomerID: in.Customer, SubscriptionID: in.Subscription, Status: billing.InvoiceStatus(in.Status)}
	e, err := h.app.Exports.ExportInvoices(ctx, scopeOf(ctx), f)
	return h.stream(ctx, e, err)
}

func (h *exportHandlers) payments(ctx context.Context, in *struct {
	Invoice  string `query:"invoice" maxLength:"100"`
	Customer string `query:"customer" maxLength:"100"`
	Status   string `query:"status" enum:"pending,succeeded,failed,unknown,"`
}) (*huma.StreamResponse, error) {
	f := billing.PaymentFilter{InvoiceID: in.Invoice, CustomerID: in.Customer, Status: billing.PaymentStatus(in.Status)}
	e, err := h.app.Exports.ExportPayments(ctx, scopeOf(ctx), f)
	return h.stream(ctx, e, err)
}
