package mail

import (
	"errors"
	"fmt"

	"github.com/cuota/cuota/internal/app"
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
		data = d
	case KindWebhookEndpointDisabled:
		d, err := NewWebhookEndpointDisabled(m, in.EndpointMode, in.EndpointURL, in.FailingSince, in.LastError, "")
		if err != nil {
			return Message{}, err
		}
		data = d
	default:
		return Message{}, fmt.Errorf("%w: %q", ErrUnknownKind, in.Template)
	}
	return Render(Kind(in.Template), in.Locale, data)
}

// IsPermanent implements app.EmailSender with IsPermanent.
func (*SMTPSender) IsPermanent(err error) bool { return IsPermanent(err) }
