package apiobj

import (
	"bytes"
	"encoding/json"

	"github.com/cuota/cuota/internal/billing"
)

// TestClockJSON is a test clock as the API shows it.
type TestClockJSON struct {
	ID         string `json:"id"`
	Object     string `json:"object" enum:"test_clock"`
	Livemode   bool   `json:"livemode"`
	Name       string `json:"name"`
	FrozenTime int64  `json:"frozen_time"`
	Status     string `json:"status" enum:"ready,advancing"`
	Created    int64  `json:"created"`
}

// TestClock renders a test clock.
func TestClock(c billing.TestClock) TestClockJSON {
	return TestClockJSON{ID: c.ID, Object: "test_clock", Livemode: c.Scope.Mode.Livemode(), Name: c.Name,
		FrozenTime: c.FrozenTime.Unix(), Status: c.Status, Created: c.Created.Unix()}
}

// PaymentMethodJSON is a payment method as the API shows it (never the
// gateway token).
type PaymentMethodJSON struct {
	ID       string `json:"id"`
	Object   string `json:"object" enum:"payment_method"`
	Livemode bool   `json:"livemode"`
	Customer string `json:"customer"`
	Gateway  string `json:"gateway"`
	Brand    string `json:"brand"`
	Last4    string `json:"last4"`
	ExpMonth int64  `json:"exp_month"`
	ExpYear  int64  `json:"exp_year"`
	Status   string `json:"status"`
	Created  int64  `json:"created"`
}

// PaymentMethod renders a payment method (without its gateway token).
func PaymentMethod(p billing.PaymentMethod) PaymentMethodJSON {
	return PaymentMethodJSON{ID: p.ID, Object: "payment_method", Livemode: p.Scope.Mode.Livemode(), Customer: p.CustomerID,
		Gateway: p.Gateway, Brand: p.Brand, Last4: p.Last4, ExpMonth: p.ExpMonth, ExpYear: p.ExpYear, Status: string(p.Status),
		Created: p.Created.Unix()}
}

// SubscriptionItemJSON is one price of a subscription.
type SubscriptionItemJSON struct {
	ID         string `json:"id"`
	Price      string `json:"price"`
	Product    string `json:"product"`
	Quantity   int64  `json:"quantity"`
	UnitAmount int64  `json:"unit_amount"`
	// TaxRates are the rates fixed on the item when it was set.
	TaxRates []string `json:"tax_rates"`
}

// SubscriptionJSON is a subscription as the API shows it.
type SubscriptionJSON struct {
	ID                  string                  `json:"id"`
	Object              string                  `json:"object" enum:"subscription"`
	Livemode            bool                    `json:"livemode"`
	Customer            string                  `json:"customer"`
	Status              string                  `json:"status"`
	Items               []SubscriptionItemJSON  `json:"items"`
	Currency            string                  `json:"currency"`
	Recurring           RecurringJSON           `json:"recurring"`
	PaymentMethod       *string                 `json:"payment_method"`
	BillingCycleAnchor  int64                   `json:"billing_cycle_anchor"`
	CurrentPeriodStart  int64                   `json:"current_period_start"`
	CurrentPeriodEnd    int64                   `json:"current_period_end"`
	TrialStart          *int64                  `json:"trial_start"`
	TrialEnd            *int64                  `json:"trial_end"`
	CancelAtPeriodEnd   bool                    `json:"cancel_at_period_end"`
	CancelAt            *int64                  `json:"cancel_at"`
	CanceledAt          *int64                  `json:"canceled_at"`
	CancellationReason  *string                 `json:"cancellation_reason"`
	CancellationDetails CancellationDetailsJSON `json:"cancellation_details" doc:"Why the subscription was canceled: who or what ended it (reason) and what the customer said (feedback, comment)."`
	EndedAt             *int64                  `json:"ended_at"`
	MaxCycles           *int64                  `json:"max_cycles"`
	EndDate             *int64                  `json:"end_date"`
	Coupon              *string                 `json:"coupon"`
	DefaultTaxRates     []string                `json:"default_tax_rates" doc:"Tax rates of every item, before the prices' and the merchant's."`
	TestClock           *string                 `json:"test_clock"`
	Metadata            billing.Metadata        `json:"metadata"`
	PendingUpdate       *PendingUpdateJSON      `json:"pending_update" doc:"A change scheduled for the end of the period (a downgrade, by default), or null. Cancel it with POST /v1/subscriptions/{id}/pending_update/cancel."`
	Created             int64                   `json:"created"`
}

// CancellationDetailsJSON is Stripe's cancellation_details: the reason
// cuota recorded and the customer's own feedback and comment, each null
// when unknown.
type CancellationDetailsJSON struct {
	Reason   *string `json:"reason" doc:"requested_by_customer, requested_by_merchant, payment_failed, system_error or completed; the same as cancellation_reason."`
	Feedback *string `json:"feedback" enum:"too_expensive,missing_features,switched_service,unused,customer_service,too_complex,low_quality,other" doc:"The customer's reason, from a fixed list."`
	Comment  *string `json:"comment" doc:"The customer's own words."`
}

// PendingUpdateJSON is the change a subscription will make when its period
// ends: without it a scheduled downgrade would be invisible until the
// renewal applied it.
type PendingUpdateJSON struct {
	Items             []SubscriptionItemJSON `json:"items" doc:"The items the subscription will have from effective_at."`
	EffectiveAt       int64                  `json:"effective_at" doc:"When the items apply: the end of the current period."`
	ProrationBehavior string                 `json:"proration_behavior" enum:"none" doc:"Always none: the change applies at a period boundary, so nothing is prorated; the renewal invoice charges the new items."`
}

// SubscriptionItems renders a subscription's (or a pending update's) items.
func SubscriptionItems(items []billing.SubscriptionItem) []SubscriptionItemJSON {
	out := make([]SubscriptionItemJSON, 0, len(items))
	for _, it := range items {
		out = append(out, SubscriptionItemJSON{ID: it.ID, Price: it.PriceID, Product: it.ProductID,
			Quantity: it.Quantity, UnitAmount: it.UnitAmount, TaxRates: TaxRateIDs(it.TaxRates)})
	}
	return out
}

// Subscription renders a subscription.
func Subscription(s billing.Subscription) SubscriptionJSON {
	out := SubscriptionJSON{ID: s.ID, Object: "subscription", Livemode: s.Scope.Mode.Livemode(), Customer: s.CustomerID,
		Status: string(s.Status), Currency: s.Currency,
		Recurring:     RecurringJSON{Interval: s.Recurring.Interval, IntervalCount: s.Recurring.IntervalCount},
		PaymentMethod: NonEmpty(s.PaymentMethodID), BillingCycleAnchor: s.BillingAnchor.Unix(),
		CurrentPeriodStart: s.CurrentPeriodStart.Unix(), CurrentPeriodEnd: s.CurrentPeriodEnd.Unix(),
		TrialStart: UnixPtr(s.TrialStart), TrialEnd: UnixPtr(s.TrialEnd), CancelAtPeriodEnd: s.CancelAtPeriodEnd,
		CancelAt: UnixPtr(s.CancelAt), CanceledAt: UnixPtr(s.CanceledAt), CancellationReason: NonEmpty(string(s.CancellationReason)),
		EndedAt: UnixPtr(s.EndedAt), MaxCycles: Positive(s.MaxCycles), EndDate: UnixPtr(s.EndDate), Coupon: NonEmpty(s.CouponID),
		TestClock: NonEmpty(s.TestClockID), DefaultTaxRates: IDs(s.DefaultTaxRates), Metadata: s.Metadata, Created: s.Created.Unix()}
	out.CancellationDetails = CancellationDetailsJSON{Reason: out.CancellationReason,
		Feedback: NonEmpty(string(s.CancellationFeedback)), Comment: NonEmpty(s.CancellationComment)}
	out.Items = SubscriptionItems(s.Items)
	if pc := s.PendingChange; pc != nil {
		out.PendingUpdate = &PendingUpdateJSON{Items: SubscriptionItems(pc.Items), EffectiveAt: pc.EffectiveAt.Unix(),
			ProrationBehavior: string(billing.ProrationNone)}
	}
	return out
}

// InvoiceLineJSON is one line of an invoice.
type InvoiceLineJSON struct {
	ID          string   `json:"id"`
	Type        string   `json:"type"`
	Description string   `json:"description"`
	Price       *string  `json:"price"`
	Quantity    int64    `json:"quantity"`
	Amount      int64    `json:"amount"`
	PeriodStart int64    `json:"period_start"`
	PeriodEnd   int64    `json:"period_end"`
	TaxRates    []string `json:"tax_rates" doc:"The rates that tax the line."`
	// UF is set on a line of a UF price (docs/uf.md); amount is then
	// the pesos it converts to.
	UF *LineUFJSON `json:"uf,omitempty" doc:"A line of a UF price: the UF it charges and the value it was converted at (null on other lines)."`
}

// LineUFJSON is the UF part of an invoice line: amount_uf is in 1/10000 UF
// (25000 is UF 2,5000); rate and rate_date are null until the invoice's
// day has a value (the invoice waits as a draft).
type LineUFJSON struct {
	AmountUF int64   `json:"amount_uf" doc:"The UF the line charges, in 1/10000 UF."`
	Rate     *string `json:"rate" doc:"The UF's value in pesos it was converted at, with two decimals (\"39485.65\"); null while it waits."`
	RateDate *string `json:"rate_date" doc:"The day of that value (YYYY-MM-DD)."`
}

// LineUF is l's UF part as the API shows it, or nil.
func LineUF(u *billing.LineUF) *LineUFJSON {
	if u == nil {
		return nil
	}
	out := &LineUFJSON{AmountUF: u.Amount}
	if u.Converted() {
		r := billing.FormatUFValue(u.Rate)
		out.Rate, out.RateDate = &r, &u.RateDate
	}
	return out
}

// InvoiceJSON is an invoice as the API shows it.
type InvoiceJSON struct {
	ID                string            `json:"id"`
	Object            string            `json:"object" enum:"invoice"`
	Livemode          bool              `json:"livemode"`
	Customer          string            `json:"customer"`
	Subscription      *string           `json:"subscription"`
	Number            *string           `json:"number"`
	Status            string            `json:"status"`
	BillingReason     string            `json:"billing_reason"`
	Currency          string            `json:"currency"`
	PeriodStart       int64             `json:"period_start"`
	PeriodEnd         int64             `json:"period_end"`
	Lines             []InvoiceLineJSON `json:"lines"`
	Subtotal          int64             `json:"subtotal"`
	Discount          int64             `json:"discount"`
	Tax               int64             `json:"tax" doc:"Every rate's tax, inclusive and exclusive."`
	Total             int64             `json:"total"`
	TotalExcludingTax int64             `json:"total_excluding_tax" doc:"total less tax."`
	TotalTaxAmounts   []TaxAmountJSON   `json:"total_tax_amounts" doc:"The tax per rate, each rounded once per invoice (docs/taxes.md)."`
	AmountDue         int64             `json:"amount_due" doc:"total − the customer's credit the invoice used (+ a balance owed)."`
	AmountPaid        int64             `json:"amount_paid"`
	StartingBalance   int64             `json:"starting_balance" doc:"The customer's balance when the invoice was finalized (negative = credit); 0 when it used none."`
	EndingBalance     int64             `json:"ending_balance" doc:"The customer's balance the invoice left."`
	AttemptCount      int64             `json:"attempt_count"`
	NextAttempt       *int64            `json:"next_payment_attempt"`
	FinalizedAt       *int64            `json:"finalized_at"`
	PaidAt            *int64            `json:"paid_at"`
	VoidedAt          *int64            `json:"voided_at"`
	Collection        string            `json:"collection" enum:"charge_automatically,send_invoice"`
	DueDate           *int64            `json:"due_date"`
	PaymentMethod     *string           `json:"payment_method" doc:"The saved card a one-off charge_automatically invoice is charged to."`
	HostedURL         *string           `json:"hosted_invoice_url" doc:"The customer's page to see and pay the invoice (finalized invoices)."`
	TaxDocument       *TaxDocumentJSON  `json:"tax_document" doc:"The invoice's Chilean electronic tax document (boleta, factura), when tax documents are enabled (docs/dte.md); null otherwise."`
	Waiting           *InvoiceWaitJSON  `json:"waiting,omitempty" doc:"Why a draft is not finalized yet: the UF value of its day (docs/uf.md). Shown when one invoice is retrieved."`
	Created           int64             `json:"created"`
}

// InvoiceWaitJSON is why a draft invoice waits: the UF value of uf_date
// is not known yet; next_attempt is when cuota tries again (docs/uf.md).
type InvoiceWaitJSON struct {
	Reason      string `json:"reason" enum:"uf_rate_missing"`
	UFDate      string `json:"uf_date" doc:"The day whose UF value the invoice waits for (YYYY-MM-DD)."`
	Attempts    int64  `json:"attempts" doc:"How many times cuota looked for the value."`
	NextAttempt int64  `json:"next_attempt"`
}

// TaxDocumentJSON is an invoice's electronic tax document as the API
// shows it.
type TaxDocumentJSON struct {
	ID         string  `json:"id"`
	Object     string  `json:"object" enum:"tax_document"`
	Type       int     `json:"type" doc:"The SII's document type: 33 factura, 34 factura exenta, 39 boleta, 41 boleta exenta, 61 nota de crédito."`
	Name       string  `json:"name" doc:"The document's legal name in Spanish (\"Boleta electrónica\")."`
	Status     string  `json:"status" enum:"pending,unknown,issued,accepted,rejected" doc:"pending: recorded, not yet taken by the provider; unknown: the provider's answer was lost, resolved by looking the key up; issued: folio assigned, the SII has not decided; accepted or rejected by the SII (or refused by the provider)."`
	Folio      *int64  `json:"folio" doc:"The document's number, assigned by the provider per type."`
	Provider   string  `json:"provider"`
	ProviderID *string `json:"provider_id" doc:"The provider's id of the document (OpenFactura's token)."`
	TrackID    *string `json:"track_id" doc:"The SII's envelope id, when the provider reports it."`
	SIIStatus  *string `json:"sii_status" doc:"The SII's status in the provider's words (\"Aceptado con Reparo\")."`
	Reason     *string `json:"reason" doc:"Why the document was rejected, or the provider's last error."`
	Attempt    int     `json:"attempt" doc:"1, then one more for each emission after a rejection."`
	Key        string  `json:"emission_key" doc:"The deterministic key the provider deduplicates on."`
	PDFURL     *string `json:"pdf_url" doc:"The document's PDF from the provider, once issued (this API, with your key)."`
	XMLURL     *string `json:"xml_url" doc:"The document's signed XML, once issued."`
	Created    int64   `json:"created"`
	Updated    int64   `json:"updated"`
}

// TaxDocument renders a tax document emission.
func TaxDocument(d billing.TaxDocument) TaxDocumentJSON {
	out := TaxDocumentJSON{ID: d.ID, Object: "tax_document", Type: int(d.Type), Name: d.Type.Name("es"), Status: string(d.Status),
		Provider: d.Provider, ProviderID: NonEmpty(d.ProviderID), TrackID: NonEmpty(d.TrackID), SIIStatus: NonEmpty(d.SIIStatus),
		Reason: NonEmpty(d.Reason), Attempt: d.Attempt, Key: d.Key, Created: d.Created.Unix(), Updated: d.Updated.Unix()}
	if d.Folio > 0 {
		out.Folio = &d.Folio
	}
	if d.ProviderID != "" {
		base := "/v1/invoices/" + d.InvoiceID
		if d.CreditNoteID != "" {
			base = "/v1/credit_notes/" + d.CreditNoteID
		}
		pdf, xml := base+"/tax_document/pdf", base+"/tax_document/xml"
		out.PDFURL, out.XMLURL = &pdf, &xml
	}
	return out
}

// Invoice renders an invoice; next_payment_attempt shows only while it is open.
func Invoice(i billing.Invoice) InvoiceJSON {
	out := InvoiceJSON{ID: i.ID, Object: "invoice", Livemode: i.Scope.Mode.Livemode(), Customer: i.CustomerID,
		Subscription: NonEmpty(i.SubscriptionID), Number: NonEmpty(i.Number), Status: string(i.Status), BillingReason: i.BillingReason,
		Currency: i.Currency, PeriodStart: i.PeriodStart.Unix(), PeriodEnd: i.PeriodEnd.Unix(), Subtotal: i.Subtotal,
		Discount: i.Discount, Tax: i.Tax, Total: i.Total, AmountDue: i.AmountDue, AmountPaid: i.AmountPaid,
		StartingBalance: i.StartingBalance, EndingBalance: i.EndingBalance,
		AttemptCount: i.AttemptCount, FinalizedAt: UnixPtr(i.FinalizedAt), PaidAt: UnixPtr(i.PaidAt),
		VoidedAt: UnixPtr(i.VoidedAt), Collection: billing.CollectionOf(i), DueDate: UnixPtr(i.DueDate),
		PaymentMethod: NonEmpty(i.PaymentMethodID), HostedURL: NonEmpty(i.HostedURL), Created: i.Created.Unix()}
	out.TotalExcludingTax, out.TotalTaxAmounts = i.TotalExcludingTax(), TaxAmounts(i.TaxAmounts)
	if w := i.Waiting; w != nil {
		out.Waiting = &InvoiceWaitJSON{Reason: "uf_rate_missing", UFDate: w.Date, Attempts: w.Attempts, NextAttempt: w.NextAttemptAt.Unix()}
	}
	if i.TaxDocument != nil {
		td := TaxDocument(*i.TaxDocument)
		out.TaxDocument = &td
	}
	if i.Status == billing.InvoiceOpen {
		out.NextAttempt = UnixPtr(i.NextAttemptAt)
	}
	out.Lines = make([]InvoiceLineJSON, 0, len(i.Lines))
	for _, l := range i.Lines {
		out.Lines = append(out.Lines, InvoiceLineJSON{ID: l.ID, Type: l.Type, Description: l.Description, Price: NonEmpty(l.PriceID),
			Quantity: l.Quantity, Amount: l.Amount, PeriodStart: l.PeriodStart.Unix(), PeriodEnd: l.PeriodEnd.Unix(),
			TaxRates: TaxRateIDs(l.TaxRates), UF: LineUF(l.UF)})
	}
	return out
}

// PaymentJSON is a payment attempt as the API shows it.
type PaymentJSON struct {
	ID             string  `json:"id"`
	Object         string  `json:"object" enum:"payment"`
	Livemode       bool    `json:"livemode"`
	Invoice        string  `json:"invoice"`
	Customer       string  `json:"customer"`
	Attempt        int64   `json:"attempt"`
	Gateway        string  `json:"gateway"`
	PaymentMethod  string  `json:"payment_method"`
	Amount         int64   `json:"amount"`
	Currency       string  `json:"currency"`
	Status         string  `json:"status"`
	FailureClass   *string `json:"failure_class"`
	FailureCode    *string `json:"failure_code"`
	FailureMessage *string `json:"failure_message"`
	AmountRefunded int64   `json:"amount_refunded"`
	NextActionURL  *string `json:"next_action_url" doc:"Where the customer completes this payment (a pay page, or an authentication the gateway asks for)."`
	Created        int64   `json:"created"`
}

// Payment renders a payment attempt.
func Payment(p billing.Payment) PaymentJSON {
	return PaymentJSON{ID: p.ID, Object: "payment", Livemode: p.Scope.Mode.Livemode(), Invoice: p.InvoiceID,
		Customer: p.CustomerID, Attempt: p.Attempt, Gateway: p.Gateway, PaymentMethod: p.PaymentMethodID, Amount: p.Amount,
		Currency: p.Currency, Status: string(p.Status), FailureClass: NonEmpty(string(p.FailureClass)), FailureCode: NonEmpty(p.FailureCode),
		FailureMessage: NonEmpty(p.FailureMessage), AmountRefunded: p.AmountRefunded, NextActionURL: NonEmpty(p.NextActionURL),
		Created: p.Created.Unix()}
}

// EventJSON is an event as the API shows it.
type EventJSON struct {
	ID       string          `json:"id"`
	Object   string          `json:"object" enum:"event"`
	Livemode bool            `json:"livemode"`
	Type     string          `json:"type"`
	Data     EventDataJSON   `json:"data"`
	Created  int64           `json:"created"`
	Raw      json.RawMessage `json:"-"`
}

// EventDataJSON holds the object an event is about.
type EventDataJSON struct {
	ObjectType string          `json:"object_type"`
	ObjectID   string          `json:"object_id"`
	Object     json.RawMessage `json:"object"`
	// PreviousAttributes is on update events (*.updated) only: the
	// object's fields the change altered, each with its value before, in
	// the object's API shape (Stripe's data.previous_attributes).
	PreviousAttributes json.RawMessage `json:"previous_attributes,omitempty" doc:"On *.updated events: the fields of object that changed, with their values before the change."`
}

// Event renders an event, its object in that object's API shape (what GET /v1/events/{id} shows).
func Event(e billing.Event) EventJSON {
	obj := apiSnapshot(e.ObjectType, e.Data)
	return EventJSON{ID: e.ID, Object: "event", Livemode: e.Scope.Mode.Livemode(), Type: e.Type,
		Data: EventDataJSON{ObjectType: e.ObjectType, ObjectID: e.ObjectID, Object: obj,
			PreviousAttributes: previousAttributes(e.ObjectType, e.Previous, obj)},
		Created: e.Created.Unix()}
}

// previousAttributes is the one place an update event's
// previous_attributes are made, for every object type: the object before
// the change is rendered like the object after (apiSnapshot) and the two
// are compared field by field. A field whose rendering differs is listed
// with its value before (null for one the object did not have). nil when
// the event keeps no object before (events other than updates, and updates
// written before cuota kept it) or either side is not a JSON object.
func previousAttributes(objectType string, previous, after json.RawMessage) json.RawMessage {
	if len(previous) == 0 {
		return nil
	}
	var was, is map[string]json.RawMessage
	if json.Unmarshal(apiSnapshot(objectType, previous), &was) != nil || json.Unmarshal(after, &is) != nil || was == nil || is == nil {
		return nil
	}
	same := func(a, b json.RawMessage) bool {
		var ca, cb bytes.Buffer
		return json.Compact(&ca, a) == nil && json.Compact(&cb, b) == nil && bytes.Equal(ca.Bytes(), cb.Bytes())
	}
	changed := map[string]json.RawMessage{}
	for k, v := range was {
		if w, ok := is[k]; !ok || !same(v, w) {
			changed[k] = v
		}
	}
	for k := range is {
		if _, ok := was[k]; !ok {
			changed[k] = json.RawMessage("null")
		}
	}
	b, err := json.Marshal(changed)
	if err != nil {
		return nil
	}
	return b
}

// apiSnapshot renders an event's stored snapshot the way the API shows
// that object, so that an event's object looks like GET /v1/{objects}/{id}.
// A snapshot that cannot be read that way is passed through as stored.
func apiSnapshot(objectType string, data json.RawMessage) json.RawMessage {
	convert := func(v any, render func() any) json.RawMessage {
		if err := json.Unmarshal(data, v); err != nil {
			return data
		}
		b, err := json.Marshal(render())
		if err != nil {
			return data
		}
		return b
	}
	switch objectType {
	case "customer":
		var v billing.Customer
		return convert(&v, func() any { return Customer(v) })
	case "subscription":
		var v billing.Subscription
		return convert(&v, func() any { return Subscription(v) })
	case "invoice":
		var v billing.Invoice
		return convert(&v, func() any { return Invoice(v) })
	case "payment":
		var v billing.Payment
		return convert(&v, func() any { return Payment(v) })
	case "payment_method":
		var v billing.PaymentMethod
		return convert(&v, func() any { return PaymentMethod(v) })
	case "refund":
		var v billing.Refund
		return convert(&v, func() any { return Refund(v) })
	case "credit_note":
		var v billing.CreditNote
		return convert(&v, func() any { return CreditNote(v) })
	case "payment_method_setup":
		var v billing.PaymentMethodSetup
		return convert(&v, func() any { return PaymentMethodSetup(v) })
	case "webhook_endpoint":
		var v billing.WebhookEndpoint
		return convert(&v, func() any { return WebhookEndpoint(v) })
	case "checkout_session":
		var v billing.CheckoutSession
		return convert(&v, func() any { return CheckoutSession(v) })
	case "alert":
		var v billing.Alert
		return convert(&v, func() any { return Alert(v) })
	}
	return data
}

// NonEmpty is s, or nil (JSON null) when s is empty: the API shows absent strings as null.
func NonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
