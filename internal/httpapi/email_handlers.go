package httpapi

import (
	"context"

	"github.com/cuota/cuota/internal/apiobj"
	"github.com/cuota/cuota/internal/billing"
)

// RelatedObjectJSON names the object an email is about.
type RelatedObjectJSON struct {
	Object string `json:"object" doc:"invoice, subscription or webhook_endpoint."`
	ID     string `json:"id"`
}

// EmailJSON is one entry of the email log.
type EmailJSON struct {
	ID            string            `json:"id"`
	Object        string            `json:"object" enum:"email"`
	Livemode      bool              `json:"livemode"`
	Template      string            `json:"template" enum:"payment_receipt,payment_failed,trial_ending,subscription_canceled,invoice_to_pay,webhook_endpoint_disabled,credit_note,alert_opened,alert_digest"`
	Locale        string            `json:"locale"`
	To            []string          `json:"to"`
	Subject       *string           `json:"subject" doc:"Set once the email is rendered."`
	Text          *string           `json:"text" doc:"The plain-text body exactly as sent (or, when skipped or failed, as rendered); null before it is rendered and for emails recorded before bodies were kept."`
	HTML          *string           `json:"html" doc:"The HTML body, like text."`
	Status        string            `json:"status" enum:"pending,sent,failed,skipped" doc:"skipped: recorded, not sent (no SMTP server configured, or no address)."`
	Attempts      int64             `json:"attempts" doc:"Times it was handed to the SMTP server."`
	LastError     *string           `json:"last_error"`
	Customer      *string           `json:"customer"`
	Event         string            `json:"event" doc:"The event that caused it."`
	RelatedObject RelatedObjectJSON `json:"related_object"`
	MessageID     *string           `json:"message_id"`
	SentAt        *int64            `json:"sent_at"`
	Created       int64             `json:"created"`
}

func emailJSON(e billing.Email) EmailJSON {
	to := e.To
	if to == nil {
		to = []string{}
	}
	return EmailJSON{ID: e.ID, Object: "email", Livemode: e.Scope.Mode.Livemode(), Template: e.Template, Locale: e.Locale, To: to,
		Subject: apiobj.NonEmpty(e.Subject), Text: apiobj.NonEmpty(e.TextBody), HTML: apiobj.NonEmpty(e.HTMLBody), Status: e.Status, Attempts: e.Attempts, LastError: apiobj.NonEmpty(e.LastError),
		Customer: apiobj.NonEmpty(e.CustomerID), Event: e.EventID, RelatedObject: RelatedObjectJSON{Object: e.ObjectType, ID: e.ObjectID},
		MessageID: apiobj.NonEmpty(e.MessageID), SentAt: apiobj.UnixPtr(e.SentAt), Created: e.Created.Unix()}
}

func (h *accountHandlers) listEmails(ctx context.Context, in *struct {
	PageQuery
	Customer string `query:"customer" maxLength:"100" doc:"Only emails to this customer."`
	Type     string `query:"type" maxLength:"100" doc:"Only emails of this template, e.g. payment_receipt."`
}) (*out[ListJSON[EmailJSON]], error) {
	l, err := h.app.Notifications.ListEmails(ctx, scopeOf(ctx), billing.EmailFilter{CustomerID: in.Customer, Template: in.Type}, in.page())
	if err != nil {
		return nil, err
	}
	return reply(listJSON("/v1/emails", l.Data, l.HasMore, emailJSON)), nil
}

func (h *accountHandlers) getEmail(ctx context.Context, in *IDPath) (*out[EmailJSON], error) {
	e, err := h.app.Notifications.GetEmail(ctx, scopeOf(ctx), in.ID)
	if err != nil {
		return nil, err
	}
	return reply(emailJSON(e)), nil
}
