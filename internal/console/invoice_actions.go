package console

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"

	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
)

// The actions on an invoice. Each calls the use case of the matching API
// request (POST /v1/invoices/{id}/pay, /void, /mark_uncollectible, POST
// /v1/credit_notes with a refund) with the user as the audit log's actor.
// What the user can fix comes back as the invoice's page with the error
// in their language; a missing invoice is the 404 page.

// invoiceURL is an invoice's page, with what was just done.
func invoiceURL(id, done string) string {
	u := "/console/invoices/" + url.PathEscape(id)
	if done != "" {
		u += "?done=" + done
	}
	return u
}

// payInvoice charges what is due now to the customer's payment method,
// then shows the invoice with the outcome.
func (h moneyArea) payInvoice(q *req) {
	id := q.r.PathValue("id")
	inv, err := h.app.Collection.PayInvoice(q.ctx, q.scope(), id)
	if err != nil {
		h.invoiceError(q, err)
		return
	}
	d := q.data("", "invoices")
	switch {
	case inv.Status == billing.InvoicePaid:
		d.Notice = q.l.DonePaid
	default:
		pays, err := h.app.Collection.ListPayments(q.ctx, q.scope(), billing.PaymentFilter{InvoiceID: id}, billing.Page{Limit: 1})
		if err != nil {
			h.fail(q, err)
			return
		}
		if p := billing.LatestPayment(pays.Data); p != nil && p.Status == billing.PaymentFailed {
			d.Error = fmt.Sprintf(q.l.DonePayFailed, failureWords(q.l, *p))
		} else {
			d.Notice = q.l.DonePayPending
		}
	}
	h.showInvoice(q, http.StatusOK, d, refundForm{})
}

// voidInvoice voids an open or uncollectible invoice.
func (h moneyArea) voidInvoice(q *req) {
	id := q.r.PathValue("id")
	if _, err := h.app.Collection.VoidInvoice(q.ctx, q.scope(), id); err != nil {
		h.invoiceError(q, err)
		return
	}
	http.Redirect(q.w, q.r, invoiceURL(id, "voided"), http.StatusSeeOther)
}

// markUncollectible marks an open invoice uncollectible.
func (h moneyArea) markUncollectible(q *req) {
	id := q.r.PathValue("id")
	if _, err := h.app.Collection.MarkUncollectible(q.ctx, q.scope(), id); err != nil {
		h.invoiceError(q, err)
		return
	}
	http.Redirect(q.w, q.r, invoiceURL(id, "uncollectible"), http.StatusSeeOther)
}

// refundInvoice refunds all or part of a paid invoice to the card it was
// paid with: a credit note of the amount typed, all of it refunded — the
// API's POST /v1/credit_notes with refund_amount equal to amount. The
// invoice is read once, with what a refund may still return: a refusal
// (a bad amount, more than is left) shows the page from that read.
func (h moneyArea) refundInvoice(q *req) {
	id, s := q.r.PathValue("id"), q.scope()
	form := refundForm{Amount: q.r.PostForm.Get("amount"), Reason: q.r.PostForm.Get("reason")}
	inv, left, err := h.app.Invoicing.GetInvoiceRefundLeft(q.ctx, s, id)
	if err != nil {
		h.fail(q, err)
		return
	}
	again := func(status int, msg string) {
		d := q.data("", "invoices")
		d.Error = msg
		h.showReadInvoice(q, status, d, form, inv, left)
	}
	if form.Reason != "" && !slices.Contains(creditReasons, form.Reason) {
		again(http.StatusBadRequest, q.l.BadForm)
		return
	}
	if form.Amount == "" {
		again(http.StatusBadRequest, q.l.AmountEmpty)
		return
	}
	amount, ok := parseAmount(q.l, form.Amount, inv.Currency)
	if !ok {
		again(http.StatusBadRequest, fmt.Sprintf(q.l.AmountBad, form.Amount, amountExample(q.l, inv.Currency)))
		return
	}
	if amount == 0 {
		again(http.StatusBadRequest, q.l.AmountZero)
		return
	}
	note, err := h.app.Collection.CreateCreditNote(q.ctx, s, app.CreditNoteParams{Invoice: id, Amount: &amount,
		RefundAmount: &amount, Reason: form.Reason})
	if e := billing.AsError(err); e != nil && e.Kind == billing.KindInvalid {
		// Refused before anything was written: the page as read.
		if msg := refundRefusal(q.l, e, inv, left); msg != "" {
			again(e.Kind.HTTPStatus(), msg)
			return
		}
	}
	if err != nil {
		h.invoiceErrorForm(q, err, form)
		return
	}
	d := q.data("", "invoices")
	refund, err := h.refundOf(q, note)
	switch {
	case err != nil:
		h.fail(q, err)
		return
	case refund.Status == billing.RefundSucceeded:
		d.Notice = fmt.Sprintf(q.l.DoneRefunded, fmtMoney(q.l, refund.Amount, refund.Currency))
	case refund.Status == billing.RefundFailed || note.Status == billing.CreditNoteVoid:
		d.Error = q.l.GatewayDown
	default:
		d.Notice = fmt.Sprintf(q.l.DoneRefundPending, fmtMoney(q.l, amount, inv.Currency))
	}
	h.showInvoice(q, http.StatusOK, d, refundForm{})
}

// refundRefusal says, in l, why a refund of inv was refused for its
// amount — more than left, what a refund may still return (nothing at
// all, or at most left) — or "" for another refusal.
func refundRefusal(l *lang, e *billing.Error, inv billing.Invoice, left int64) string {
	switch e.Code {
	case billing.CodeCreditNoteExceedsInvoice, billing.CodeRefundExceedsCharge, billing.CodeAmountInvalid:
		// Zero never gets here (refundInvoice says so first): the amount
		// is more than can be refunded, or more than any amount can be.
		if left == 0 {
			return l.NothingToRefd
		}
		return fmt.Sprintf(l.AmountTooMuch, fmtMoney(l, left, inv.Currency))
	}
	return ""
}

// refundOf is the refund a credit note made (zero when it made none).
func (h moneyArea) refundOf(q *req, note billing.CreditNote) (billing.Refund, error) {
	if note.RefundID == "" {
		return billing.Refund{}, nil
	}
	return h.app.Collection.GetRefund(q.ctx, q.scope(), note.RefundID)
}

// invoiceError answers an action's error on an invoice.
func (h moneyArea) invoiceError(q *req, err error) { h.invoiceErrorForm(q, err, refundForm{}) }

// invoiceErrorForm answers an action's error: a missing invoice is the
// 404 page; what the user can fix (a state that no longer allows it, an
// amount over what is left, no card to charge) is the invoice's page
// again with the error in words and the form as it was sent, the invoice
// read once for both; anything else goes to fail.
func (h moneyArea) invoiceErrorForm(q *req, err error, form refundForm) {
	e := billing.AsError(err)
	if e == nil || e.Kind == billing.KindNotFound {
		h.fail(q, err)
		return
	}
	inv, left, gerr := h.app.Invoicing.GetInvoiceRefundLeft(q.ctx, q.scope(), q.r.PathValue("id"))
	if gerr != nil {
		h.fail(q, gerr)
		return
	}
	msg := moneyMessage(q.l, e, inv, left)
	if msg == "" {
		h.fail(q, err)
		return
	}
	d := q.data("", "invoices")
	d.Error = msg
	h.showReadInvoice(q, e.Kind.HTTPStatus(), d, form, inv, left)
}

// moneyMessage is an action's error on inv (of which a refund may still
// return left) in the user's words, or "" when the page cannot say more
// than fail does.
func moneyMessage(l *lang, e *billing.Error, inv billing.Invoice, left int64) string {
	switch {
	case e.Code == billing.CodeInvalidStateTransition:
		return l.Errors["state"]
	case e.Code == billing.CodeCreditNoteExceedsInvoice || e.Code == billing.CodeRefundExceedsCharge ||
		e.Code == billing.CodeAmountInvalid:
		return refundRefusal(l, e, inv, left)
	case e.Param == "payment_method":
		return l.NoMethodToCharge
	case e.Kind == billing.KindUnavailable:
		return l.GatewayDown
	case e.Kind == billing.KindConflict:
		return l.ChargeWaiting
	}
	return ""
}
