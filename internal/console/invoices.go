package console

import (
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/cuota/cuota/internal/billing"
)

// invoicesView is the documents list: filters by status and customer and
// one page.
type invoicesView struct {
	Status   string
	Statuses []billing.InvoiceStatus
	// Customer is the customer filter as typed (an email or part of a
	// name); CustomerID the one customer it found, which the next page's
	// address carries.
	Customer   string
	CustomerID string
	Rows       []invoiceRow
	NextURL    string
	FirstURL   string
	Paged      bool
	Loc        *time.Location
}

// ExportURL downloads the list's CSV with the list's filters.
func (v invoicesView) ExportURL() string {
	return exportURL("invoices.csv", url.Values{"status": {v.Status}, "customer": {v.CustomerID}})
}

// invoiceRow is one invoice with its customer.
type invoiceRow struct {
	Inv      billing.Invoice
	Customer billing.Customer
}

// invoiceStatuses are the list filter's choices.
var invoiceStatuses = []billing.InvoiceStatus{billing.InvoiceOpen, billing.InvoicePaid, billing.InvoiceUncollectible,
	billing.InvoiceVoid, billing.InvoiceDraft}

const invoicesPage = 25

func (h moneyArea) invoices(q *req) {
	query := q.r.URL.Query()
	status := billing.InvoiceStatus(query.Get("status"))
	if !status.Valid() {
		status = ""
	}
	view := invoicesView{Status: string(status), Statuses: invoiceStatuses, Customer: query.Get("q"),
		CustomerID: query.Get("customer"), Loc: merchantLoc(q)}
	d := q.data(q.l.InvTitle, "invoices")
	// A customer typed by email or name: exactly one must match.
	if view.Customer != "" && view.CustomerID == "" {
		found, err := h.app.Customers.SearchCustomers(q.ctx, q.scope(), view.Customer, billing.Page{Limit: 2})
		if err != nil {
			h.fail(q, err)
			return
		}
		switch len(found.Data) {
		case 0:
			d.Error = fmt.Sprintf(q.l.InvNoMatch, view.Customer)
		case 1:
			view.CustomerID = found.Data[0].ID
		default:
			d.Error = fmt.Sprintf(q.l.InvManyMatch, view.Customer)
		}
		if view.CustomerID == "" {
			d.D = view
			h.show(q, "invoices", d)
			return
		}
	}
	after := query.Get("after")
	list, err := h.app.Invoicing.ListInvoices(q.ctx, q.scope(), billing.InvoiceFilter{Status: status, CustomerID: view.CustomerID},
		billing.Page{Limit: invoicesPage, StartingAfter: after})
	if err != nil {
		h.fail(q, err)
		return
	}
	customers, err := h.app.Customers.GetCustomers(q.ctx, q.scope(), idsOf(list.Data, func(inv billing.Invoice) string { return inv.CustomerID }))
	if err != nil {
		h.fail(q, err)
		return
	}
	for _, inv := range list.Data {
		view.Rows = append(view.Rows, invoiceRow{Inv: inv, Customer: customers[inv.CustomerID]})
	}
	filter := url.Values{}
	if status != "" {
		filter.Set("status", string(status))
	}
	if view.CustomerID != "" {
		filter.Set("customer", view.CustomerID)
		filter.Set("q", view.Customer)
	}
	view.FirstURL = "/console/invoices"
	if len(filter) > 0 {
		view.FirstURL += "?" + filter.Encode()
	}
	view.Paged = after != ""
	if list.HasMore && len(list.Data) > 0 {
		filter.Set("after", list.Data[len(list.Data)-1].ID)
		view.NextURL = "/console/invoices?" + filter.Encode()
	}
	d.D = view
	h.show(q, "invoices", d)
}

// idsOf is the id each row names (a customer, an invoice…), for one read
// of them all by id instead of one per row.
func idsOf[T any](rows []T, id func(T) string) []string {
	out := make([]string, 0, len(rows))
	for _, r := range rows {
		out = append(out, id(r))
	}
	return out
}

// invoiceView is one invoice's page.
type invoiceView struct {
	Inv      billing.Invoice
	Title    string // the document's name: "Comprobante de pago PYA-000005"
	Customer billing.Customer
	Lines    []lineView
	Taxes    []taxView
	// Balance is the customer balance the invoice used: negative when
	// the customer's credit took that much off, positive when what the
	// customer owed was added.
	Balance   int64
	Remaining int64
	Payments  []paymentView
	Notes     []billing.CreditNote
	NoteDocs  []billing.TaxDocument
	DTEName   string
	// Refundable is what a refund of the invoice may still return (0: no
	// refund form).
	Refundable int64
	CanPay     bool
	CanVoid    bool
	CanUncoll  bool
	// Form is what the refund form shows again after an error.
	Form    refundForm
	Reasons []string
	Example string
	Loc     *time.Location
}

// lineView is one line of an invoice as the page shows it.
type lineView struct {
	billing.InvoiceLine
	Taxes string // the line's tax rates: "IVA 19 %"
}

// taxView is one tax rate's amount on the invoice.
type taxView struct {
	Label  string
	Amount int64
}

// paymentView is one payment (one collection attempt) with its refunds
// and its failure in words.
type paymentView struct {
	Pay     billing.Payment
	Failure string
	Method  *billing.PaymentMethod
	Refunds []billing.Refund
}

// refundForm is what a refund form was sent with.
type refundForm struct {
	Amount, Reason string
}

// creditReasons are the refund form's reasons, in the order shown.
var creditReasons = []string{billing.CreditReasonProductUnsatisfactory, billing.CreditReasonDuplicate,
	billing.CreditReasonOrderChange, billing.CreditReasonFraudulent}

func (h moneyArea) invoice(q *req) {
	d := q.data("", "invoices")
	switch q.r.URL.Query().Get("done") {
	case "voided":
		d.Notice = q.l.DoneVoided
	case "uncollectible":
		d.Notice = q.l.DoneUncoll
	}
	h.showInvoice(q, http.StatusOK, d, refundForm{})
}

// showInvoice renders an invoice's page with status: d may carry a
// notice or an error, form what the refund form was sent with. It reads
// the invoice with what a refund may still return.
func (h moneyArea) showInvoice(q *req, status int, d pageData, form refundForm) {
	inv, left, err := h.app.Invoicing.GetInvoiceRefundLeft(q.ctx, q.scope(), q.r.PathValue("id"))
	if err != nil {
		h.fail(q, err)
		return
	}
	h.showReadInvoice(q, status, d, form, inv, left)
}

// showReadInvoice renders the page of inv, read with left, what a refund
// of it may still return (Invoicing.GetInvoiceRefundLeft).
func (h moneyArea) showReadInvoice(q *req, status int, d pageData, form refundForm, inv billing.Invoice, left int64) {
	id, s := inv.ID, q.scope()
	var err error
	view := invoiceView{Inv: inv, Title: billing.InvoiceDocumentName(inv, q.l.Tag).Title, Form: form, Reasons: creditReasons,
		Example: amountExample(q.l, inv.Currency), Loc: merchantLoc(q), Balance: inv.StartingBalance - inv.EndingBalance}
	if inv.Number != "" {
		view.Title += " " + inv.Number
	}
	if view.Customer, err = h.app.Customers.GetCustomer(q.ctx, s, inv.CustomerID); err != nil {
		h.fail(q, err)
		return
	}
	if inv.TaxDocument != nil {
		view.DTEName = inv.TaxDocument.Type.Name(q.l.Tag)
	}
	for _, line := range inv.Lines {
		lv := lineView{InvoiceLine: line}
		for i, r := range line.TaxRates {
			if i > 0 {
				lv.Taxes += ", "
			}
			lv.Taxes += r.Label(q.l.Tag)
		}
		view.Lines = append(view.Lines, lv)
	}
	for _, t := range inv.TaxAmounts {
		view.Taxes = append(view.Taxes, taxView{Label: t.TaxRate.Label(q.l.Tag), Amount: t.Amount})
	}
	if inv.Status == billing.InvoiceOpen || inv.Status == billing.InvoiceUncollectible {
		view.Remaining = max(inv.AmountDue-inv.AmountPaid, 0)
	}
	pays, err := h.app.Collection.ListPayments(q.ctx, s, billing.PaymentFilter{InvoiceID: id}, billing.Page{Limit: 100})
	if err != nil {
		h.fail(q, err)
		return
	}
	methods, err := h.app.Customers.ListPaymentMethods(q.ctx, s, inv.CustomerID)
	if err != nil {
		h.fail(q, err)
		return
	}
	for _, p := range pays.Data {
		pv, err := h.paymentWithRefunds(q, p, methods)
		if err != nil {
			h.fail(q, err)
			return
		}
		view.Payments = append(view.Payments, pv)
	}
	notes, err := h.app.Collection.ListCreditNotes(q.ctx, s, billing.CreditNoteFilter{InvoiceID: id}, billing.Page{Limit: 100})
	if err != nil {
		h.fail(q, err)
		return
	}
	view.Notes = notes.Data
	if view.NoteDocs, err = h.app.Invoicing.CreditNoteTaxDocuments(q.ctx, s, id); err != nil {
		h.fail(q, err)
		return
	}
	view.Refundable = left
	verdict := billing.CanCharge(inv, billing.LatestPayment(pays.Data))
	view.CanPay = verdict == billing.ChargeAllowed
	view.CanVoid = billing.InvoiceTransitionAllowed(inv.Status, billing.InvoiceVoid) && inv.Status != billing.InvoiceVoid
	view.CanUncoll = inv.Status == billing.InvoiceOpen
	d.Title = view.Title
	d.D = view
	h.showStatus(q, "invoice", status, d)
}

// paymentWithRefunds is a payment as the pages show it: its failure in
// words, its card and its refunds.
func (h moneyArea) paymentWithRefunds(q *req, p billing.Payment, methods []billing.PaymentMethod) (paymentView, error) {
	pv := paymentView{Pay: p, Failure: failureWords(q.l, p)}
	for i := range methods {
		if methods[i].ID == p.PaymentMethodID {
			pv.Method = &methods[i]
		}
	}
	if p.AmountRefunded > 0 || p.Status == billing.PaymentSucceeded {
		refs, err := h.app.Collection.ListRefunds(q.ctx, q.scope(), p.ID, billing.Page{Limit: 100})
		if err != nil {
			return pv, err
		}
		pv.Refunds = refs.Data
	}
	return pv, nil
}

// failureWords says why a payment failed (or is unresolved), in l: the
// decline code's words, else its class's; "" for a payment that did not
// fail.
func failureWords(l *lang, p billing.Payment) string {
	if p.Status != billing.PaymentFailed && p.Status != billing.PaymentUnknown {
		return ""
	}
	if w, ok := l.Failures[p.FailureCode]; ok {
		return w
	}
	if w, ok := l.FailureClasses[p.FailureClass]; ok {
		return w
	}
	if p.Status == billing.PaymentUnknown {
		return l.FailureClasses[billing.FailureUnknown]
	}
	return l.FailureOther
}
