package mail

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"strings"
	"sync"
	texttemplate "text/template"
)

// Kind names a template.
type Kind string

// The templates.
const (
	// KindPaymentReceipt thanks a customer for a payment; data PaymentReceipt.
	KindPaymentReceipt Kind = "payment_receipt"
	// KindPaymentFailed tells a customer a charge failed; data PaymentFailed.
	KindPaymentFailed Kind = "payment_failed"
	// KindTrialEnding warns a customer that a trial ends soon; data TrialEnding.
	KindTrialEnding Kind = "trial_ending"
	// KindSubscriptionCanceled tells a customer a subscription ended; data
	// SubscriptionCanceled.
	KindSubscriptionCanceled Kind = "subscription_canceled"
	// KindInvoiceToPay asks a customer to pay an invoice; data InvoiceToPay.
	KindInvoiceToPay Kind = "invoice_to_pay"
	// KindWebhookEndpointDisabled tells a merchant that cuota stopped
	// delivering to a failing webhook endpoint; data WebhookEndpointDisabled.
	KindWebhookEndpointDisabled Kind = "webhook_endpoint_disabled"
	// KindCreditNote tells a customer a credit note corrected an invoice;
	// data CreditNote.
	KindCreditNote Kind = "credit_note"
	// KindAlertOpened tells a merchant that an alert opened (docs/alerts.md);
	// data AlertOpened.
	KindAlertOpened Kind = "alert_opened"
)

// Errors of Render, each wrapped with the details.
var (
	// ErrUnknownKind: no template has that name.
	ErrUnknownKind = errors.New("mail: unknown template")
	// ErrWrongData: the data is not the struct the template takes.
	ErrWrongData = errors.New("mail: wrong data type for template")
	// ErrInvalidData: a required field is empty or a field has a value
	// the template cannot show (a link that is not http(s), an unknown
	// reason…).
	ErrInvalidData = errors.New("mail: invalid template data")
)

// From display names of the emails that do not come from the merchant.
const cuotaName = "cuota"

// templateData is implemented by the data structs.
type templateData interface {
	validate() error
}

// spec is how one kind is rendered.
type spec struct {
	// newData returns a pointer to a zero data struct.
	newData func() any
	// prepare checks data and returns it as a value of the kind's type,
	// with the From display name, the audience and the attachments.
	prepare func(data any, lang string) (prepared, error)
}

type prepared struct {
	data        any
	fromName    string
	toMerchant  bool
	attachments []Attachment
}

// define builds the spec of a kind whose data is T.
func define[T templateData](toMerchant bool, fromName func(T) string, attach func(T, string) []Attachment) spec {
	return spec{
		newData: func() any { return new(T) },
		prepare: func(data any, lang string) (prepared, error) {
			var d T
			switch v := data.(type) {
			case T:
				d = v
			case *T:
				if v == nil {
					return prepared{}, fmt.Errorf("%w: got a nil %T", ErrWrongData, data)
				}
				d = *v
			default:
				return prepared{}, fmt.Errorf("%w: got %T, want %T", ErrWrongData, data, d)
			}
			if err := d.validate(); err != nil {
				return prepared{}, err
			}
			p := prepared{data: d, fromName: fromName(d), toMerchant: toMerchant}
			if attach != nil {
				p.attachments = attach(d, lang)
			}
			return p, nil
		},
	}
}

// taxDocumentAttachment is the provider's PDF of a Chilean tax document
// (a receipt's boleta or factura, a credit note's nota de crédito), none
// when pdf is empty.
func taxDocumentAttachment(pdf []byte, filename string) []Attachment {
	if len(pdf) == 0 {
		return nil
	}
	return []Attachment{{Filename: safeFilePart(filename), ContentType: "application/pdf", Data: pdf}}
}

var specs = map[Kind]spec{
	KindPaymentReceipt: define(false,
		func(d PaymentReceipt) string { return d.MerchantName },
		func(d PaymentReceipt, lang string) []Attachment {
			out := pdfAttachment(d.InvoicePDF, d.PDFFilename, d.InvoiceNumber, lang)
			return append(out, taxDocumentAttachment(d.TaxDocumentPDF, d.TaxDocumentFilename)...)
		}),
	KindPaymentFailed: define(false,
		func(d PaymentFailed) string { return d.MerchantName }, nil),
	KindTrialEnding: define(false,
		func(d TrialEnding) string { return d.MerchantName }, nil),
	KindSubscriptionCanceled: define(false,
		func(d SubscriptionCanceled) string { return d.MerchantName }, nil),
	KindInvoiceToPay: define(false,
		func(d InvoiceToPay) string { return d.MerchantName },
		func(d InvoiceToPay, lang string) []Attachment {
			return pdfAttachment(d.InvoicePDF, d.PDFFilename, d.InvoiceNumber, lang)
		}),
	KindCreditNote: define(false,
		func(d CreditNote) string { return d.MerchantName },
		func(d CreditNote, lang string) []Attachment {
			out := pdfAttachment(d.PDF, d.PDFFilename, d.CreditNoteNumber, lang)
			return append(out, taxDocumentAttachment(d.TaxDocumentPDF, d.TaxDocumentFilename)...)
		}),
	KindWebhookEndpointDisabled: define(true,
		func(WebhookEndpointDisabled) string { return cuotaName }, nil),
	KindAlertOpened: define(true,
		func(AlertOpened) string { return cuotaName }, nil),
	KindAlertDigest: define(true,
		func(AlertDigest) string { return cuotaName }, nil),
	KindPasswordReset: define(true,
		func(PasswordReset) string { return cuotaName }, nil),
}

// kinds lists the templates in a stable order.
var kinds = []Kind{
	KindPaymentReceipt, KindPaymentFailed, KindTrialEnding,
	KindSubscriptionCanceled, KindInvoiceToPay, KindWebhookEndpointDisabled, KindCreditNote, KindAlertOpened,
	KindAlertDigest, KindPasswordReset,
}

// Kinds returns every template's name.
func Kinds() []Kind { return append([]Kind(nil), kinds...) }

// Valid reports whether k names a template.
func (k Kind) Valid() bool {
	_, ok := specs[k]
	return ok
}

// NewData returns a pointer to a zero value of the data struct kind takes
// (e.g. *PaymentReceipt for KindPaymentReceipt), for decoding a job's JSON
// arguments before calling Render.
func NewData(kind Kind) (any, error) {
	s, ok := specs[kind]
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrUnknownKind, kind)
	}
	return s.newData(), nil
}

// Render renders template kind in the language of locale (see Language)
// with data, which must be the kind's data struct or a non-nil pointer to
// one. The Message has Subject, Text, HTML, Attachments, From.Name (the
// merchant's name, or "cuota" for emails to the merchant) and an
// "Auto-Submitted: auto-generated" header; the caller sets From.Email, To
// and MessageID. Errors wrap ErrUnknownKind, ErrWrongData or
// ErrInvalidData.
func Render(kind Kind, locale string, data any) (Message, error) {
	return RenderWith(kind, locale, data, Extras{})
}

// Extras are what every customer email carries besides its kind's data:
// the merchant's identity and the test-mode mark.
type Extras struct {
	// TestMark ("PRUEBA", "TEST"), when not empty, heads the subject in
	// brackets and the message: the email is about test-mode data.
	TestMark string
	// LogoURL is the merchant's logo, shown at the top of the HTML part.
	LogoURL string
	// Legal are the merchant's legal details (razón social and RUT, giro,
	// address, support contact), one per line, at the foot.
	Legal []string
}

// RenderWith is Render with the merchant's identity and the test mark.
func RenderWith(kind Kind, locale string, data any, ex Extras) (Message, error) {
	s, ok := specs[kind]
	if !ok {
		return Message{}, fmt.Errorf("%w: %q", ErrUnknownKind, kind)
	}
	lang := Language(locale)
	p, err := s.prepare(data, lang)
	if err != nil {
		return Message{}, fmt.Errorf("render %s: %w", kind, err)
	}
	for i, a := range p.attachments {
		if err := a.Validate(i); err != nil {
			return Message{}, fmt.Errorf("render %s: %w", kind, err)
		}
	}
	set, err := loadTemplates()
	if err != nil {
		return Message{}, err
	}
	t := set[lang][kind]

	var buf bytes.Buffer
	if err := t.text.ExecuteTemplate(&buf, "subject", p.data); err != nil {
		return Message{}, fmt.Errorf("render %s subject (%s): %w", kind, lang, err)
	}
	subject := strings.Join(strings.Fields(buf.String()), " ")
	if subject == "" {
		return Message{}, fmt.Errorf("render %s (%s): empty subject", kind, lang)
	}
	if ex.TestMark != "" {
		subject = "[" + ex.TestMark + "] " + subject
	}

	buf.Reset()
	if err := t.text.ExecuteTemplate(&buf, "text", p.data); err != nil {
		return Message{}, fmt.Errorf("render %s text (%s): %w", kind, lang, err)
	}
	body := buf.String()
	if ex.TestMark != "" {
		body = ex.TestMark + "\n\n" + body
	}
	if len(ex.Legal) > 0 {
		body += "\n--\n" + strings.Join(ex.Legal, "\n") + "\n"
	}
	text := tidyText(body)

	buf.Reset()
	page := htmlPage{Lang: lang, Subject: subject, ToMerchant: p.toMerchant, Data: p.data, Extras: ex}
	if err := t.html.ExecuteTemplate(&buf, "layout", page); err != nil {
		return Message{}, fmt.Errorf("render %s HTML (%s): %w", kind, lang, err)
	}

	return Message{
		From:        Address{Name: p.fromName},
		Subject:     subject,
		Text:        text,
		HTML:        buf.String(),
		Attachments: p.attachments,
		Headers:     map[string]string{"Auto-Submitted": "auto-generated"},
	}, nil
}

// htmlPage is what the HTML layout sees; the kind's "content" template
// works on Data.
type htmlPage struct {
	Lang       string
	Subject    string
	ToMerchant bool
	Data       any
	Extras     Extras
}

// tidyText trims trailing spaces from every line, keeps at most one blank
// line in a row (templates with conditionals leave more) and ends the text
// with one newline.
func tidyText(s string) string {
	lines := strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	out := make([]string, 0, len(lines))
	blank := true // drops blank lines at the start
	for _, l := range lines {
		l = strings.TrimRight(l, " \t")
		if l == "" {
			if blank {
				continue
			}
			blank = true
		} else {
			blank = false
		}
		out = append(out, l)
	}
	return strings.TrimRight(strings.Join(out, "\n"), "\n") + "\n"
}

//go:embed templates
var templateFS embed.FS

// kindTemplates are a kind's templates in one language: "subject" and
// "text" in text, "layout" (which calls "content") in html.
type kindTemplates struct {
	text *texttemplate.Template
	html *htmltemplate.Template
}

// loadTemplates parses every template once, on first use; a parse error
// is returned by every Render (and fails the package's tests).
var loadTemplates = sync.OnceValues(func() (map[string]map[Kind]kindTemplates, error) {
	set := make(map[string]map[Kind]kindTemplates)
	for _, lang := range []string{LangSpanish, LangEnglish} {
		set[lang] = make(map[Kind]kindTemplates)
		for _, kind := range kinds {
			text, err := texttemplate.New(string(kind)).Option("missingkey=error").ParseFS(templateFS,
				"templates/"+lang+"/common.txt",
				"templates/"+lang+"/"+string(kind)+".txt")
			if err != nil {
				return nil, fmt.Errorf("mail: parse %s text templates (%s): %w", kind, lang, err)
			}
			html, err := htmltemplate.New(string(kind)).Funcs(htmlFuncs).Option("missingkey=error").ParseFS(templateFS,
				"templates/layout.html",
				"templates/"+lang+"/common.html",
				"templates/"+lang+"/"+string(kind)+".html")
			if err != nil {
				return nil, fmt.Errorf("mail: parse %s HTML templates (%s): %w", kind, lang, err)
			}
			for _, name := range []string{"subject", "text"} {
				if text.Lookup(name) == nil {
					return nil, fmt.Errorf("mail: %s text templates (%s) define no %q", kind, lang, name)
				}
			}
			if html.Lookup("content") == nil {
				return nil, fmt.Errorf("mail: %s HTML templates (%s) define no \"content\"", kind, lang)
			}
			set[lang][kind] = kindTemplates{text: text, html: html}
		}
	}
	return set, nil
})

// row and link let HTML templates pass two values to the shared "row" and
// "button" templates.
type (
	row  struct{ Label, Value string }
	link struct{ URL, Label string }
)

var htmlFuncs = htmltemplate.FuncMap{
	"row":  func(label, value string) row { return row{label, value} },
	"link": func(url, label string) link { return link{url, label} },
}
