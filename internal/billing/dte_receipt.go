package billing

import (
	"strconv"
	"time"
)

// ReceiptWaitsForTaxDocument is how long a payment receipt waits for the
// invoice's tax document (and a credit note's email for its nota de
// crédito), so that the customer gets both in one email:
// a provider that answers issues a boleta within seconds; one that does
// not must not hold the receipt back for long.
const ReceiptWaitsForTaxDocument = 10 * time.Minute

// ReceiptTaxDocumentWait is how often a waiting receipt looks again.
const ReceiptTaxDocumentWait = 20 * time.Second

// ReceiptTaxDocument decides what a payment receipt recorded at created
// does at now about the invoice's tax document d (nil: none is being
// issued) — and, by the same rule, a credit note's email about its nota
// de crédito: attach it once the provider has issued it; wait while it is
// still on its way and the receipt has waited less than
// ReceiptWaitsForTaxDocument; else go without it (a rejected or stuck
// document is the merchant's to settle, and the customer is paid up).
func ReceiptTaxDocument(d *TaxDocument, created, now time.Time) (attach, wait bool) {
	switch {
	case d == nil || d.Status == DTERejected:
		return false, false
	case d.ProviderID != "" && (d.Status == DTEIssued || d.Status == DTEAccepted):
		return true, false
	default:
		return false, now.Sub(created) < ReceiptWaitsForTaxDocument
	}
}

// TaxDocumentTitle names an issued document for a customer: "Boleta
// electrónica N.º 12", "Electronic receipt (boleta) No. 12".
func TaxDocumentTitle(d TaxDocument, locale string) string {
	no := " N.º "
	if LocaleLanguage(locale) == "en" {
		no = " No. "
	}
	return d.Type.Name(locale) + no + strconv.FormatInt(d.Folio, 10)
}

// TaxDocumentFilename is the file name of an issued document's PDF:
// "boleta-electronica-12.pdf" (the legal name in Spanish, whatever the
// reader's language: it is the SII's document).
func TaxDocumentFilename(d TaxDocument) string {
	return dteFileStems[d.Type] + "-" + strconv.FormatInt(d.Folio, 10) + ".pdf"
}

var dteFileStems = map[DTEType]string{
	DTEFactura:       "factura-electronica",
	DTEFacturaExenta: "factura-exenta-electronica",
	DTEBoleta:        "boleta-electronica",
	DTEBoletaExenta:  "boleta-exenta-electronica",
	DTENotaDeCredito: "nota-de-credito-electronica",
}
