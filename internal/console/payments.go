package console

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
)

// paymentsView is the payments list: a status filter and one page.
type paymentsView struct {
	Status   string
	Statuses []billing.PaymentStatus
	Rows     []paymentRow
	NextURL  string
	FirstURL string
	Paged    bool
	Loc      *time.Location
}

// ExportURL downloads the list's CSV with the list's filters.
func (v paymentsView) ExportURL() string {
	return exportURL("payments.csv", url.Values{"status": {v.Status}})
}

// paymentRow is one payment with its customer and its invoice's number.
type paymentRow struct {
	Pay      billing.Payment
	Customer billing.Customer
	Number   string
	Failure  string
}

// paymentStatuses are the filter's choices.
var paymentStatuses = []billing.PaymentStatus{billing.PaymentSucceeded, billing.PaymentFailed, billing.PaymentPending,
	billing.PaymentUnknown}

const paymentsPage = 25

func (h moneyArea) payments(q *req) {
	status := billing.PaymentStatus(q.r.URL.Query().Get("status"))
	if !status.Valid() {
		status = ""
	}
	after := q.r.URL.Query().Get("after")
	list, err := h.app.Collection.ListPayments(q.ctx, q.scope(), billing.PaymentFilter{Status: status},
		billing.Page{Limit: paymentsPage, StartingAfter: after})
	if err != nil {
		h.fail(q, err)
		return
	}
	view := paymentsView{Status: string(status), Statuses: paymentStatuses, Paged: after != "", Loc: merchantLoc(q),
		FirstURL: "/console/payments"}
	customers, err := h.app.Customers.GetCustomers(q.ctx, q.scope(), idsOf(list.Data, func(p billing.Payment) string { return p.CustomerID }))
	if err != nil {
		h.fail(q, err)
		return
	}
	invoices, err := h.app.Invoicing.GetInvoices(q.ctx, q.scope(), idsOf(list.Data, func(p billing.Payment) string { return p.InvoiceID }))
	if err != nil {
		h.fail(q, err)
		return
	}
	for _, p := range list.Data {
		view.Rows = append(view.Rows, paymentRow{Pay: p, Customer: customers[p.CustomerID], Number: invoices[p.InvoiceID].Number,
			Failure: failureWords(q.l, p)})
	}
	filter := url.Values{}
	if status != "" {
		filter.Set("status", string(status))
		view.FirstURL += "?" + filter.Encode()
	}
	if list.HasMore && len(list.Data) > 0 {
		filter.Set("after", list.Data[len(list.Data)-1].ID)
		view.NextURL = "/console/payments?" + filter.Encode()
	}
	d := q.data(q.l.PayTitle, "payments")
	d.Sub = "payments"
	d.D = view
	h.show(q, "payments", d)
}

// paymentPageView is one payment's page.
type paymentPageView struct {
	paymentView
	Inv      billing.Invoice
	DocTitle string
	Customer billing.Customer
	// Attempts are every payment of its invoice, this one included.
	Attempts []paymentView
	Loc      *time.Location
}

func (h moneyArea) payment(q *req) {
	s := q.scope()
	p, err := h.app.Collection.GetPayment(q.ctx, s, q.r.PathValue("id"))
	if err != nil {
		h.fail(q, err)
		return
	}
	view := paymentPageView{Loc: merchantLoc(q)}
	if view.Inv, err = h.app.Invoicing.GetInvoice(q.ctx, s, p.InvoiceID); err != nil {
		h.fail(q, err)
		return
	}
	view.DocTitle = billing.InvoiceDocumentName(view.Inv, q.l.Tag).Title
	if view.Customer, err = h.app.Customers.GetCustomer(q.ctx, s, p.CustomerID); err != nil {
		h.fail(q, err)
		return
	}
	methods, err := h.app.Customers.ListPaymentMethods(q.ctx, s, p.CustomerID)
	if err != nil {
		h.fail(q, err)
		return
	}
	if view.paymentView, err = h.paymentWithRefunds(q, p, methods); err != nil {
		h.fail(q, err)
		return
	}
	all, err := h.app.Collection.ListPayments(q.ctx, s, billing.PaymentFilter{InvoiceID: p.InvoiceID}, billing.Page{Limit: 100})
	if err != nil {
		h.fail(q, err)
		return
	}
	for _, other := range all.Data {
		view.Attempts = append(view.Attempts, paymentView{Pay: other, Failure: failureWords(q.l, other)})
	}
	title := q.l.PaymentTitle
	if view.Inv.Number != "" {
		title += " · " + view.Inv.Number
	}
	if p.Attempt > 0 {
		title += " · " + fmt.Sprintf(q.l.AttemptN, p.Attempt)
	}
	d := q.data(title, "payments")
	d.D = view
	h.show(q, "payment", d)
}

// refundsView is the refunds list.
type refundsView struct {
	Rows    []refundRow
	NextURL string
	Paged   bool
	Loc     *time.Location
}

// refundRow is one refund with what it returned money of.
type refundRow struct {
	Ref      billing.Refund
	Pay      billing.Payment
	Number   string
	Customer billing.Customer
}

func (h moneyArea) refunds(q *req) {
	after := q.r.URL.Query().Get("after")
	list, err := h.app.Collection.ListRefunds(q.ctx, q.scope(), "", billing.Page{Limit: paymentsPage, StartingAfter: after})
	if err != nil {
		h.fail(q, err)
		return
	}
	view := refundsView{Paged: after != "", Loc: merchantLoc(q)}
	// Three reads for the page, whatever its length: the refunds'
	// payments, then their invoices and customers.
	pays, err := h.app.Collection.GetPayments(q.ctx, q.scope(), idsOf(list.Data, func(r billing.Refund) string { return r.PaymentID }))
	if err != nil {
		h.fail(q, err)
		return
	}
	var invoiceIDs, customerIDs []string
	for _, p := range pays {
		invoiceIDs, customerIDs = append(invoiceIDs, p.InvoiceID), append(customerIDs, p.CustomerID)
	}
	invoices, err := h.app.Invoicing.GetInvoices(q.ctx, q.scope(), invoiceIDs)
	if err != nil {
		h.fail(q, err)
		return
	}
	customers, err := h.app.Customers.GetCustomers(q.ctx, q.scope(), customerIDs)
	if err != nil {
		h.fail(q, err)
		return
	}
	for _, r := range list.Data {
		p := pays[r.PaymentID]
		view.Rows = append(view.Rows, refundRow{Ref: r, Pay: p, Number: invoices[p.InvoiceID].Number, Customer: customers[p.CustomerID]})
	}
	if list.HasMore && len(list.Data) > 0 {
		view.NextURL = "/console/refunds?" + url.Values{"after": {list.Data[len(list.Data)-1].ID}}.Encode()
	}
	d := q.data(q.l.RefundsTitle, "payments")
	d.Sub = "refunds"
	d.D = view
	h.show(q, "refunds", d)
}

// The documents' files, served through the session: the same bytes as
// the API's GET /v1/invoices/{id}/pdf, /v1/credit_notes/{id}/pdf and
// /v1/invoices/{id}/tax_document/{format}.

func (h moneyArea) invoicePDF(q *req) {
	pdf, _, name, err := h.app.Invoicing.InvoicePDF(q.ctx, q.scope(), q.r.PathValue("id"))
	if err != nil {
		h.fail(q, err)
		return
	}
	sendFile(q.w, "application/pdf", name, pdf)
}

func (h moneyArea) creditNotePDF(q *req) {
	pdf, name, err := h.app.Collection.CreditNotePDF(q.ctx, q.scope(), q.r.PathValue("id"))
	if err != nil {
		h.fail(q, err)
		return
	}
	sendFile(q.w, "application/pdf", name, pdf)
}

func (h moneyArea) taxDocumentFile(q *req) {
	format := app.DTEFormat(q.r.PathValue("format"))
	contentType := map[app.DTEFormat]string{app.DTEFormatPDF: "application/pdf", app.DTEFormatXML: "application/xml"}[format]
	if contentType == "" {
		h.message(q.w, q.r, http.StatusNotFound, q.l, q, q.l.NotFoundTitle, q.l.NotFoundBody)
		return
	}
	id := q.r.PathValue("id")
	b, err := h.app.Invoicing.TaxDocumentFile(q.ctx, q.scope(), id, format)
	if err != nil {
		if e := billing.AsError(err); e != nil && e.Kind == billing.KindUnavailable {
			h.message(q.w, q.r, http.StatusServiceUnavailable, q.l, q, q.l.ErrorTitle, q.l.GatewayDown)
			return
		}
		h.fail(q, err)
		return
	}
	inv, err := h.app.Invoicing.GetInvoice(q.ctx, q.scope(), id)
	if err != nil {
		h.fail(q, err)
		return
	}
	name := "dte"
	if d := inv.TaxDocument; d != nil {
		name += "-" + strconv.Itoa(int(d.Type)) + "-" + strconv.FormatInt(d.Folio, 10)
	}
	sendFile(q.w, contentType, name+"."+string(format), b)
}

// sendFile answers a document's bytes, to be shown in the browser. name
// is made of letters, digits, hyphens and a dot (billing.DocumentFilename,
// or the tax document's type and folio).
func sendFile(w http.ResponseWriter, contentType, name string, b []byte) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Disposition", `inline; filename="`+name+`"`)
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}
