package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
)

// Pay pages: an invoice's page ("/invoice/{merchant}/{mode}/{id}?t=…",
// the API's hosted_invoice_url and the invoice email's link), where the
// customer pays it on a gateway's page, and the return from that page
// ("/return/pay/{merchant}/{mode}/{payment}?t=…"). The link's token (?t=)
// is the capability: every form carries it, and it is never logged.

// invoiceRoutes adds the invoice page and the gateways' return to it.
func (h *handler) invoiceRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /invoice/assets/style.css", h.style)
	mux.HandleFunc("GET /return/assets/style.css", h.style)
	mux.HandleFunc("GET /invoice/{merchant}/{mode}/{id}", h.invoicePage)
	mux.HandleFunc("POST /invoice/{merchant}/{mode}/{id}", h.invoicePay)
	mux.HandleFunc("GET /invoice/{merchant}/{mode}/{id}/pdf", h.invoicePDF)
	mux.HandleFunc("GET /invoice/{merchant}/{mode}/{id}/tax-document", h.invoiceTaxDocument)
	mux.HandleFunc("GET /return/pay/{merchant}/{mode}/{id}", h.payReturn)
	mux.HandleFunc("POST /return/pay/{merchant}/{mode}/{id}", h.payReturn)
	mux.HandleFunc("GET /sim/pay/{merchant}/{mode}/{id}", h.simPayPage)
	mux.HandleFunc("POST /sim/pay/{merchant}/{mode}/{id}", h.simPaySubmit)
}

// hostedRef reads the scope and id of a pay-page link's path; ok is false
// (and the page answered: not found) for a mode that is neither test nor
// live.
func (h *handler) hostedRef(w http.ResponseWriter, r *http.Request, token string) (app.HostedRef, bool) {
	mode := billing.Mode(r.PathValue("mode"))
	if !mode.Valid() {
		h.notFoundPage(w, r)
		return app.HostedRef{}, false
	}
	return app.HostedRef{Scope: billing.Scope{MerchantID: r.PathValue("merchant"), Mode: mode}, ID: r.PathValue("id"), Token: token}, true
}

func (h *handler) notFoundPage(w http.ResponseWriter, r *http.Request) {
	l := pickLang(r)
	h.hostedMessage(w, r, http.StatusNotFound, l, l.NotFoundTitle, l.NotFoundBody)
}

// local reports whether dest is on cuota's public URL: the origin of the
// page whose form led there, so a 303 may take the browser to it (a form's
// whole redirect chain is checked against form-action 'self'). Another
// origin's page is reached through the redirect page instead.
func (h *handler) local(dest string) bool {
	base := h.app.PayPages.PublicURL()
	return base != "" && strings.HasPrefix(dest, base+"/")
}

// invoiceData is what the invoice template shows.
type invoiceData struct {
	Page     app.InvoicePage
	Inv      billing.Invoice
	Loc      *time.Location
	Action   string                // where the forms post (relative)
	PDF      string                // the invoice's PDF (relative, with the token)
	Status   billing.InvoiceStatus // the status badge's class suffix
	IssuedAt time.Time
	// Confirming: a payment is being confirmed with the gateway; nothing
	// can be paid meanwhile.
	Confirming bool
	Failure    string // why the latest attempt failed
	Detail     string // the gateway's own words about it, when no better
	Error      string // why the form just sent did not go through
	// Doc names the document (billing.InvoiceDocument): a receipt once
	// paid, a request for payment before.
	Doc billing.DocumentName
	// BillTo is who the document is made out to.
	BillTo billToView
	// DTETitle names the invoice's issued Chilean tax document ("Boleta
	// electrónica N.º 12"), DTEName its kind, DTEPDF its PDF's link; all
	// empty when none was issued.
	DTETitle, DTEName, DTEPDF string
}

// Payable reports whether the page offers a way to pay: billing's charge
// rule, leaving out payments in progress (the page shows those itself).
func (d invoiceData) Payable() bool {
	return billing.CanCharge(d.Inv, nil) == billing.ChargeAllowed
}

// DiscountName is the text of the invoice's discount line ("Descuento
// VERANO (20 %)"), shown once as the discount row of the totals rather
// than again among the lines; "" when the invoice has none.
func (d invoiceData) DiscountName() string {
	for _, l := range d.Inv.Lines {
		if l.Type == billing.LineDiscount {
			return l.Description
		}
	}
	return ""
}

// invoicePage shows an invoice's page.
func (h *handler) invoicePage(w http.ResponseWriter, r *http.Request) {
	ref, ok := h.hostedRef(w, r, r.URL.Query().Get("t"))
	if !ok {
		return
	}
	pg, err := h.app.PayPages.OpenInvoicePage(r.Context(), ref)
	if err != nil {
		l := pickLang(r)
		h.hostedFail(w, r, l, err, l.NotFoundBody)
		return
	}
	h.showInvoice(w, r, http.StatusOK, ref, pg, "")
}

// showInvoice renders an invoice's page, with msg about the form just
// sent.
func (h *handler) showInvoice(w http.ResponseWriter, r *http.Request, status int, ref app.HostedRef, pg app.InvoicePage, msg string) {
	l := pickLang(r, pg.Customer.Locale, pg.Merchant.Locale)
	inv := pg.Invoice
	d := invoiceData{Page: pg, Inv: inv, Loc: location(pg.Merchant), Action: url.PathEscape(inv.ID),
		PDF:    withQuery(url.PathEscape(inv.ID)+"/pdf", "t", ref.Token),
		Status: inv.Status, IssuedAt: inv.Created, Error: msg,
		Doc: billing.InvoiceDocumentName(inv, l.HTMLLang), BillTo: billTo(pg.Customer, l.HTMLLang)}
	if inv.FinalizedAt != nil {
		d.IssuedAt = *inv.FinalizedAt
	}
	if td := inv.TaxDocument; td != nil && td.Folio > 0 && (td.Status == billing.DTEIssued || td.Status == billing.DTEAccepted) {
		d.DTETitle, d.DTEName = billing.TaxDocumentTitle(*td, l.HTMLLang), td.Type.NameInSentence(l.HTMLLang)
		d.DTEPDF = withQuery(url.PathEscape(inv.ID)+"/tax-document", "t", ref.Token)
	}
	if inv.Status == billing.InvoiceUncollectible {
		d.Status = billing.InvoiceOpen // still the customer's to pay
	}
	if d.Payable() && pg.InProgress == nil {
		d.Confirming = pg.Confirming != nil
		if f := pg.LastFailure; f != nil && !d.Confirming {
			d.Failure, d.Detail = failureText(l, *f)
		}
	}
	if d.Confirming && msg == l.I.Confirming {
		d.Error = "" // the page says it already
	}
	title := d.Doc.Title
	if inv.Number != "" {
		title += " " + inv.Number
	}
	h.render(w, r, h.pages["invoice"], status, h.branded(page(r, l, title+" · "+pg.Merchant.Name, ref.Scope, ref.Token, d), pg.Merchant))
}

// invoicePDF sends an invoice's PDF to whoever holds its page's link, as
// a download named after the invoice's number.
func (h *handler) invoicePDF(w http.ResponseWriter, r *http.Request) {
	ref, ok := h.hostedRef(w, r, r.URL.Query().Get("t"))
	if !ok {
		return
	}
	pdf, name, err := h.app.PayPages.InvoicePagePDF(r.Context(), ref)
	if err != nil {
		l := pickLang(r)
		h.hostedFail(w, r, l, err, l.NotFoundBody)
		return
	}
	// The name is billing.DocumentFilename's: letters, digits and hyphens.
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	_, _ = w.Write(pdf)
}

// invoiceTaxDocument sends the PDF of an invoice's Chilean tax document,
// as its provider issued it, to whoever holds the invoice page's link.
func (h *handler) invoiceTaxDocument(w http.ResponseWriter, r *http.Request) {
	ref, ok := h.hostedRef(w, r, r.URL.Query().Get("t"))
	if !ok {
		return
	}
	pdf, name, err := h.app.PayPages.InvoicePageTaxDocument(r.Context(), ref)
	if err != nil {
		l := pickLang(r)
		h.hostedFail(w, r, l, err, l.NotFoundBody)
		return
	}
	// The name is billing.TaxDocumentFilename's: letters, digits and hyphens.
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	_, _ = w.Write(pdf)
}

// failureText says why a payment failed, in l's language: the decline's
// reason when known (detail empty), else a general sentence and, for a
// decline, the gateway's own message as detail. A technical failure's
// message is cuota's own (a configuration problem, a gateway that could
// not be reached, sealed credentials without their key): written for the
// operator, it is never shown to the customer.
func failureText(l *lang, p billing.Payment) (msg, detail string) {
	if reason, ok := l.I.Failures[p.FailureCode]; ok {
		return reason + " " + l.I.FailedAgain, ""
	}
	if p.FailureMessage != "" && (p.FailureClass == billing.FailureCustomer || p.FailureClass == billing.FailureHard) {
		detail = fmt.Sprintf(l.I.GatewaySaid, p.FailureMessage)
	}
	return l.I.FailedOther + " " + l.I.FailedAgain, detail
}

// invoicePay takes the invoice page's form: it starts (or continues) a
// payment on the gateway picked and sends the browser to that gateway's
// pay page.
func (h *handler) invoicePay(w http.ResponseWriter, r *http.Request) {
	if !h.parseForm(w, r) {
		return
	}
	ref, ok := h.hostedRef(w, r, r.PostForm.Get("t"))
	if !ok {
		return
	}
	dest, err := h.app.PayPages.PayInvoiceOnPage(r.Context(), ref, r.PostForm.Get("gateway"))
	if err == nil {
		if h.local(dest) {
			http.Redirect(w, r, dest, http.StatusSeeOther)
			return
		}
		l := pickLang(r)
		if pg, err := h.app.PayPages.OpenInvoicePage(r.Context(), ref); err == nil {
			l = pickLang(r, pg.Customer.Locale, pg.Merchant.Locale)
		}
		h.redirectPage(w, r, l, ref.Scope, l.H.Redirecting, l.H.RedirectingBody, dest)
		return
	}
	pg, perr := h.app.PayPages.OpenInvoicePage(r.Context(), ref)
	if perr != nil {
		l := pickLang(r)
		h.hostedFail(w, r, l, perr, l.NotFoundBody)
		return
	}
	l := pickLang(r, pg.Customer.Locale, pg.Merchant.Locale)
	e := billing.AsError(err)
	switch {
	case e != nil && e.Code == billing.CodeInvalidStateTransition:
		// Paid (or voided) meanwhile: the page says so.
		http.Redirect(w, r, withQuery(url.PathEscape(ref.ID), "t", ref.Token), http.StatusSeeOther)
		return
	case e != nil && e.Code == billing.CodePaymentInProgress:
		h.showInvoice(w, r, billing.CodeStatus(e.Code), ref, pg, l.I.Confirming)
		return
	}
	msg, _, status, ok := formError(l, err)
	if !ok {
		h.hostedFail(w, r, l, err, l.NotFoundBody)
		return
	}
	h.showInvoice(w, r, status, ref, pg, msg)
}

// payReturn is where a gateway's pay page sends the customer back (Flow
// POSTs its own token from the browser, Stripe redirects). Nothing in the
// request is believed: the app asks the gateway what became of the
// payment, and the browser goes on to the invoice's page, which says it.
// The link's own token is in the URL's query (?t=).
func (h *handler) payReturn(w http.ResponseWriter, r *http.Request) {
	// The body (Flow's token) is not read: it proves nothing, and a body
	// the form parser refused must not strand the customer here.
	ref, ok := h.hostedRef(w, r, r.URL.Query().Get("t"))
	if !ok {
		return
	}
	dest, err := h.app.PayPages.ReturnFromPayPage(r.Context(), ref)
	if err != nil {
		l := pickLang(r)
		h.hostedFail(w, r, l, err, l.NotFoundBody)
		return
	}
	http.Redirect(w, r, dest, http.StatusSeeOther)
}
