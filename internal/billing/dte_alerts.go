package billing

import (
	"fmt"
	"time"
	"unicode"
	"unicode/utf8"
)

// The alerts of tax documents (docs/dte.md, docs/alerts.md). An emission
// that needs the merchant raises one: the SII (or the provider, before
// the SII) refused its data, or its answer was lost for longer than the
// provider remembers a key. A provider that cannot be reached for
// TaxDocumentsDelayedAfter raises one more, on the provider: money is not
// blocked by it, but documents the law requires are late.

// The tax documents' alert kinds.
const (
	// AlertTaxDocumentRejected: an invoice's tax document (or a credit
	// note's nota de crédito) was rejected; the merchant fixes the data
	// and issues it again. Object: the invoice.
	AlertTaxDocumentRejected AlertKind = "tax_document_rejected"
	// AlertTaxDocumentStuck: an emission's answer was lost and can no
	// longer be looked up by its key; the merchant checks the provider's
	// portal. Object: the invoice.
	AlertTaxDocumentStuck AlertKind = "tax_document_stuck"
	// AlertTaxDocumentsDelayed: the DTE provider has not answered an
	// emission for TaxDocumentsDelayedAfter. Object: the provider.
	AlertTaxDocumentsDelayed AlertKind = "tax_documents_delayed"
)

// AlertObjectDTEProvider is the object type of an alert about a DTE
// provider (ObjectID is the provider's name, "openfactura").
const AlertObjectDTEProvider = "dte_provider"

// TaxDocumentsDelayedAfter is how long an emission may wait for its
// provider before the merchant is told: boletas must reach the SII the
// same day, so an hour of silence is worth a look.
const TaxDocumentsDelayedAfter = time.Hour

// TaxDocumentFacts are what one step of an emission showed.
type TaxDocumentFacts struct {
	Doc           TaxDocument
	InvoiceNumber string // the invoice's number, for the message
	// Called: the step called the provider (not one that waited for an
	// original's folio or that billing refused to lay out).
	Called bool
	// Answered: the provider answered the call (whatever it said), as
	// opposed to no answer at all.
	Answered bool
	// Stuck: the answer was lost past DTELookupWindow.
	Stuck bool
}

// TaxDocumentAlerts applies an emission step's facts to the alerts: what
// to raise and which kinds clear on which object. A rejection raises
// tax_document_rejected on the invoice; the invoice's next emission that
// the provider issues (or the SII accepts) clears it and any stuck alert.
// An answer lost past the lookup window raises tax_document_stuck. An
// emission that got no answer and has waited TaxDocumentsDelayedAfter
// since it was recorded raises tax_documents_delayed on the provider; any
// answer of the provider clears it.
func TaxDocumentAlerts(f TaxDocumentFacts, now time.Time) (raise []AlertCondition, clear []AlertCondition) {
	d := f.Doc
	why := d.Reason
	if why == "" {
		why = d.SIIStatus
	}
	name := d.Type.NameInSentence("es-CL")
	nameEN := d.Type.NameInSentence("en")
	onInvoice := func(kind AlertKind, sev AlertSeverity, msg AlertText) AlertCondition {
		return AlertCondition{Kind: kind, Severity: sev, ObjectType: "invoice", ObjectID: d.InvoiceID, Message: msg}
	}
	provider := AlertCondition{Kind: AlertTaxDocumentsDelayed, Severity: SeverityWarning, ObjectType: AlertObjectDTEProvider,
		ObjectID: d.Provider}
	switch {
	case f.Stuck:
		raise = append(raise, onInvoice(AlertTaxDocumentStuck, SeverityCritical, AlertText{
			ES: fmt.Sprintf("No se sabe si se emitió la %s del documento %s: la respuesta del proveedor se perdió y ya no se puede consultar. Revisa el portal del proveedor antes de emitirla de nuevo.", name, f.InvoiceNumber),
			EN: fmt.Sprintf("It is not known whether the %s of document %s was issued: the provider's answer was lost and can no longer be looked up. Check the provider's portal before issuing it again.", nameEN, f.InvoiceNumber),
		}))
	case d.Status == DTERejected:
		raise = append(raise, onInvoice(AlertTaxDocumentRejected, SeverityWarning, AlertText{
			ES: fmt.Sprintf("La %s del documento %s fue rechazada (%s). Corrige los datos del cliente o de tu empresa y emítela de nuevo.", name, f.InvoiceNumber, why),
			EN: fmt.Sprintf("The %s of document %s was rejected (%s). Fix the customer's or your company's data and issue it again.", nameEN, f.InvoiceNumber, why),
		}))
	case d.Type != DTENotaDeCredito && (d.Status == DTEIssued || d.Status == DTEAccepted):
		clear = append(clear, onInvoice(AlertTaxDocumentRejected, SeverityWarning, AlertText{}),
			onInvoice(AlertTaxDocumentStuck, SeverityCritical, AlertText{}))
	}
	switch {
	case !f.Called:
	case f.Answered:
		clear = append(clear, provider)
	case !d.Status.Final() && now.Sub(d.Created) >= TaxDocumentsDelayedAfter:
		since := d.Created.UTC().Format("2006-01-02 15:04 MST")
		provider.Message = AlertText{
			ES: fmt.Sprintf("El proveedor de documentos tributarios no responde desde %s; cuota sigue cobrando y reintenta las emisiones pendientes.", since),
			EN: fmt.Sprintf("The tax document provider has not answered since %s; cuota keeps charging and retries the pending emissions.", since),
		}
		raise = append(raise, provider)
	}
	return raise, clear
}

// NameInSentence is t's legal name as written inside a sentence ("la
// boleta electrónica"): Name with its first letter lowered.
func (t DTEType) NameInSentence(locale string) string {
	name := t.Name(locale)
	r, n := utf8.DecodeRuneInString(name)
	return string(unicode.ToLower(r)) + name[n:]
}
