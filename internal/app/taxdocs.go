package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cuota/cuota/internal/billing"
)

// Events of tax documents (docs/dte.md).
const (
	// EventInvoiceTaxDocumentIssued: the provider issued the invoice's
	// document (folio known); the SII decides later.
	EventInvoiceTaxDocumentIssued = "invoice.tax_document_issued"
	// EventInvoiceTaxDocumentRejected: the provider refused the document's
	// data or the SII rejected it; the merchant fixes the data and issues
	// it again.
	EventInvoiceTaxDocumentRejected = "invoice.tax_document_rejected"
)

// EmitTaxDocumentArgs is the job that carries one emission to its end:
// issue (or look up), then follow the SII's decision.
type EmitTaxDocumentArgs struct {
	MerchantID    string       `json:"merchant_id"`
	Mode          billing.Mode `json:"mode"`
	TaxDocumentID string       `json:"tax_document_id"`
}

// Kind implements billing.Job (and River's JobArgs).
func (EmitTaxDocumentArgs) Kind() string { return "emit_tax_document" }

// queueTaxDocument records the emission of an invoice's tax document at
// moment at (billing.DTEIssuesAt: when paid, or a send_invoice invoice
// when finalized) and enqueues its job, in the caller's transaction (the
// dispatcher's, on invoice.paid or invoice.finalized). The record is written before the provider is ever
// called, under the deterministic key, so however often this runs the
// invoice gets one emission. Merchants without DTE enabled, and invoices
// no SII document can carry, get none.
func (a *core) queueTaxDocument(ctx context.Context, tx billing.Tx, inv billing.Invoice, at billing.DTEMoment) error {
	if !billing.DTEApplies(inv) {
		return nil
	}
	settings, err := tx.DTE.GetDTESettings(ctx, inv.Scope)
	if errors.Is(err, billing.ErrNotFound) || (err == nil && (!settings.Enabled || !billing.DTEIssuesAt(settings.IssueOn, inv, at))) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read dte settings: %w", err)
	}
	existing, err := tx.DTE.ListInvoiceTaxDocuments(ctx, inv.Scope, inv.ID)
	if err != nil {
		return fmt.Errorf("read tax documents: %w", err)
	}
	for _, d := range existing {
		if d.Type != billing.DTENotaDeCredito {
			return nil // the invoice has its emission
		}
	}
	c, err := tx.Customers.GetCustomer(ctx, inv.Scope, inv.CustomerID)
	if err != nil {
		return fmt.Errorf("read customer: %w", err)
	}
	return a.createEmission(ctx, tx, settings, inv, "", billing.ChooseDTE(inv, c), 1)
}

// queueCreditNoteDocument records the nota de crédito of a credit note
// on an invoice whose document was issued, and enqueues its job, in the
// caller's transaction (the dispatcher's, on credit_note.created).
func (a *core) queueCreditNoteDocument(ctx context.Context, tx billing.Tx, note billing.CreditNote) error {
	settings, err := tx.DTE.GetDTESettings(ctx, note.Scope)
	if errors.Is(err, billing.ErrNotFound) || (err == nil && !settings.Enabled) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read dte settings: %w", err)
	}
	inv, err := tx.Invoices.GetInvoice(ctx, note.Scope, note.InvoiceID)
	if err != nil {
		return fmt.Errorf("read invoice: %w", err)
	}
	one := []billing.Invoice{inv}
	if err := withTaxDocuments(ctx, tx, note.Scope, one); err != nil {
		return err
	}
	orig := one[0].TaxDocument
	if orig == nil || orig.Status == billing.DTERejected {
		return nil // no document to correct
	}
	return a.createEmission(ctx, tx, settings, inv, note.ID, billing.DTENotaDeCredito, 1)
}

// createEmission writes a pending emission (of the invoice, or of one of
// its credit notes) and enqueues its job.
func (a *core) createEmission(ctx context.Context, tx billing.Tx, settings billing.DTESettings, inv billing.Invoice, creditNoteID string, t billing.DTEType, attempt int) error {
	now := a.Now()
	source := inv.ID
	if creditNoteID != "" {
		source = creditNoteID
	}
	d := billing.TaxDocument{ID: billing.NewID(billing.PrefixTaxDocument, now), Scope: inv.Scope, InvoiceID: inv.ID, CreditNoteID: creditNoteID,
		Type: t, Attempt: attempt, Key: billing.DTEEmissionKey(source, t, attempt), Provider: settings.Provider,
		Status: billing.DTEPending, NextTry: &now, Created: now, Updated: now}
	inserted, err := tx.DTE.CreateTaxDocument(ctx, d)
	if err != nil {
		return fmt.Errorf("record tax document: %w", err)
	}
	if !inserted {
		return nil
	}
	if err := tx.Jobs.Enqueue(ctx, EmitTaxDocumentArgs{MerchantID: d.Scope.MerchantID, Mode: d.Scope.Mode, TaxDocumentID: d.ID}); err != nil {
		return fmt.Errorf("enqueue tax document %s: %w", d.ID, err)
	}
	return nil
}

// TaxDocumentStep is what one run of an emission did: Done when it is
// final (or needs the merchant), else Retry is when to run again.
type TaxDocumentStep struct {
	Done     bool
	Retry    time.Duration
	Document billing.TaxDocument
}

// emissionInput is what a step reads in its first transaction.
type emissionInput struct {
	doc   billing.TaxDocument
	prev  time.Time // doc.Updated as read, for the compare and set
	creds DTECredentials
	built billing.DTEDocument
	// refused is set when billing cannot lay the invoice out as a
	// document: the emission is rejected without calling anyone.
	refused error
	// waiting is set for a nota de crédito whose original document has
	// no folio yet.
	waiting bool
}

// EmitTaxDocument runs one step of an emission (the job's work): a
// pending one is issued, an unknown one looked up (only within
// billing.DTELookupWindow of its first sending: never issued blindly
// again), an issued one asked for the SII's decision. The outcome moves
// the emission through billing.MoveDTE in a second transaction, with its
// event. A provider that is down changes nothing but the next try, with
// backoff: the invoice is paid already and stays so.
func (a *Invoicing) EmitTaxDocument(ctx context.Context, args EmitTaxDocumentArgs) (TaxDocumentStep, error) {
	s := billing.Scope{MerchantID: args.MerchantID, Mode: args.Mode}
	provider := a.ports.DTE
	in, err := a.readEmission(ctx, s, args.TaxDocumentID)
	if errors.Is(err, billing.ErrNotFound) {
		return TaxDocumentStep{Done: true}, nil
	}
	if err != nil {
		return TaxDocumentStep{}, err
	}
	d := in.doc
	if d.Status.Final() {
		return TaxDocumentStep{Done: true, Document: d}, nil
	}
	now := a.Now()
	var outcome billing.DTEOutcome
	var issue DTEIssue
	var report DTEStatusReport
	var callErr error
	var answered bool
	switch {
	case in.refused != nil:
		outcome, callErr = billing.DTEProviderRefused, in.refused
	case provider == nil:
		outcome, callErr = billing.DTENotSent, errors.New("no DTE provider configured")
	case in.waiting:
		outcome, callErr = billing.DTENotSent, errors.New("waiting for the original document's folio")
	case d.Status == billing.DTEIssued:
		report, callErr = provider.Status(ctx, in.creds, d.ProviderID)
		outcome, answered = report.Outcome, callErr == nil
	case d.Status == billing.DTEUnknown && (d.FirstSent == nil || !billing.CanLookUpDTE(*d.FirstSent, now)):
		// Past the provider's memory of the key a replay could issue a
		// second document: the merchant checks the provider's portal.
		return a.finishEmission(ctx, in, "", DTEIssue{}, DTEStatusReport{},
			errors.New("the provider's answer was lost and can no longer be looked up by key: check the provider's portal"), now, stepCall{stuck: true})
	default:
		if d.FirstSent == nil {
			// Record the first sending before it happens: the lookup
			// window runs from here.
			if in, err = a.markSent(ctx, in, now); err != nil {
				return TaxDocumentStep{}, err
			}
		}
		switch {
		case d.Status == billing.DTEUnknown:
			issue, callErr = provider.LookUp(ctx, in.creds, in.built)
		case d.Type == billing.DTENotaDeCredito:
			issue, callErr = provider.IssueCreditNote(ctx, in.creds, in.built)
		default:
			issue, callErr = provider.Issue(ctx, in.creds, in.built)
		}
		outcome = billing.DTEProviderIssued
		answered = callErr == nil // a lookup that finds nothing is an answer too
		if callErr == nil && !issue.Found {
			outcome, callErr = billing.DTENotSent, errors.New("the provider holds nothing under the key")
		}
	}
	call := stepCall{called: in.refused == nil && !in.waiting && provider != nil}
	if callErr != nil && in.refused == nil && !in.waiting {
		outcome = DTEOutcomeOf(callErr)
	}
	call.answered = call.called && (answered || outcome == billing.DTEProviderRefused)
	return a.finishEmission(ctx, in, outcome, issue, report, callErr, now, call)
}

// readEmission reads the emission, its settings' credentials and, for a
// document still to be issued, the document billing lays out.
func (a *Invoicing) readEmission(ctx context.Context, s billing.Scope, id string) (emissionInput, error) {
	var in emissionInput
	err := a.store.InTx(ctx, func(tx billing.Tx) error {
		d, err := tx.DTE.GetTaxDocument(ctx, s, id)
		if err != nil {
			return err
		}
		in.doc, in.prev = d, d.Updated
		if d.Status.Final() {
			return nil
		}
		settings, err := tx.DTE.GetDTESettings(ctx, s)
		if err != nil {
			return fmt.Errorf("read dte settings: %w", err)
		}
		creds, err := a.openDTECredentials(settings)
		if err != nil {
			return err
		}
		in.creds = DTECredentials{APIKey: creds.APIKey, BaseURL: creds.BaseURL, Mode: s.Mode}
		if d.Status == billing.DTEIssued {
			return nil
		}
		inv, err := tx.Invoices.GetInvoice(ctx, s, d.InvoiceID)
		if err != nil {
			return fmt.Errorf("read invoice: %w", err)
		}
		c, err := tx.Customers.GetCustomer(ctx, s, inv.CustomerID)
		if err != nil {
			return fmt.Errorf("read customer: %w", err)
		}
		m, err := tx.Merchants.GetMerchant(ctx, s.MerchantID)
		if err != nil {
			return fmt.Errorf("read merchant: %w", err)
		}
		issuer := billing.DTEIssuer{RUT: m.Profile.TaxID, LegalName: m.Profile.LegalName, Activity: m.Profile.Activity,
			ActivityCode: int(settings.ActivityCode), Address: m.Profile.Address}
		if d.Type != billing.DTENotaDeCredito {
			in.built, in.refused = billing.BuildDTE(d.Type, d.Key, inv, issuer, billing.DTEReceptorOf(c), dteDate(inv, m, d.Created))
			return nil
		}
		note := voidingNote(inv)
		if d.CreditNoteID != "" {
			if note, err = tx.Credits.GetCreditNote(ctx, s, d.CreditNoteID); err != nil {
				return fmt.Errorf("read credit note: %w", err)
			}
		}
		one := []billing.Invoice{inv}
		if err := withTaxDocuments(ctx, tx, s, one); err != nil {
			return err
		}
		orig := one[0].TaxDocument
		if orig == nil || orig.Folio == 0 || (orig.Status != billing.DTEIssued && orig.Status != billing.DTEAccepted) {
			// The original has no folio yet: wait for it (or for the
			// merchant, if it was rejected).
			in.waiting = true
			return nil
		}
		in.built, in.refused = billing.BuildCreditNoteDTE(d.Key, *orig, dteDate(inv, m, orig.Created), inv, note, issuer,
			billing.DTEReceptorOf(c), dteDate(billing.Invoice{}, m, note.Created))
		return nil
	})
	return in, err
}

// dteDate is the document's emission date: the day the invoice was paid
// (else the emission was recorded), in the merchant's time zone, as the
// SII reads dates.
func dteDate(inv billing.Invoice, m billing.Merchant, recorded time.Time) time.Time {
	at := recorded
	if inv.PaidAt != nil {
		at = *inv.PaidAt
	}
	at = at.In(merchantLocation(m))
	return time.Date(at.Year(), at.Month(), at.Day(), 0, 0, 0, 0, time.UTC)
}

// markSent records the first sending of an emission before it happens.
func (a *Invoicing) markSent(ctx context.Context, in emissionInput, now time.Time) (emissionInput, error) {
	err := a.store.InTx(ctx, func(tx billing.Tx) error {
		d := in.doc
		d.FirstSent, d.Updated = &now, now
		ok, err := tx.DTE.UpdateTaxDocument(ctx, d, in.prev)
		if err != nil {
			return fmt.Errorf("record first sending: %w", err)
		}
		if !ok {
			return errEmissionMoved
		}
		in.doc, in.prev = d, d.Updated
		return nil
	})
	return in, err
}

// errEmissionMoved: another worker changed the emission meanwhile; this
// run stops and the job tries again from what was recorded.
var errEmissionMoved = errors.New("the tax document changed meanwhile")

// finishEmission records a step's outcome: the state MoveDTE gives, the
// provider's ids, the next try with backoff, and the event of a document
// issued or rejected. stuck ends an unknown emission that can no longer
// be looked up, for the merchant to settle.
func (a *Invoicing) finishEmission(ctx context.Context, in emissionInput, outcome billing.DTEOutcome, issue DTEIssue,
	report DTEStatusReport, callErr error, now time.Time, call stepCall) (TaxDocumentStep, error) {
	stuck := call.stuck
	d := in.doc
	from := d.Status
	if !stuck {
		to, err := billing.MoveDTE(from, outcome)
		if err != nil {
			return TaxDocumentStep{}, err
		}
		d.Status = to
	}
	d.Tries++
	if outcome == billing.DTEProviderIssued {
		d.ProviderID, d.Folio, d.TrackID = issue.ProviderID, issue.Folio, issue.TrackID
		d.Reason = issue.Warning
	}
	if report.Text != "" {
		d.SIIStatus = report.Text
	}
	if callErr != nil {
		d.Reason = dteReason(callErr)
	}
	step := TaxDocumentStep{}
	switch {
	case d.Status.Final() || stuck:
		d.NextTry, step.Done = nil, true
	default:
		step.Retry = billing.DTERetryDelay(d.Tries)
		next := now.Add(step.Retry)
		d.NextTry = &next
	}
	d.Updated = now
	err := a.store.InTx(ctx, func(tx billing.Tx) error {
		ok, err := tx.DTE.UpdateTaxDocument(ctx, d, in.prev)
		if err != nil {
			return fmt.Errorf("record tax document outcome: %w", err)
		}
		if !ok {
			return errEmissionMoved
		}
		inv, err := tx.Invoices.GetInvoice(ctx, d.Scope, d.InvoiceID)
		if err != nil {
			return fmt.Errorf("read invoice: %w", err)
		}
		if err := a.taxDocumentAlerts(ctx, tx, d, inv, call, now); err != nil {
			return err
		}
		var typ string
		switch {
		case d.Status == billing.DTEIssued && from != billing.DTEIssued:
			typ = EventInvoiceTaxDocumentIssued
		case d.Status == billing.DTERejected:
			typ = EventInvoiceTaxDocumentRejected
		default:
			return nil
		}
		inv.TaxDocument = &d
		return a.emit(ctx, tx, d.Scope, typ, "invoice", inv.ID, inv, now)
	})
	if err != nil {
		return TaxDocumentStep{}, err
	}
	step.Document = d
	return step, nil
}

// dteReason is what the merchant reads about a failed call: the
// provider's code and message, never a transport error's details.
func dteReason(err error) string {
	var e *DTEError
	if errors.As(err, &e) {
		if e.Code != "" {
			return e.Code + ": " + e.Message
		}
		if e.Message != "" {
			return e.Message
		}
		return string(e.Kind)
	}
	var be *billing.Error
	if errors.As(err, &be) {
		return be.Message
	}
	return err.Error()
}

// withTaxDocuments fills each invoice's TaxDocument: the emission that
// stands (the latest of the invoice's own, not a nota de crédito). The
// emissions of every issued invoice of the page are read at once.
func withTaxDocuments(ctx context.Context, tx billing.Tx, s billing.Scope, invs []billing.Invoice) error {
	var ids []string
	for i := range invs {
		if invs[i].Status != billing.InvoiceDraft { // never issued before it is finalized
			ids = append(ids, invs[i].ID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	docs, err := tx.DTE.ListInvoicesTaxDocuments(ctx, s, ids)
	if err != nil {
		return fmt.Errorf("read tax documents of %d invoices: %w", len(ids), err)
	}
	standing := map[string]billing.TaxDocument{}
	for _, d := range docs { // each invoice's oldest first: the last one kept stands
		if d.Type != billing.DTENotaDeCredito {
			standing[d.InvoiceID] = d
		}
	}
	for i := range invs {
		if d, ok := standing[invs[i].ID]; ok && invs[i].Status != billing.InvoiceDraft {
			invs[i].TaxDocument = &d
		}
	}
	return nil
}

// IssueTaxDocument starts (or starts again) the emission of a paid
// invoice's tax document on the merchant's request, and returns the
// emission that stands. An emission still open or accepted is returned
// as it is — one invoice never gets two documents; after a rejection a
// new attempt is recorded (attempt + 1, a new key), with the document
// type chosen again from the customer's current data, so fixing a
// customer's giro and issuing again turns a rejected factura into an
// accepted one.
func (a *Invoicing) IssueTaxDocument(ctx context.Context, s billing.Scope, invoiceID string) (billing.TaxDocument, error) {
	var out billing.TaxDocument
	err := a.store.InTx(ctx, func(tx billing.Tx) error {
		inv, err := tx.Invoices.GetInvoice(ctx, s, invoiceID)
		if err != nil {
			return notFound(err, "invoice", invoiceID)
		}
		if !billing.DTEApplies(inv) {
			return billing.Errorf(billing.KindConflict, billing.CodeDTENotApplicable, "only CLP invoices with a positive total get a tax document")
		}
		settings, err := tx.DTE.GetDTESettings(ctx, s)
		if errors.Is(err, billing.ErrNotFound) || (err == nil && !settings.Enabled) {
			return billing.Errorf(billing.KindConflict, billing.CodeDTENotConfigured, "tax documents are not enabled in this mode")
		}
		if err != nil {
			return fmt.Errorf("read dte settings: %w", err)
		}
		if !billing.DTEIssuesAt(settings.IssueOn, inv, billing.DTEAtPaid) && !billing.DTEIssuesAt(settings.IssueOn, inv, billing.DTEAtFinalized) {
			return billing.Errorf(billing.KindConflict, billing.CodeDTENotApplicable,
				"only a paid invoice (or, when issue_on is finalized, an open send_invoice one) gets a tax document")
		}
		docs, err := tx.DTE.ListInvoiceTaxDocuments(ctx, s, inv.ID)
		if err != nil {
			return fmt.Errorf("read tax documents: %w", err)
		}
		attempt := 1
		for i := len(docs) - 1; i >= 0; i-- {
			if docs[i].Type == billing.DTENotaDeCredito {
				continue
			}
			if docs[i].Status != billing.DTERejected {
				out = docs[i]
				return nil
			}
			attempt = docs[i].Attempt + 1
			break
		}
		c, err := tx.Customers.GetCustomer(ctx, s, inv.CustomerID)
		if err != nil {
			return fmt.Errorf("read customer: %w", err)
		}
		t := billing.ChooseDTE(inv, c)
		if err := a.createEmission(ctx, tx, settings, inv, "", t, attempt); err != nil {
			return err
		}
		out, err = tx.DTE.GetTaxDocumentByKey(ctx, s, billing.DTEEmissionKey(inv.ID, t, attempt))
		return err
	})
	return out, err
}

// CreditNoteTaxDocuments returns the notas de crédito issued (or being
// issued) for an invoice's credit notes, oldest first.
func (a *Invoicing) CreditNoteTaxDocuments(ctx context.Context, s billing.Scope, invoiceID string) ([]billing.TaxDocument, error) {
	return read(ctx, a.core, func(tx billing.Tx) ([]billing.TaxDocument, error) {
		if _, err := tx.Invoices.GetInvoice(ctx, s, invoiceID); err != nil {
			return nil, notFound(err, "invoice", invoiceID)
		}
		docs, err := tx.DTE.ListInvoiceTaxDocuments(ctx, s, invoiceID)
		if err != nil {
			return nil, err
		}
		out := []billing.TaxDocument{}
		for _, d := range docs {
			if d.Type == billing.DTENotaDeCredito {
				out = append(out, d)
			}
		}
		return out, nil
	})
}

// taxDocumentStall is how late an open emission must be before the
// resume sweep starts a job for it again: far more than a snoozed job
// is ever late, so only an emission whose job is gone (discarded after
// repeated errors, say) is picked up.
const taxDocumentStall = 15 * time.Minute

// ResumeTaxDocuments starts a new job for each open emission whose next
// try is overdue by taxDocumentStall, at most limit of them, across
// merchants, and returns how many. Running a step twice is harmless
// (each outcome is written compare-and-set), so a job started beside a
// live one costs a provider call at most.
func (a *Invoicing) ResumeTaxDocuments(ctx context.Context, limit int) (int, error) {
	now := a.Now()
	n := 0
	err := a.store.InTx(ctx, func(tx billing.Tx) error {
		docs, err := tx.DTE.ListDueTaxDocuments(ctx, now.Add(-taxDocumentStall), limit)
		if err != nil {
			return fmt.Errorf("list stalled tax documents: %w", err)
		}
		for _, d := range docs {
			prev := d.Updated
			next := now.Add(taxDocumentStall)
			d.NextTry, d.Updated = &next, now
			ok, err := tx.DTE.UpdateTaxDocument(ctx, d, prev)
			if err != nil {
				return fmt.Errorf("reschedule tax document %s: %w", d.ID, err)
			}
			if !ok {
				continue
			}
			if err := tx.Jobs.Enqueue(ctx, EmitTaxDocumentArgs{MerchantID: d.Scope.MerchantID, Mode: d.Scope.Mode, TaxDocumentID: d.ID}); err != nil {
				return fmt.Errorf("enqueue tax document %s: %w", d.ID, err)
			}
			n++
		}
		return nil
	})
	return n, err
}
