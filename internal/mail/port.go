package mail

import (
	"errors"
	"fmt"
	"strings"

	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
)

// Renderer implements app's EmailRenderer port: it builds the template's
// data from app.EmailContent (NewPaymentReceipt…) and renders it.
type Renderer struct{}

var (
	_ app.EmailRenderer = Renderer{}
	_ app.EmailSender   = (*SMTPSender)(nil)
)

// RenderEmail renders in's template in in.Locale. Errors wrapping
// ErrUnknownKind, ErrWrongData or ErrInvalidData match
// app.ErrInvalidInput as well.
func (Renderer) RenderEmail(in app.EmailContent) (app.EmailMessage, error) {
	msg, err := renderContent(in)
	if errors.Is(err, ErrInvalidData) || errors.Is(err, ErrWrongData) || errors.Is(err, ErrUnknownKind) {
		err = app.InvalidInput(err)
	}
	return msg, err
}

func renderContent(in app.EmailContent) (Message, error) {
	m, c := in.Merchant, in.Customer
	var data any
	switch Kind(in.Template) {
	case KindPaymentReceipt:
		d, err := NewPaymentReceipt(m, c, in.Invoice, in.PDF)
		if err != nil {
			return Message{}, err
		}
		d.PortalURL, d.PlanName = in.PortalURL, in.PlanName
		d.DocumentTitle, d.PDFFilename = documentName(in)
		d.TaxDocument, d.TaxDocumentPDF, d.TaxDocumentFilename = taxDocument(in)
		data = d
	case KindPaymentFailed:
		d, err := NewPaymentFailed(m, c, in.Invoice, in.FailureClass, in.PortalURL)
		if err != nil {
			return Message{}, err
		}
		data = d
	case KindTrialEnding:
		sub := in.Subscription
		d, err := NewTrialEnding(m, c, sub, in.TrialAmount, sub.PaymentMethodID != "", in.PortalURL)
		if err != nil {
			return Message{}, err
		}
		d.PlanName = in.PlanName
		data = d
	case KindSubscriptionCanceled:
		d, err := NewSubscriptionCanceled(m, c, in.Subscription, in.PortalURL)
		if err != nil {
			return Message{}, err
		}
		d.PlanName = in.PlanName
		data = d
	case KindInvoiceToPay:
		d, err := NewInvoiceToPay(m, c, in.Invoice, in.DueDate, in.PayURL, in.PDF)
		if err != nil {
			return Message{}, err
		}
		d.DocumentTitle, d.PDFFilename = documentName(in)
		data = d
	case KindCreditNote:
		d, err := NewCreditNote(m, c, in.CreditNote, in.Invoice, in.PDF)
		if err != nil {
			return Message{}, err
		}
		d.DocumentTitle = billing.DocumentCreditNote.Name(in.Locale).Title
		d.PDFFilename = app.CreditNoteFilename(m, c, in.CreditNote)
		d.TaxDocument, d.TaxDocumentPDF, d.TaxDocumentFilename = taxDocument(in)
		data = d
	case KindWebhookEndpointDisabled:
		d, err := NewWebhookEndpointDisabled(m, in.EndpointMode, in.EndpointURL, in.FailingSince, in.LastError, "")
		if err != nil {
			return Message{}, err
		}
		data = d
	case KindAlertOpened:
		d, err := NewAlertOpened(m, in.Alert)
		if err != nil {
			return Message{}, err
		}
		data = d
	case KindAlertDigest:
		var mode billing.Mode
		if len(in.Alerts) > 0 {
			mode = in.Alerts[0].Scope.Mode
		}
		d, err := NewAlertDigest(m, mode, in.DigestFrom, in.Alerts)
		if err != nil {
			return Message{}, err
		}
		data = d
	case KindPasswordReset:
		d, err := NewPasswordReset(m, in.Locale, in.UserEmail, in.ResetURL, in.ResetExpires)
		if err != nil {
			return Message{}, err
		}
		data = d
	default:
		return Message{}, fmt.Errorf("%w: %q", ErrUnknownKind, in.Template)
	}
	return RenderWith(Kind(in.Template), in.Locale, data, extras(in))
}

// documentName is the title and file name of the invoice's document
// (billing.DocumentName, app.InvoiceFilename): the same as its page and
// PDF say.
func documentName(in app.EmailContent) (title, filename string) {
	title = billing.InvoiceDocument(in.Invoice.Status).Name(in.Locale).Title
	return title, app.InvoiceFilename(in.Merchant, in.Customer, in.Invoice)
}

// extras are the merchant's identity and, for test-mode data, the mark of
// a customer email; notices to the merchant carry neither.
func extras(in app.EmailContent) Extras {
	if k := Kind(in.Template); k == KindWebhookEndpointDisabled || k == KindAlertOpened || k == KindAlertDigest || k == KindPasswordReset {
		return Extras{}
	}
	ex := Extras{LogoURL: in.LogoURL, Legal: legalLines(in.Merchant, in.Locale)}
	if in.Customer.Scope.Mode == billing.ModeTest || in.Invoice.Scope.Mode == billing.ModeTest ||
		in.CreditNote.Scope.Mode == billing.ModeTest {
		ex.TestMark = billing.DocumentReceipt.Name(in.Locale).TestMark
	}
	return ex
}

// taxDocument is what an email says and attaches of its Chilean tax
// document (a receipt's, a credit note's nota de crédito): its title
// (billing.TaxDocumentTitle), and its PDF with its file name when the
// provider's file was fetched.
func taxDocument(in app.EmailContent) (title string, pdf []byte, filename string) {
	td := in.TaxDocument
	if td == nil {
		return "", nil, ""
	}
	title = billing.TaxDocumentTitle(*td, in.Locale)
	if len(in.TaxDocumentPDF) > 0 {
		pdf, filename = in.TaxDocumentPDF, billing.TaxDocumentFilename(*td)
	}
	return title, pdf, filename
}

// legalLines writes the merchant's legal details for an email's foot.
func legalLines(m billing.Merchant, locale string) []string {
	p := m.Profile
	activity, support := "Giro", "Soporte"
	if Language(locale) != LangSpanish {
		activity, support = "Business activity", "Support"
	}
	var out []string
	first := p.LegalName
	if p.TaxID != "" {
		if first != "" {
			first += " · "
		}
		first += "RUT " + billing.FormatRUT(p.TaxID)
	}
	if first != "" {
		out = append(out, first)
	}
	if p.Activity != "" {
		out = append(out, activity+": "+p.Activity)
	}
	if lines := p.Address.Lines(locale); len(lines) > 0 {
		out = append(out, strings.Join(lines, ", "))
	}
	var contact []string
	for _, s := range []string{p.SupportEmail, p.SupportPhone} {
		if s != "" {
			contact = append(contact, s)
		}
	}
	if len(contact) > 0 {
		out = append(out, support+": "+strings.Join(contact, " · "))
	}
	return out
}

// IsPermanent implements app.EmailSender with IsPermanent.
func (*SMTPSender) IsPermanent(err error) bool { return IsPermanent(err) }
