package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	netmail "net/mail"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/money"
)

// EmailRenderer fills an email's template with what it says (adapter:
// mail.Renderer). The message has the content (Subject, Text, HTML,
// Attachments, From.Name, Headers); the send job fills the envelope. An
// error about content that does not fit the template matches
// ErrInvalidInput.
type EmailRenderer interface {
	RenderEmail(EmailContent) (EmailMessage, error)
}

// EmailSender sends one message (adapter: mail.SMTPSender).
type EmailSender interface {
	// Send delivers m or returns an error for which IsPermanent says
	// whether to try again.
	Send(ctx context.Context, m EmailMessage) error
	// IsPermanent reports whether an error of Send says the message can
	// never be sent as it is, so the job stops retrying.
	IsPermanent(err error) bool
}

// EmailContent is what one email says, gathered by the send job for its
// template; each template reads the fields its comment names.
type EmailContent struct {
	// Template is a billing.Email… template and Locale the language's.
	Template string
	Locale   string
	Merchant billing.Merchant
	// Customer is the recipient of customer emails (zero for notices to
	// the merchant).
	Customer billing.Customer
	// LogoURL is the merchant's logo's public address ("" for none).
	LogoURL string
	// Invoice: payment_receipt, payment_failed, invoice_to_pay; for
	// credit_note, the invoice the note corrects.
	Invoice billing.Invoice
	// CreditNote: credit_note.
	CreditNote billing.CreditNote
	// Subscription: trial_ending, subscription_canceled.
	Subscription billing.Subscription
	// PlanName names what is bought: payment_receipt, trial_ending,
	// subscription_canceled.
	PlanName string
	// PortalURL is the merchant's customer portal: payment_receipt,
	// payment_failed, trial_ending, subscription_canceled.
	PortalURL string
	// PDF is the invoice's PDF attachment (nil when the email is only
	// recorded): payment_receipt, invoice_to_pay; the credit note's PDF:
	// credit_note.
	PDF []byte
	// TaxDocument is the Chilean tax document issued for the invoice
	// (payment_receipt) or the credit note's nota de crédito
	// (credit_note); nil: none. TaxDocumentPDF is its PDF as the
	// provider issued it (nil when the email is only recorded).
	TaxDocument    *billing.TaxDocument
	TaxDocumentPDF []byte
	// FailureClass: payment_failed.
	FailureClass billing.FailureClass
	// TrialAmount is what the first invoice after the trial charges:
	// trial_ending.
	TrialAmount money.Amount
	// DueDate (zero: none) and PayURL: invoice_to_pay.
	DueDate time.Time
	PayURL  string
	// Alert: alert_opened.
	Alert billing.Alert
	// Alerts, DigestFrom and DigestTo: alert_digest, the alerts that
	// repeated or stayed open over the day [DigestFrom, DigestTo).
	Alerts     []billing.Alert
	DigestFrom time.Time
	DigestTo   time.Time
	// UserEmail, ResetURL and ResetExpires: password_reset, the console
	// user's email, the link that sets their new password and when it
	// stops working.
	UserEmail    string
	ResetURL     string
	ResetExpires time.Time
	// EndpointMode, EndpointURL, FailingSince and LastError:
	// webhook_endpoint_disabled.
	EndpointMode billing.Mode
	EndpointURL  string
	FailingSince time.Time
	LastError    string
}

// emailDeps is how emails leave: the sender (nil: record only) and the
// envelope's From.
type emailDeps struct {
	sender      EmailSender
	from        string // address; the display name is the merchant's
	domain      string // of Message-IDs
	retryDelays []time.Duration
}

// Mailer configures the sending of emails.
type Mailer struct {
	// Sender sends messages (mail.NewSMTPSender from CUOTA_SMTP_URL). Nil
	// records every email without sending it: status "skipped".
	Sender EmailSender
	// From is the address emails come from, e.g. billing@example.cl; the
	// display name is the merchant's (or "cuota" for notices to the
	// merchant). Required with a Sender.
	From string
	// RetryDelays replaces the wait after each temporary failure
	// (billing.EmailRetryDelays). For tests.
	RetryDelays []time.Duration
}

// Validate reports what New would refuse of a Mailer, so that a process can check
// its configuration before it opens the database.
func (m Mailer) Validate() error {
	_, err := m.deps()
	return err
}

func (m Mailer) deps() (emailDeps, error) {
	d := emailDeps{sender: m.Sender, retryDelays: m.RetryDelays}
	if m.Sender != nil {
		addr, err := netmail.ParseAddress(m.From)
		if err != nil || addr.Name != "" {
			return emailDeps{}, fmt.Errorf("mailer: From %q is not an email address", m.From)
		}
		d.from = addr.Address
		d.domain = d.from[strings.LastIndexByte(d.from, '@')+1:]
	}
	return d, nil
}

// nextEmailAttempt is when to try an email again after attempt number
// attempt (from 1) failed temporarily at now; false when none is left.
func (a *Notifications) nextEmailAttempt(attempt int, now time.Time) (time.Time, bool) {
	return billing.NextEmailAttempt(a.notify.email.retryDelays, attempt, now)
}

// NextEmailAttempt is the retry schedule of send jobs: when to try again
// after attempt number attempt failed at now (zero when none is left).
func (a *Notifications) NextEmailAttempt(attempt int, now time.Time) time.Time {
	t, _ := a.nextEmailAttempt(attempt, now)
	return t
}

// emailsFor returns the emails an event calls for (none for most types):
//
//	invoice.paid (an amount was paid)              → payment_receipt, PDF attached
//	invoice.payment_failed (a decline, not ours)   → payment_failed
//	customer.subscription.trial_will_end           → trial_ending
//	customer.subscription.deleted (canceled)       → subscription_canceled
//	credit_note.created                            → credit_note, its PDF attached
//	webhook_endpoint.disabled                      → webhook_endpoint_disabled, to the merchant
//	alert.opened (not a disabled endpoint's)       → alert_opened, to the merchant's alert address
//
// invoice_to_pay is created by SendInvoiceEmail. A recipient without an
// address gets a "skipped" email, so the log shows what was not sent.
func (a *Notifications) emailsFor(ctx context.Context, tx billing.Tx, m billing.Merchant, ev billing.Event) ([]billing.Email, error) {
	now := a.Now()
	email := func(template string) billing.Email {
		return billing.Email{ID: billing.NewID(billing.PrefixEmail, now), Scope: ev.Scope, Template: template, EventID: ev.ID,
			ObjectType: ev.ObjectType, ObjectID: ev.ObjectID, Params: json.RawMessage(`{}`), Status: billing.EmailPending,
			Created: now, Updated: now}
	}
	var e billing.Email
	var customerID string
	switch ev.Type {
	case EventInvoicePaid:
		var inv billing.Invoice
		if !a.decodeSnapshot(ctx, ev, &inv) || inv.AmountPaid <= 0 {
			return nil, nil
		}
		e, customerID = email(billing.EmailPaymentReceipt), inv.CustomerID
	case EventInvoicePaymentFailed:
		var inv billing.Invoice
		if !a.decodeSnapshot(ctx, ev, &inv) {
			return nil, nil
		}
		class, err := failureClassOf(ctx, tx, inv)
		if err != nil {
			return nil, err
		}
		// Technical failures charged nothing and retry within minutes on
		// cuota's side: there is nothing for the customer to do.
		if class != billing.FailureCustomer && class != billing.FailureHard {
			return nil, nil
		}
		e, customerID = email(billing.EmailPaymentFailed), inv.CustomerID
		if e.Params, err = encodeParams(emailParams{FailureClass: class}); err != nil {
			return nil, err
		}
	case EventSubscriptionTrialWillEnd:
		var sub billing.Subscription
		if !a.decodeSnapshot(ctx, ev, &sub) {
			return nil, nil
		}
		e, customerID = email(billing.EmailTrialEnding), sub.CustomerID
	case EventSubscriptionDeleted:
		var sub billing.Subscription
		// incomplete_expired never started: its failed first payment
		// already had its email.
		if !a.decodeSnapshot(ctx, ev, &sub) || sub.Status != billing.SubscriptionCanceled {
			return nil, nil
		}
		e, customerID = email(billing.EmailSubscriptionCanceled), sub.CustomerID
	case EventCreditNoteCreated:
		var note billing.CreditNote
		if !a.decodeSnapshot(ctx, ev, &note) {
			return nil, nil
		}
		e, customerID = email(billing.EmailCreditNote), note.CustomerID
	case EventAlertOpened:
		var al billing.Alert
		// A disabled endpoint has its own email (webhook_endpoint_disabled):
		// its alert does not send a second one.
		if !a.decodeSnapshot(ctx, ev, &al) || al.Kind == billing.AlertWebhookEndpointDisabled {
			return nil, nil
		}
		e = email(billing.EmailAlertOpened)
		e.Locale = m.Locale
		if to := billing.AlertAddress(m); to != "" {
			e.To = []string{to}
		} else {
			e.Status, e.LastError = billing.EmailSkipped, "the merchant has no alert email (set alert_email or support_email with PATCH /v1/merchant)"
		}
		return []billing.Email{e}, nil
	case EventWebhookEndpointDisabled:
		e = email(billing.EmailWebhookEndpointDisabled)
		e.Locale = m.Locale
		if to := m.Settings.Notifications.Email; to != "" {
			e.To = []string{to}
		} else {
			e.Status, e.LastError = billing.EmailSkipped, "the merchant has no notification email (set email with PATCH /v1/merchant)"
		}
		return []billing.Email{e}, nil
	default:
		return nil, nil
	}
	if err := addCustomer(ctx, tx, m, customerID, &e); err != nil {
		if errors.Is(err, billing.ErrNotFound) {
			// One bad event must not hold up the scope's dispatch.
			a.logger.ErrorContext(ctx, "the customer of an event is missing; no email for it", "event", ev.ID, "customer", customerID)
			return nil, nil
		}
		return nil, err
	}
	return []billing.Email{e}, nil
}

// customerLocale is the locale of emails to c: c's own, or the merchant's
// when c has none.
func customerLocale(m billing.Merchant, c billing.Customer) string {
	if c.Locale != "" {
		return c.Locale
	}
	return m.Locale
}

// addCustomer addresses e to a customer, in the customer's language.
func addCustomer(ctx context.Context, tx billing.Tx, m billing.Merchant, customerID string, e *billing.Email) error {
	c, err := tx.Customers.GetCustomer(ctx, e.Scope, customerID)
	if err != nil {
		return fmt.Errorf("read customer %s: %w", customerID, err)
	}
	e.CustomerID, e.Locale = c.ID, customerLocale(m, c)
	if c.Email == "" {
		e.Status, e.LastError = billing.EmailSkipped, "the customer has no email address"
		return nil
	}
	e.To = []string{c.Email}
	return nil
}

// failureClassOf is the failure class of an invoice's latest attempt (the
// payment whose attempt number is the invoice's attempt count).
func failureClassOf(ctx context.Context, tx billing.Tx, inv billing.Invoice) (billing.FailureClass, error) {
	pays, _, err := tx.Payments.ListPayments(ctx, inv.Scope, billing.PaymentFilter{InvoiceID: inv.ID}, billing.Page{})
	if err != nil {
		return "", fmt.Errorf("read payments of %s: %w", inv.ID, err)
	}
	for _, p := range pays {
		if p.Attempt == inv.AttemptCount && p.Status == billing.PaymentFailed {
			return p.FailureClass, nil
		}
	}
	return "", nil
}

// decodeSnapshot reads an event's object. A snapshot that does not decode
// is logged and causes no email (the event itself is still delivered).
func (a *Notifications) decodeSnapshot(ctx context.Context, ev billing.Event, v any) bool {
	if err := json.Unmarshal(ev.Data, v); err != nil {
		a.logger.ErrorContext(ctx, "event snapshot does not decode; no email for it", "event", ev.ID, "type", ev.Type, "error", err)
		return false
	}
	return true
}

// emailParams are the template inputs an email keeps beside its event.
type emailParams struct {
	FailureClass billing.FailureClass `json:"failure_class,omitempty"`
	PayURL       string               `json:"pay_url,omitempty"`
	DueDate      *time.Time           `json:"due_date,omitempty"`
	// AlertIDs, DigestFrom and DigestTo: alert_digest, the alerts it lists
	// (oldest first) and the day it covers.
	AlertIDs   []string   `json:"alert_ids,omitempty"`
	DigestFrom *time.Time `json:"digest_from,omitempty"`
	DigestTo   *time.Time `json:"digest_to,omitempty"`
}

// encodeParams encodes an email's params. It fails only for a DueDate
// outside the years 0 to 9999, which callers refuse earlier
// (billing.CheckTime); an error here is no reason to stop a process.
func encodeParams(p emailParams) (json.RawMessage, error) {
	b, err := json.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("encode email params: %w", err)
	}
	return b, nil
}

// queueEmail stores an email and, when it is to be sent and was not there
// yet, its send job.
func (a *Notifications) queueEmail(ctx context.Context, tx billing.Tx, e billing.Email) error {
	inserted, err := tx.Notify.InsertEmail(ctx, e)
	if err != nil {
		return fmt.Errorf("create %s email: %w", e.Template, err)
	}
	if !inserted || e.Status != billing.EmailPending {
		return nil
	}
	if err := tx.Jobs.Enqueue(ctx, SendEmailArgs{MerchantID: e.Scope.MerchantID, Mode: e.Scope.Mode, EmailID: e.ID}); err != nil {
		return fmt.Errorf("enqueue email %s: %w", e.ID, err)
	}
	return nil
}

// InvoiceEmailParams say how a customer pays an invoice sent by email.
type InvoiceEmailParams struct {
	// PayURL is where the customer pays (a hosted payment page). Required.
	PayURL string
	// DueDate is when payment is due; nil for none.
	DueDate *time.Time
}

// SendInvoiceEmail asks a customer to pay inv by hand: it writes the
// invoice.sent event and the invoice_to_pay email (with the invoice's PDF
// attached when sent) in the caller's transaction, so the email exists
// exactly when the change that sends the invoice commits. It is the hook
// for one-off invoices with collection by email (send_invoice); at is the
// event's time (the customer's clock).
func (a *Notifications) SendInvoiceEmail(ctx context.Context, tx billing.Tx, inv billing.Invoice, p InvoiceEmailParams, at time.Time) error {
	var v validator
	v.required("pay_url", p.PayURL)
	v.link("pay_url", p.PayURL)
	if err := v.err(); err != nil {
		return err
	}
	m, err := tx.Merchants.GetMerchant(ctx, inv.Scope.MerchantID)
	if err != nil {
		return fmt.Errorf("read merchant: %w", err)
	}
	ev, err := a.newEvent(inv.Scope, EventInvoiceSent, "invoice", inv.ID, inv, at)
	if err != nil {
		return err
	}
	if err := tx.Events.CreateEvent(ctx, ev); err != nil {
		return fmt.Errorf("write %s event: %w", EventInvoiceSent, err)
	}
	params, err := encodeParams(emailParams{PayURL: p.PayURL, DueDate: p.DueDate})
	if err != nil {
		return err
	}
	now := a.Now()
	e := billing.Email{ID: billing.NewID(billing.PrefixEmail, now), Scope: inv.Scope, Template: billing.EmailInvoiceToPay,
		EventID: ev.ID, ObjectType: "invoice", ObjectID: inv.ID, Status: billing.EmailPending,
		Params: params, Created: now, Updated: now}
	if err := addCustomer(ctx, tx, m, inv.CustomerID, &e); err != nil {
		return err
	}
	return a.queueEmail(ctx, tx, e)
}

// link checks an optional absolute http(s) URL that an email links to.
func (v *validator) link(param, s string) {
	if s == "" {
		return
	}
	v.maxLen(param, s, maxWebhookURLLen)
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		v.fail(param, billing.CodeParameterInvalid, "%s must be an absolute http or https URL", param)
	}
}

// GetEmail returns an email of scope s.
func (a *Notifications) GetEmail(ctx context.Context, s billing.Scope, id string) (billing.Email, error) {
	return read(ctx, a.core, func(tx billing.Tx) (billing.Email, error) {
		v, err := tx.Notify.GetEmail(ctx, s, id)
		return v, notFound(err, "email", id)
	})
}

// ListEmails lists the email log of scope s, newest first.
func (a *Notifications) ListEmails(ctx context.Context, s billing.Scope, f billing.EmailFilter, page billing.Page) (List[billing.Email], error) {
	if f.Template != "" && !slices.Contains(billing.EmailTemplates(), f.Template) {
		return List[billing.Email]{}, billing.Invalid("type", billing.CodeParameterInvalid,
			"type must be one of %s", strings.Join(billing.EmailTemplates(), ", "))
	}
	return list(ctx, a.core, page, billing.PrefixEmail, func(tx billing.Tx, page billing.Page) ([]billing.Email, bool, error) {
		return tx.Notify.ListEmails(ctx, s, f, page)
	})
}

// EmailOutcome is what one send attempt leaves to its job.
type EmailOutcome struct {
	// Retry asks for another attempt (a temporary failure).
	Retry bool
	// Reason says why the attempt failed.
	Reason string
	// Wait asks to look again after it without counting an attempt: a
	// receipt or a credit note's email waiting for its tax document
	// (billing.ReceiptTaxDocument).
	Wait time.Duration
}

// SendEmail renders and sends one email, then records the outcome:
// "sent"; "skipped" without a mailer; "failed" for a permanent error (5xx,
// an email that cannot be rendered) or the last temporary one; "pending"
// with Retry for a temporary error with attempts left. jobAttempt is the
// job's attempt number (from 1). Every try sends the same Message-ID.
func (a *Notifications) SendEmail(ctx context.Context, args SendEmailArgs, jobAttempt int) (EmailOutcome, error) {
	s := billing.Scope{MerchantID: args.MerchantID, Mode: args.Mode}
	deps := a.notify.email
	var e billing.Email
	var msg EmailMessage
	var renderErr error
	var taxDoc receiptDocument
	err := a.store.InTx(ctx, func(tx billing.Tx) error {
		var err error
		if e, err = tx.Notify.GetEmail(ctx, s, args.EmailID); err != nil {
			return err
		}
		if e.Status != billing.EmailPending {
			return nil
		}
		if taxDoc, err = a.receiptTaxDocument(ctx, tx, e, deps.sender != nil); err != nil || taxDoc.wait || taxDoc.fetch {
			return err // rendered once the document is known (below)
		}
		msg, renderErr = a.renderEmail(ctx, tx, e, deps.sender != nil, taxDoc)
		return nil
	})
	if errors.Is(err, billing.ErrNotFound) {
		return EmailOutcome{}, nil
	}
	if err != nil {
		return EmailOutcome{}, fmt.Errorf("read email %s: %w", args.EmailID, err)
	}
	if e.Status != billing.EmailPending {
		return EmailOutcome{}, nil
	}
	if taxDoc.wait {
		return EmailOutcome{Wait: billing.ReceiptTaxDocumentWait}, nil
	}
	if taxDoc.fetch {
		// A receipt whose tax document was issued: its PDF is fetched
		// from the provider outside any transaction, then it is rendered.
		taxDoc = a.fetchReceiptDocument(ctx, e, taxDoc)
		err = a.store.InTx(ctx, func(tx billing.Tx) error {
			msg, renderErr = a.renderEmail(ctx, tx, e, true, taxDoc)
			return nil
		})
		if err != nil {
			return EmailOutcome{}, fmt.Errorf("render email %s: %w", args.EmailID, err)
		}
	}
	// A database hiccup while gathering the data is worth another try
	// (while tries are left); a template that cannot be filled is not.
	invalid := false
	if renderErr != nil {
		invalid = errors.Is(renderErr, ErrInvalidInput) || errors.Is(renderErr, errEmailData)
		if _, more := a.nextEmailAttempt(jobAttempt, a.Now()); !invalid && more {
			return EmailOutcome{}, renderErr
		}
	}

	var out EmailOutcome
	var sendErr error
	sent := false
	switch {
	case renderErr != nil:
	case deps.sender == nil:
	default:
		msg.MessageID = EmailMessageID(e.ID, deps.domain)
		msg.From.Email = deps.from
		sendErr = deps.sender.Send(ctx, msg)
		sent = sendErr == nil
	}
	now := a.Now()
	// The attempt is recorded even when shutdown interrupted it.
	rctx := context.WithoutCancel(ctx)
	err = a.store.InTx(rctx, func(tx billing.Tx) error {
		cur, err := tx.Notify.GetEmail(rctx, s, e.ID)
		if err != nil {
			return err
		}
		if cur.Status != billing.EmailPending {
			return nil // another run recorded it
		}
		// The bodies are kept as rendered: what the merchant reads is what
		// was sent, whatever changes later in the data they came from.
		cur.Subject, cur.Updated = msg.Subject, now
		cur.TextBody, cur.HTMLBody = hideSecrets(msg.Text, msg, e.Locale), hideSecrets(msg.HTML, msg, e.Locale)
		switch {
		case renderErr != nil && invalid:
			cur.Status, cur.LastError = billing.EmailFailed, "cannot be rendered: "+renderErr.Error()
		case renderErr != nil:
			a.logger.ErrorContext(ctx, "email could not be prepared; giving up", "email", e.ID, "error", renderErr)
			cur.Status, cur.LastError = billing.EmailFailed, "could not be prepared (an internal error; see the server log)"
		case deps.sender == nil:
			cur.Status, cur.LastError = billing.EmailSkipped, "not sent: no SMTP server is configured (CUOTA_SMTP_URL)"
		case sent:
			cur.Attempts++
			cur.Status, cur.LastError, cur.MessageID, cur.SentAt = billing.EmailSent, "", msg.MessageID, &now
		default:
			cur.Attempts++
			cur.LastError, cur.MessageID = sendErr.Error(), msg.MessageID
			out.Reason = cur.LastError
			if _, more := a.nextEmailAttempt(jobAttempt, now); more && !deps.sender.IsPermanent(sendErr) && ctx.Err() == nil {
				out.Retry = true
			} else if ctx.Err() == nil {
				cur.Status = billing.EmailFailed
			}
		}
		return tx.Notify.UpdateEmail(rctx, cur)
	})
	if err != nil {
		return EmailOutcome{}, fmt.Errorf("record email %s: %w", e.ID, err)
	}
	if sendErr != nil && ctx.Err() != nil {
		return EmailOutcome{}, fmt.Errorf("email %s interrupted: %w", e.ID, ctx.Err())
	}
	return out, nil
}

// nextRetryAfter is when the attempt after the failed one of snapshot
// (an invoice.payment_failed snapshot) was or is due, nil when none
// follows. The snapshot's own next_payment_attempt is written before the
// dunning schedule decides (the event is emitted first), so the answer
// comes from the invoice as it is now: its next attempt if no attempt was
// made since, else the time the following attempt was made.
func nextRetryAfter(ctx context.Context, tx billing.Tx, snapshot billing.Invoice) (*time.Time, error) {
	cur, err := tx.Invoices.GetInvoice(ctx, snapshot.Scope, snapshot.ID)
	if err != nil {
		return nil, fmt.Errorf("read invoice %s: %w", snapshot.ID, err)
	}
	if cur.AttemptCount == snapshot.AttemptCount {
		if cur.Status != billing.InvoiceOpen {
			return nil, nil
		}
		return cur.NextAttemptAt, nil
	}
	pays, _, err := tx.Payments.ListPayments(ctx, snapshot.Scope, billing.PaymentFilter{InvoiceID: snapshot.ID}, billing.Page{})
	if err != nil {
		return nil, fmt.Errorf("read payments of %s: %w", snapshot.ID, err)
	}
	for _, p := range pays {
		if p.Attempt == snapshot.AttemptCount+1 {
			at := p.Created
			return &at, nil
		}
	}
	return nil, nil
}
