package invoicepdf

import (
	"strconv"
	"strings"
	"time"

	"github.com/cuota/cuota/internal/billing"
)

// lang holds every piece of text a document prints in one language, plus
// the way that language writes dates. Spanish and English are the two.
type lang struct {
	code string // primary language subtag: "es" or "en"
	// defaultLocale formats amounts when neither the customer's nor the
	// merchant's locale is in this language.
	defaultLocale string

	title        string // document title, e.g. "Documento de cobro"
	continued    string // appended to the title on later pages
	number       string
	issued       string
	due          string
	paid         string
	voided       string
	period       string
	billTo       string
	taxIDDefault string // label of Input.MerchantTaxID when Input.MerchantTaxIDLabel is empty
	page         string // followed by "1/2"

	colDescription string
	colPeriod      string
	colQuantity    string
	colAmount      string

	subtotal string
	discount string
	tax      string
	// taxIncluded follows a tax row whose tax is already in the prices.
	taxIncluded string
	total       string
	amountPaid  string
	amountDue   string

	// Line kinds, printed under each line's description.
	kindPeriod          string
	kindProrationCredit string
	kindProrationDebit  string
	kindOneOff          string
	kindDiscount        string
	kindTax             string

	// Status stamps. An open invoice has none.
	stampDraft         string
	stampPaid          string
	stampVoid          string
	stampUncollectible string

	// A credit note's words (creditnote.go). creditTitle is the one place
	// its name lives: a receipt-like document, since no electronic tax
	// document is issued for it.
	creditTitle     string
	creditNumber    string
	creditCustomer  string
	creditInvoice   string
	creditReason    string
	creditOf        string // followed by the invoice's number
	creditRefund    string
	creditBalance   string
	creditOutOfBand string
	creditReasons   map[string]string

	months      [12]string
	monthsShort [12]string
}

var spanish = &lang{
	code:          "es",
	defaultLocale: "es",

	title:        "Documento de cobro",
	continued:    "(continuación)",
	number:       "Número",
	issued:       "Fecha de emisión",
	due:          "Fecha de vencimiento",
	paid:         "Fecha de pago",
	voided:       "Fecha de anulación",
	period:       "Período",
	billTo:       "Cliente",
	taxIDDefault: "RUT",
	page:         "Página",

	colDescription: "Descripción",
	colPeriod:      "Período",
	colQuantity:    "Cant.",
	colAmount:      "Monto",

	subtotal:    "Subtotal",
	discount:    "Descuento",
	tax:         "Impuesto",
	taxIncluded: "(incluido)",
	total:       "Total",
	amountPaid:  "Monto pagado",
	amountDue:   "Monto adeudado",

	kindPeriod:          "Cargo del período",
	kindProrationCredit: "Crédito por prorrateo",
	kindProrationDebit:  "Cargo por prorrateo",
	kindOneOff:          "Cargo único",
	kindDiscount:        "Descuento",
	kindTax:             "Impuesto",

	stampDraft:         "BORRADOR",
	stampPaid:          "PAGADO",
	stampVoid:          "ANULADO",
	stampUncollectible: "INCOBRABLE",

	creditTitle:     "Comprobante de crédito",
	creditNumber:    "Número",
	creditCustomer:  "Cliente",
	creditInvoice:   "Documento corregido",
	creditReason:    "Motivo",
	creditOf:        "Crédito sobre el documento",
	creditRefund:    "Devuelto a la tarjeta",
	creditBalance:   "Abonado a su saldo a favor",
	creditOutOfBand: "Devuelto por otro medio",
	creditReasons: map[string]string{billing.CreditReasonDuplicate: "Cobro duplicado", billing.CreditReasonFraudulent: "Cobro fraudulento",
		billing.CreditReasonOrderChange: "Cambio en el pedido", billing.CreditReasonProductUnsatisfactory: "Producto no satisfactorio"},

	months: [12]string{"enero", "febrero", "marzo", "abril", "mayo", "junio",
		"julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre"},
	monthsShort: [12]string{"ene", "feb", "mar", "abr", "may", "jun",
		"jul", "ago", "sept", "oct", "nov", "dic"},
}

var english = &lang{
	code:          "en",
	defaultLocale: "en",

	title:        "Payment request",
	continued:    "(continued)",
	number:       "Number",
	issued:       "Date of issue",
	due:          "Date due",
	paid:         "Date paid",
	voided:       "Date voided",
	period:       "Service period",
	billTo:       "Billed to",
	taxIDDefault: "Tax ID",
	page:         "Page",

	colDescription: "Description",
	colPeriod:      "Period",
	colQuantity:    "Qty",
	colAmount:      "Amount",

	subtotal:    "Subtotal",
	discount:    "Discount",
	tax:         "Tax",
	taxIncluded: "(included)",
	total:       "Total",
	amountPaid:  "Amount paid",
	amountDue:   "Amount due",

	kindPeriod:          "Period charge",
	kindProrationCredit: "Proration credit",
	kindProrationDebit:  "Proration charge",
	kindOneOff:          "One-off charge",
	kindDiscount:        "Discount",
	kindTax:             "Tax",

	stampDraft:         "DRAFT",
	stampPaid:          "PAID",
	stampVoid:          "VOID",
	stampUncollectible: "UNCOLLECTIBLE",

	creditTitle:     "Credit note",
	creditNumber:    "Credit note number",
	creditCustomer:  "Customer",
	creditInvoice:   "Corrects",
	creditReason:    "Reason",
	creditOf:        "Credit on",
	creditRefund:    "Refunded to the card",
	creditBalance:   "Credited to your balance",
	creditOutOfBand: "Refunded by other means",
	creditReasons: map[string]string{billing.CreditReasonDuplicate: "Duplicate charge", billing.CreditReasonFraudulent: "Fraudulent charge",
		billing.CreditReasonOrderChange: "Order change", billing.CreditReasonProductUnsatisfactory: "Product unsatisfactory"},

	months: [12]string{"January", "February", "March", "April", "May", "June",
		"July", "August", "September", "October", "November", "December"},
	monthsShort: [12]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
		"Jul", "Aug", "Sep", "Oct", "Nov", "Dec"},
}

// primaryLanguage returns the lower-cased language subtag of a BCP 47 tag:
// "es-CL" → "es", "es_419" → "es", "EN" → "en", "" → "".
func primaryLanguage(tag string) string {
	tag = strings.TrimSpace(tag)
	if i := strings.IndexAny(tag, "-_"); i >= 0 {
		tag = tag[:i]
	}
	return strings.ToLower(tag)
}

// hasRegion reports whether a BCP 47 tag has more than a language subtag.
func hasRegion(tag string) bool {
	return strings.ContainsAny(strings.TrimSpace(tag), "-_")
}

// chooseLanguage picks the document's language and the locale its amounts
// are formatted in. The language is Spanish when the customer's locale —
// or the merchant's, when the customer has none — has the language subtag
// "es", and English otherwise. The formatting locale is the first of the
// customer's and the merchant's locales that is in the document's language
// and names a region ("es-CL" formats CLP as "$5.000", plain "es" as
// "5000 CLP"), else the first in that language, else the language's
// default.
func chooseLanguage(customerLocale, merchantLocale string) (*lang, string) {
	source := customerLocale
	if strings.TrimSpace(source) == "" {
		source = merchantLocale
	}
	l := english
	if primaryLanguage(source) == "es" {
		l = spanish
	}
	candidates := []string{strings.TrimSpace(customerLocale), strings.TrimSpace(merchantLocale)}
	for _, c := range candidates {
		if primaryLanguage(c) == l.code && hasRegion(c) {
			return l, c
		}
	}
	for _, c := range candidates {
		if primaryLanguage(c) == l.code {
			return l, c
		}
	}
	return l, l.defaultLocale
}

// longDate writes a date in full: "21 de noviembre de 2026",
// "November 21, 2026".
func (l *lang) longDate(t time.Time) string {
	d, m, y := strconv.Itoa(t.Day()), l.months[t.Month()-1], strconv.Itoa(t.Year())
	if l.code == "es" {
		return d + " de " + m + " de " + y
	}
	return m + " " + d + ", " + y
}

// shortDate writes a date with an abbreviated month: "21 nov 2026",
// "Nov 21, 2026".
func (l *lang) shortDate(t time.Time) string {
	d, m, y := strconv.Itoa(t.Day()), l.monthsShort[t.Month()-1], strconv.Itoa(t.Year())
	if l.code == "es" {
		return d + " " + m + " " + y
	}
	return m + " " + d + ", " + y
}

// dateRange writes a period [start, end) as "21 nov 2026 – 21 dic 2026",
// the way billing periods are usually shown (the end is the boundary, not
// the last day). A zero start gives "" and a zero end the start alone.
func (l *lang) dateRange(start, end time.Time, loc *time.Location) string {
	switch {
	case start.IsZero():
		return ""
	case end.IsZero():
		return l.shortDate(start.In(loc))
	}
	return l.shortDate(start.In(loc)) + " – " + l.shortDate(end.In(loc))
}

// lineKind names a line's type; proration lines are a credit when
// negative and a charge otherwise. ok is false for a type billing does not
// define.
func (l *lang) lineKind(line billing.InvoiceLine) (kind string, ok bool) {
	switch line.Type {
	case billing.LineSubscription:
		return l.kindPeriod, true
	case billing.LineProration:
		if line.Amount < 0 {
			return l.kindProrationCredit, true
		}
		return l.kindProrationDebit, true
	case billing.LineOneOff:
		return l.kindOneOff, true
	case billing.LineDiscount:
		return l.kindDiscount, true
	case billing.LineTax:
		return l.kindTax, true
	}
	return "", false
}

// stamp returns the status stamp of an invoice status ("" for open); ok is
// false for a status billing does not define.
func (l *lang) stamp(status billing.InvoiceStatus) (text string, ok bool) {
	switch status {
	case billing.InvoiceOpen:
		return "", true
	case billing.InvoiceDraft:
		return l.stampDraft, true
	case billing.InvoicePaid:
		return l.stampPaid, true
	case billing.InvoiceVoid:
		return l.stampVoid, true
	case billing.InvoiceUncollectible:
		return l.stampUncollectible, true
	}
	return "", false
}
