package app

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/cuota/cuota/internal/billing"
)

// Credit note events.
const (
	EventCreditNoteCreated = "credit_note.created"
	EventCreditNoteVoided  = "credit_note.voided"
)

// maxCreditNoteLines bounds the lines one credit note may have.
const maxCreditNoteLines = 100

// CreditNoteLineParams is one line asked for: part of an invoice line
// (InvoiceLine set; its description is the invoice line's unless given)
// or a free line with its description.
type CreditNoteLineParams struct {
	InvoiceLine string
	Description string
	Amount      int64
}

// CreditNoteParams ask for a credit note of a paid invoice: Amount, or
// Lines whose amounts add up to it, tax included; and how it leaves
// (RefundAmount, CreditAmount, OutOfBandAmount; none given = all to the
// customer's balance).
type CreditNoteParams struct {
	Invoice         string
	Amount          *int64
	Lines           []CreditNoteLineParams
	Reason          string
	Memo            string
	RefundAmount    *int64
	CreditAmount    *int64
	OutOfBandAmount *int64
}

// check validates what needs no store.
func (p CreditNoteParams) check() error {
	var v validator
	v.required("invoice", p.Invoice)
	if (p.Amount == nil) == (len(p.Lines) == 0) {
		v.fail("amount", billing.CodeParameterInvalid, "give either amount or lines")
	}
	if p.Amount != nil {
		v.amount("amount", *p.Amount)
	}
	if len(p.Lines) > maxCreditNoteLines {
		v.fail("lines", billing.CodeParameterInvalid, "at most %d lines", maxCreditNoteLines)
	}
	for i, l := range p.Lines {
		param := "lines[" + strconv.Itoa(i) + "]"
		v.amount(param+"[amount]", l.Amount)
		if l.Amount == 0 {
			v.fail(param+"[amount]", billing.CodeAmountInvalid, "a line must credit a positive amount")
		}
		v.maxLen(param+"[description]", l.Description, maxNameLen)
		if l.InvoiceLine == "" && l.Description == "" {
			v.fail(param+"[description]", billing.CodeParameterMissing, "a line without invoice_line needs a description")
		}
	}
	if !billing.ValidCreditReason(p.Reason) {
		v.fail("reason", billing.CodeParameterInvalid, "reason must be duplicate, fraudulent, order_change or product_unsatisfactory")
	}
	v.maxLen("memo", p.Memo, maxTextLen)
	for param, n := range map[string]*int64{"refund_amount": p.RefundAmount, "credit_amount": p.CreditAmount, "out_of_band_amount": p.OutOfBandAmount} {
		if n != nil {
			v.amount(param, *n)
		}
	}
	return v.err()
}

// split is the split asked for, nil when none was.
func (p CreditNoteParams) split() *billing.CreditSplit {
	if p.RefundAmount == nil && p.CreditAmount == nil && p.OutOfBandAmount == nil {
		return nil
	}
	val := func(n *int64) int64 {
		if n == nil {
			return 0
		}
		return *n
	}
	return &billing.CreditSplit{Refund: val(p.RefundAmount), Credit: val(p.CreditAmount), OutOfBand: val(p.OutOfBandAmount)}
}

// creditPlan is a credit note decided but not written, with the payment
// its refund comes from.
type creditPlan struct {
	note billing.CreditNote
	pay  billing.Payment // zero when the invoice has no succeeded payment
}

// PreviewCreditNote returns the credit note CreateCreditNote would make
// now, without making it (no number yet).
func (a *Collection) PreviewCreditNote(ctx context.Context, s billing.Scope, p CreditNoteParams) (billing.CreditNote, error) {
	if err := p.check(); err != nil {
		return billing.CreditNote{}, err
	}
	return read(ctx, a.core, func(tx billing.Tx) (billing.CreditNote, error) {
		plan, err := a.planCreditNote(ctx, tx, s, p)
		return plan.note, err
	})
}

// CreateCreditNote credits a paid invoice: its refund part goes back to
// the card (a refund, called after the commit like CreateRefund's), its
// credit part to the customer's balance. It never credits more than is
// left of the invoice.
func (a *Collection) CreateCreditNote(ctx context.Context, s billing.Scope, p CreditNoteParams) (billing.CreditNote, error) {
	if err := p.check(); err != nil {
		return billing.CreditNote{}, err
	}
	var plan creditPlan
	var ref billing.Refund
	var email string
	err := a.store.InTx(ctx, func(tx billing.Tx) error {
		var err error
		if plan, err = a.planCreditNote(ctx, tx, s, p); err != nil {
			return err
		}
		if plan.note.RefundAmount > 0 {
			if email, err = a.customerEmail(ctx, tx, s, plan.pay.CustomerID); err != nil {
				return err
			}
			if ref, err = a.reserveRefund(ctx, tx, &plan.pay, plan.note.RefundAmount, plan.note.Reason, plan.note.Created); err != nil {
				return err
			}
			plan.note.RefundID = ref.ID
		}
		return a.issueCreditNote(ctx, tx, &plan.note)
	})
	if err != nil {
		return billing.CreditNote{}, err
	}
	if ref.ID == "" {
		return plan.note, nil
	}
	_, refErr := a.sendRefund(ctx, s, plan.pay, ref, email)
	// A refund the gateway refused voided the note: read what it is now.
	note, err := read(ctx, a.core, func(tx billing.Tx) (billing.CreditNote, error) {
		return tx.Credits.GetCreditNote(ctx, s, plan.note.ID)
	})
	if err != nil {
		return plan.note, fmt.Errorf("read credit note %s: %w", plan.note.ID, err)
	}
	return note, refErr
}

// planCreditNote decides the credit note p asks for, reading what it
// needs in tx and writing nothing.
func (a *Collection) planCreditNote(ctx context.Context, tx billing.Tx, s billing.Scope, p CreditNoteParams) (creditPlan, error) {
	inv, err := tx.Invoices.GetInvoice(ctx, s, p.Invoice)
	if err != nil {
		return creditPlan{}, referenced(err, "invoice", p.Invoice)
	}
	now, err := a.customerNow(ctx, tx, s, inv.CustomerID)
	if err != nil {
		return creditPlan{}, err
	}
	note := billing.CreditNote{ID: billing.NewID(billing.PrefixCreditNote, a.Now()), Scope: s, InvoiceID: inv.ID,
		CustomerID: inv.CustomerID, Currency: inv.Currency, Status: billing.CreditNoteIssued, Reason: p.Reason,
		Memo: p.Memo, Lines: []billing.CreditNoteLine{}, Created: now, Updated: now}
	if p.Amount != nil {
		note.Total = *p.Amount
	}
	for i, lp := range p.Lines {
		l := billing.CreditNoteLine{ID: billing.PrefixCreditNoteLine + strconv.Itoa(i+1), InvoiceLineID: lp.InvoiceLine,
			Description: lp.Description, Amount: lp.Amount}
		if lp.InvoiceLine != "" {
			il, ok := invoiceLine(inv, lp.InvoiceLine)
			if !ok {
				return creditPlan{}, billing.Invalid("lines["+strconv.Itoa(i)+"][invoice_line]", billing.CodeResourceMissing, "invoice %s has no line %q", inv.ID, lp.InvoiceLine)
			}
			if l.Description == "" {
				l.Description = il.Description
			}
		}
		note.Lines = append(note.Lines, l)
		note.Total += l.Amount
	}
	credited, err := tx.Credits.CreditedAmount(ctx, s, inv.ID)
	if err != nil {
		return creditPlan{}, fmt.Errorf("read credited amount of %s: %w", inv.ID, err)
	}
	pay, err := invoiceCharge(ctx, tx, inv)
	if err != nil {
		return creditPlan{}, err
	}
	split, err := billing.DecideCredit(inv, credited, pay.Amount-pay.AmountRefunded, note.Total, p.split())
	if err != nil {
		return creditPlan{}, err
	}
	note.RefundAmount, note.CreditAmount, note.OutOfBandAmount = split.Refund, split.Credit, split.OutOfBand
	// The tax it returns: the invoice's rule for refunds, counted after
	// what earlier credit notes returned (billing.RefundTax).
	if note.Tax, note.TaxAmounts, err = billing.RefundTax(inv, credited, note.Total); err != nil {
		return creditPlan{}, err
	}
	note.Subtotal = note.Total - note.Tax
	if note.CreditAmount > 0 {
		bal, err := customerBalance(ctx, tx, s, inv.CustomerID)
		if err != nil {
			return creditPlan{}, err
		}
		if bal.Currency != "" && bal.Currency != inv.Currency {
			return creditPlan{}, billing.Invalid("credit_amount", billing.CodeBalanceCurrencyMismatch, "the customer's balance is in %s, the invoice in %s", bal.Currency, inv.Currency)
		}
	}
	return creditPlan{note: note, pay: pay}, nil
}

// refundLeft is the most a refund of inv can still return
// (billing.RefundLeft), from what planCreditNote decides with: the amount
// credit notes credited and the succeeded payment's unrefunded part. An
// invoice that is not paid reads nothing.
func refundLeft(ctx context.Context, tx billing.Tx, inv billing.Invoice) (int64, error) {
	if inv.Status != billing.InvoicePaid {
		return 0, nil
	}
	credited, err := tx.Credits.CreditedAmount(ctx, inv.Scope, inv.ID)
	if err != nil {
		return 0, fmt.Errorf("read credited amount of %s: %w", inv.ID, err)
	}
	pay, err := invoiceCharge(ctx, tx, inv)
	if err != nil {
		return 0, err
	}
	return billing.RefundLeft(inv, credited, pay.Amount-pay.AmountRefunded), nil
}

// invoiceLine finds a line of inv by id.
func invoiceLine(inv billing.Invoice, id string) (billing.InvoiceLine, bool) {
	for _, l := range inv.Lines {
		if l.ID == id {
			return l, true
		}
	}
	return billing.InvoiceLine{}, false
}

// invoiceCharge returns the succeeded payment of inv (an invoice is paid
// by one), or a zero payment when it has none (paid by its balance, or
// nothing was due).
func invoiceCharge(ctx context.Context, tx billing.Tx, inv billing.Invoice) (billing.Payment, error) {
	l, _, err := tx.Payments.ListPayments(ctx, inv.Scope, billing.PaymentFilter{InvoiceID: inv.ID, Status: billing.PaymentSucceeded}, billing.Page{Limit: 1})
	if err != nil {
		return billing.Payment{}, fmt.Errorf("read payments of %s: %w", inv.ID, err)
	}
	if len(l) == 0 {
		return billing.Payment{}, nil
	}
	return l[0], nil
}

// issueCreditNote writes a planned note: its credit on the customer's
// balance, then its number — taken last, so the counter row is held as
// briefly as possible — the note, its audit entry and its event.
func (a *Collection) issueCreditNote(ctx context.Context, tx billing.Tx, note *billing.CreditNote) error {
	s := note.Scope
	m, err := tx.Merchants.GetMerchant(ctx, s.MerchantID)
	if err != nil {
		return fmt.Errorf("read merchant %s: %w", s.MerchantID, err)
	}
	if note.CreditAmount > 0 {
		bt, err := a.moveBalance(ctx, tx, billing.BalanceTransaction{Scope: s, CustomerID: note.CustomerID,
			Type: billing.BalanceCreditNote, Amount: -note.CreditAmount, Currency: note.Currency,
			InvoiceID: note.InvoiceID, CreditNoteID: note.ID, Created: note.Created})
		if err != nil {
			return err
		}
		note.BalanceTransactionID = bt.ID
	}
	n, err := tx.Credits.NextCreditNoteNumber(ctx, s)
	if err != nil {
		return fmt.Errorf("number credit note: %w", err)
	}
	note.Number = billing.CreditNoteNumber(m.InvoicePrefix, n)
	if err := tx.Credits.CreateCreditNote(ctx, *note); err != nil {
		return fmt.Errorf("create credit note: %w", err)
	}
	if err := a.audit(ctx, tx, change{merchantID: s.MerchantID, mode: s.Mode, action: "credit_note.create",
		objectType: "credit_note", objectID: note.ID, after: *note}); err != nil {
		return err
	}
	return a.emit(ctx, tx, s, EventCreditNoteCreated, "credit_note", note.ID, *note, note.Created)
}

// creditRefundedInvoice issues the credit note of a refund asked for
// directly (POST /v1/refunds) of a paid invoice's payment: the money goes
// back to the card, and the invoice records it. A refund that would credit
// more than is left of the invoice is refused.
func (a *Collection) creditRefundedInvoice(ctx context.Context, tx billing.Tx, pay billing.Payment, ref billing.Refund) error {
	if pay.InvoiceID == "" {
		return nil
	}
	inv, err := tx.Invoices.GetInvoice(ctx, pay.Scope, pay.InvoiceID)
	if err != nil {
		return fmt.Errorf("read invoice %s: %w", pay.InvoiceID, err)
	}
	if inv.Status != billing.InvoicePaid {
		return nil
	}
	credited, err := tx.Credits.CreditedAmount(ctx, inv.Scope, inv.ID)
	if err != nil {
		return fmt.Errorf("read credited amount of %s: %w", inv.ID, err)
	}
	split, err := billing.DecideCredit(inv, credited, ref.Amount, ref.Amount, &billing.CreditSplit{Refund: ref.Amount})
	if err != nil {
		return err
	}
	note := billing.CreditNote{ID: billing.NewID(billing.PrefixCreditNote, a.Now()), Scope: inv.Scope, InvoiceID: inv.ID,
		CustomerID: inv.CustomerID, Currency: inv.Currency, Status: billing.CreditNoteIssued,
		Lines: []billing.CreditNoteLine{}, Total: ref.Amount, RefundAmount: split.Refund, RefundID: ref.ID,
		Created: ref.Created, Updated: ref.Created}
	if billing.ValidCreditReason(ref.Reason) {
		note.Reason = ref.Reason
	}
	note.Tax, note.TaxAmounts = ref.Tax, ref.TaxAmounts // the refund's tax part is the note's (refundTax)
	note.Subtotal = note.Total - note.Tax
	return a.issueCreditNote(ctx, tx, &note)
}

// VoidCreditNote voids an issued credit note: what it credited to the
// customer's balance is taken back, and the invoice can be credited by as
// much again. A note that refunded money cannot be voided (the money is
// gone); only a refund the gateway refused voids it.
func (a *Collection) VoidCreditNote(ctx context.Context, s billing.Scope, id string) (billing.CreditNote, error) {
	var note billing.CreditNote
	err := a.store.InTx(ctx, func(tx billing.Tx) error {
		var err error
		if note, err = tx.Credits.GetCreditNote(ctx, s, id); err != nil {
			return notFound(err, "credit_note", id)
		}
		if note.Status != billing.CreditNoteIssued {
			return billing.Errorf(billing.KindConflict, billing.CodeInvalidStateTransition, "cannot void a credit note that is %s", note.Status)
		}
		if note.RefundAmount > 0 {
			return billing.Errorf(billing.KindConflict, billing.CodeInvalidStateTransition, "cannot void a credit note that is refunded to the card")
		}
		now, err := a.customerNow(ctx, tx, s, note.CustomerID)
		if err != nil {
			return err
		}
		return a.voidCreditNote(ctx, tx, &note, now)
	})
	return note, err
}

// voidCreditNote voids note at now, taking back its balance credit.
func (a *Collection) voidCreditNote(ctx context.Context, tx billing.Tx, note *billing.CreditNote, now time.Time) error {
	s := note.Scope
	before := *note
	if note.CreditAmount > 0 {
		if _, err := a.moveBalance(ctx, tx, billing.BalanceTransaction{Scope: s, CustomerID: note.CustomerID,
			Type: billing.BalanceCreditNote, Amount: note.CreditAmount, Currency: note.Currency,
			InvoiceID: note.InvoiceID, CreditNoteID: note.ID, Created: now}); err != nil {
			return err
		}
	}
	note.Status = billing.CreditNoteVoid
	note.VoidedAt = &now
	note.Updated = now
	if err := tx.Credits.UpdateCreditNote(ctx, *note); err != nil {
		return fmt.Errorf("void credit note %s: %w", note.ID, err)
	}
	if err := a.audit(ctx, tx, change{merchantID: s.MerchantID, mode: s.Mode, action: "credit_note.void",
		objectType: "credit_note", objectID: note.ID, before: before, after: *note}); err != nil {
		return err
	}
	return a.emit(ctx, tx, s, EventCreditNoteVoided, "credit_note", note.ID, *note, now)
}

// voidRefundedCreditNote voids the credit note of a refund the gateway
// refused: no money went back, so nothing is credited.
func (a *Collection) voidRefundedCreditNote(ctx context.Context, tx billing.Tx, ref billing.Refund, now time.Time) error {
	note, err := tx.Credits.GetCreditNoteByRefund(ctx, ref.Scope, ref.ID)
	if err != nil {
		return ignoreNotFound(err, "read credit note of refund "+ref.ID)
	}
	if note.Status != billing.CreditNoteIssued {
		return nil
	}
	return a.voidCreditNote(ctx, tx, &note, now)
}

// GetCreditNote returns a credit note of scope s.
func (a *Collection) GetCreditNote(ctx context.Context, s billing.Scope, id string) (billing.CreditNote, error) {
	return read(ctx, a.core, func(tx billing.Tx) (billing.CreditNote, error) {
		v, err := tx.Credits.GetCreditNote(ctx, s, id)
		if err != nil {
			return v, notFound(err, "credit_note", id)
		}
		one := []billing.CreditNote{v}
		err = withCreditNoteDocuments(ctx, tx, s, one)
		return one[0], err
	})
}

// ListCreditNotes lists credit notes of scope s, newest first.
func (a *Collection) ListCreditNotes(ctx context.Context, s billing.Scope, f billing.CreditNoteFilter, page billing.Page) (List[billing.CreditNote], error) {
	return list(ctx, a.core, page, billing.PrefixCreditNote, func(tx billing.Tx, page billing.Page) ([]billing.CreditNote, bool, error) {
		notes, more, err := tx.Credits.ListCreditNotes(ctx, s, f, page)
		if err != nil {
			return nil, false, err
		}
		return notes, more, withCreditNoteDocuments(ctx, tx, s, notes)
	})
}

// CreditNotePDF renders a credit note of scope s as a PDF and returns it
// with the note.
func (a *Collection) CreditNotePDF(ctx context.Context, s billing.Scope, id string) ([]byte, string, error) {
	var m billing.Merchant
	var c billing.Customer
	var inv billing.Invoice
	var note billing.CreditNote
	var logo []byte
	err := a.store.InTx(ctx, func(tx billing.Tx) error {
		var err error
		if note, err = tx.Credits.GetCreditNote(ctx, s, id); err != nil {
			return notFound(err, "credit_note", id)
		}
		if inv, err = tx.Invoices.GetInvoice(ctx, s, note.InvoiceID); err != nil {
			return fmt.Errorf("read invoice %s: %w", note.InvoiceID, err)
		}
		if m, err = tx.Merchants.GetMerchant(ctx, s.MerchantID); err != nil {
			return fmt.Errorf("read merchant: %w", err)
		}
		if c, err = tx.Customers.GetCustomer(ctx, s, note.CustomerID); err != nil {
			return fmt.Errorf("read customer %s: %w", note.CustomerID, err)
		}
		logo, err = pngLogo(ctx, tx, m)
		return err
	})
	if err != nil {
		return nil, "", err
	}
	pdf, err := a.renderCreditNotePDF(m, c, inv, note, logo)
	return pdf, CreditNoteFilename(m, c, note), err
}

// renderCreditNotePDF is the one place a credit note becomes a PDF (the
// API and its email).
func (a *core) renderCreditNotePDF(m billing.Merchant, c billing.Customer, inv billing.Invoice, note billing.CreditNote, logo []byte) ([]byte, error) {
	r, ok := a.ports.InvoicePDF.(CreditNotePDFRenderer)
	if !ok {
		return nil, fmt.Errorf("render credit note %s: the PDF adapter renders no credit notes", note.ID)
	}
	h := documentHeader(m, c, billing.DocumentCreditNote, note.Scope.Mode, logo)
	pdf, err := r.RenderCreditNotePDF(CreditNoteDocument{DocumentHeader: h, Invoice: inv, CreditNote: note})
	if err != nil {
		return nil, fmt.Errorf("render credit note %s as PDF: %w", note.ID, err)
	}
	return pdf, nil
}
