package billing

import (
	"strings"
)

// LocaleLanguage returns the language cuota writes for a BCP 47 tag: "es"
// or "en", or "" for a tag in neither ("fr-FR", "").
func LocaleLanguage(tag string) string {
	primary, _, _ := strings.Cut(strings.TrimSpace(tag), "-")
	primary, _, _ = strings.Cut(primary, "_")
	switch strings.ToLower(primary) {
	case "es":
		return "es"
	case "en":
		return "en"
	}
	return ""
}

// DefaultLocale is the locale of a merchant that chose none.
const DefaultLocale = "es-CL"

// PickLocale is the rule for the language of everything a customer reads:
// the first of the candidates, in the order given, that is in a language
// cuota writes, else DefaultLocale. Hosted pages pass the page's ?lang=,
// the customer's preferred locale and the merchant's default locale;
// documents and emails pass the customer's and the merchant's. The
// browser's Accept-Language is not a candidate: what a customer receives
// must not change with the device it is opened on.
func PickLocale(candidates ...string) string {
	for _, c := range candidates {
		if LocaleLanguage(c) != "" {
			return strings.TrimSpace(c)
		}
	}
	return DefaultLocale
}

// DocumentKind is what a document handed to a customer is, which decides
// its name. A Chilean "factura" or "boleta" is a tax document only the
// Servicio de Impuestos Internos' electronic system issues, so cuota calls
// an invoice's document one only once its provider issued it
// (InvoiceDocumentName); until then a paid invoice's document is a
// receipt and an unpaid one's is a request for payment.
type DocumentKind string

// The kinds of customer documents.
const (
	DocumentReceipt        DocumentKind = "receipt"         // comprobante de pago
	DocumentPaymentRequest DocumentKind = "payment_request" // documento de cobro
	DocumentCreditNote     DocumentKind = "credit_note"     // comprobante de crédito
)

// InvoiceDocument returns the kind of an invoice's document; an invoice
// whose tax document was issued is named after it by InvoiceDocumentName.
func InvoiceDocument(status InvoiceStatus) DocumentKind {
	if status == InvoicePaid {
		return DocumentReceipt
	}
	return DocumentPaymentRequest
}

// InvoiceDocumentName is how an invoice's document — cuota's page and
// PDF — is named in locale's language: a receipt or a request for payment
// (InvoiceDocument). It keeps that name once the invoice's Chilean tax
// document is issued: the boleta or factura is the provider's document,
// with its own PDF, and is named beside cuota's (TaxDocumentTitle), never
// instead of it.
func InvoiceDocumentName(inv Invoice, locale string) DocumentName {
	return InvoiceDocument(inv.Status).Name(locale)
}

// DocumentName is how a document is named in one language: its Title
// (page heading, PDF title, email subject) and the stem of its file name.
type DocumentName struct {
	Title    string // "Comprobante de pago"
	FileStem string // "comprobante"
	// TestMark marks every test-mode document, so that a document made
	// with test data can never pass for a real one.
	TestMark string // "PRUEBA"
}

// documentNames holds every document name, the only place they are
// written: the invoice page, the PDF, its file name and the emails all
// take them from here.
var documentNames = map[string]map[DocumentKind]DocumentName{
	"es": {
		DocumentReceipt:        {Title: "Comprobante de pago", FileStem: "comprobante", TestMark: "PRUEBA"},
		DocumentPaymentRequest: {Title: "Documento de cobro", FileStem: "cobro", TestMark: "PRUEBA"},
		DocumentCreditNote:     {Title: "Comprobante de crédito", FileStem: "credito", TestMark: "PRUEBA"},
	},
	"en": {
		DocumentReceipt:        {Title: "Payment receipt", FileStem: "receipt", TestMark: "TEST"},
		DocumentPaymentRequest: {Title: "Payment request", FileStem: "payment-request", TestMark: "TEST"},
		DocumentCreditNote:     {Title: "Credit note", FileStem: "credit-note", TestMark: "TEST"},
	},
}

// Name returns the kind's name in locale's language (Spanish when the
// locale is in neither).
func (k DocumentKind) Name(locale string) DocumentName {
	lang := LocaleLanguage(locale)
	if lang == "" {
		lang = "es"
	}
	if n, ok := documentNames[lang][k]; ok {
		return n
	}
	return documentNames[lang][DocumentPaymentRequest]
}

// DocumentList is how a list of a customer's documents (the portal's) is
// named: its Heading and what it says when it is Empty. A list holds
// receipts and requests for payment alike, so it is named by neither kind,
// and never "facturas".
type DocumentList struct {
	Heading string // "Documentos"
	Empty   string // "Aún no hay documentos."
}

// documentLists holds the list names, beside the documents' own.
var documentLists = map[string]DocumentList{
	"es": {Heading: "Documentos", Empty: "Aún no hay documentos."},
	"en": {Heading: "Documents", Empty: "No documents yet."},
}

// DocumentListName returns the name of a list of documents in locale's
// language (Spanish when the locale is in neither).
func DocumentListName(locale string) DocumentList {
	if LocaleLanguage(locale) == "en" {
		return documentLists["en"]
	}
	return documentLists["es"]
}

// DocumentFilename is the file name of an invoice's PDF:
// "comprobante-PYA-000005.pdf", with "-prueba" / "-test" before the
// extension in test mode. number is the invoice's number ("" for a draft,
// which is then named "borrador" / "draft").
func DocumentFilename(kind DocumentKind, locale, number string, mode Mode) string {
	n := kind.Name(locale)
	part := fileSafe(number)
	if part == "" {
		part = "draft"
		if LocaleLanguage(locale) != "en" {
			part = "borrador"
		}
	}
	name := n.FileStem + "-" + part
	if mode == ModeTest {
		name += "-" + strings.ToLower(n.TestMark)
	}
	return name + ".pdf"
}

// fileSafe keeps the letters, digits and hyphens of s (invoice numbers are
// made of them), so that a file name never carries a path or a quote.
func fileSafe(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' {
			return r
		}
		return -1
	}, s)
}
