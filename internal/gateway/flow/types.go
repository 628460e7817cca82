package flow

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/url"
	"strings"
)

// Payment status codes (PaymentStatus.Status, as Flow's API documentation
// defines them: https://www.flow.cl/docs/api.html).
const (
	PaymentPending   = 1 // pendiente de pago
	PaymentPaid      = 2 // pagada
	PaymentRejected  = 3 // rechazada
	PaymentCancelled = 4 // anulada
)

// Refund status values (RefundStatus.Status).
const (
	RefundCreated  = "created"
	RefundAccepted = "accepted"
	RefundRejected = "rejected"
	RefundRefunded = "refunded"
	RefundCanceled = "canceled"
)

// Customer pay modes and statuses (Customer.PayMode, Customer.Status).
const (
	PayModeAuto     = "auto"   // a card is registered
	PayModeManual   = "manual" // no card: Flow collects by email
	CustomerActive  = "1"
	CustomerDeleted = "0"
)

// Last-payment-attempt error codes (PaymentStatus.LastError.Code, from
// payment/getStatusExtended; https://www.flow.cl/docs/api.html).
const (
	LastErrorInvalidCard        = -1
	LastErrorConnection         = -2
	LastErrorExceedsMaxAmount   = -3
	LastErrorInvalidExpiry      = -4
	LastErrorAuthentication     = -5
	LastErrorGeneralRejection   = -6
	LastErrorBlockedCard        = -7
	LastErrorExpiredCard        = -8
	LastErrorNotSupported       = -9
	LastErrorTransactionProblem = -10
	LastErrorExceedsRetryLimit  = -11
	LastErrorUnknown            = 999
)

// PaymentMethodAll is the payment/create paymentMethod meaning every method
// the merchant contracted.
const PaymentMethodAll = 9

// DefaultCurrency is the currency Flow assumes when none is sent.
const DefaultCurrency = "CLP"

// registerStatusRegistered is RegisterResult.Status of a registered card.
const registerStatusRegistered = "1"

// Customer is Flow's customer object (customer/create, get, unRegister).
type Customer struct {
	CustomerID      Text `json:"customerId"` // "cus_…"
	Created         Text `json:"created"`
	Email           Text `json:"email"`
	Name            Text `json:"name"`
	PayMode         Text `json:"pay_mode"` // PayModeAuto or PayModeManual
	CreditCardType  Text `json:"creditCardType"`
	Last4CardDigits Text `json:"last4CardDigits"`
	ExternalID      Text `json:"externalId"`
	Status          Text `json:"status"` // CustomerActive or CustomerDeleted
	RegisterDate    Text `json:"registerDate"`
}

func (c *Customer) check() error {
	if c.CustomerID == "" {
		return errors.New("customer without customerId")
	}
	return nil
}

// RegisterResponse is the answer of customer/register: send the customer's
// browser to RedirectURL().
type RegisterResponse struct {
	URL   Text `json:"url"`
	Token Text `json:"token"`
}

// RedirectURL is URL with the token appended as Flow expects (?token=…).
func (r *RegisterResponse) RedirectURL() string { return withToken(string(r.URL), string(r.Token)) }

func (r *RegisterResponse) check() error {
	if r.URL == "" || r.Token == "" {
		return errors.New("register answer without url or token")
	}
	return nil
}

// RegisterResult is the answer of customer/getRegisterStatus.
type RegisterResult struct {
	Status          Text `json:"status"` // "1" registered, "0" not
	CustomerID      Text `json:"customerId"`
	CreditCardType  Text `json:"creditCardType"`
	Last4CardDigits Text `json:"last4CardDigits"`
	CardNumber      Text `json:"cardNumber"` // masked, e.g. "457630 **** **** 0366"
	IssuerBank      Text `json:"issuerBank"`
}

// Registered reports whether the card was registered (status "1").
func (r *RegisterResult) Registered() bool { return r.Status == registerStatusRegistered }

func (r *RegisterResult) check() error {
	if r.Status == "" {
		return errors.New("register status without status")
	}
	return nil
}

// PayResponse is the answer of payment/create: send the payer's browser to
// RedirectURL().
type PayResponse struct {
	URL       Text   `json:"url"`
	Token     Text   `json:"token"`
	FlowOrder Number `json:"flowOrder"`
}

// RedirectURL is URL with the token appended as Flow expects (?token=…).
func (r *PayResponse) RedirectURL() string { return withToken(string(r.URL), string(r.Token)) }

func (r *PayResponse) check() error {
	if r.URL == "" || r.Token == "" {
		return errors.New("payment answer without url or token")
	}
	return nil
}

// PaymentStatus is Flow's PaymentStatus object, the answer of customer/charge
// and payment/getStatus*; the *Extended services also fill LastError and
// the extended PaymentData fields.
type PaymentStatus struct {
	FlowOrder     Number          `json:"flowOrder"`
	CommerceOrder Text            `json:"commerceOrder"`
	RequestDate   Text            `json:"requestDate"`
	Status        Number          `json:"status"` // PaymentPending … PaymentCancelled
	Subject       Text            `json:"subject"`
	Currency      Text            `json:"currency"`
	Amount        Number          `json:"amount"`
	Payer         Text            `json:"payer"`
	Optional      json.RawMessage `json:"optional"` // object, JSON text or null, as sent
	PendingInfo   PendingInfo     `json:"pending_info"`
	PaymentData   PaymentData     `json:"paymentData"`
	MerchantID    Text            `json:"merchantId"`
	LastError     LastError       `json:"lastError"`
}

// State returns Status as an int (0 when it is not a number).
func (p *PaymentStatus) State() int {
	v, err := p.Status.Int64()
	if err != nil || v < 0 || v > 1<<30 {
		return 0
	}
	return int(v)
}

func (p *PaymentStatus) check() error {
	if p.Status == "" {
		return errors.New("payment status without status")
	}
	return nil
}

// PendingInfo tells that a cash coupon was issued.
type PendingInfo struct {
	Media Text `json:"media"`
	Date  Text `json:"date"`
}

// UnmarshalJSON accepts an object, and treats anything else (null, [], "")
// as empty: PHP encodes an empty map as [].
func (p *PendingInfo) UnmarshalJSON(b []byte) error {
	type plain PendingInfo
	return lenientObject(b, (*plain)(p))
}

// PaymentData describes the money of a paid payment.
type PaymentData struct {
	Date             Text   `json:"date"`
	Media            Text   `json:"media"`
	ConversionDate   Text   `json:"conversionDate"`
	ConversionRate   Number `json:"conversionRate"`
	Amount           Number `json:"amount"`
	Currency         Text   `json:"currency"`
	Fee              Number `json:"fee"`
	Balance          Number `json:"balance"`
	TransferDate     Text   `json:"transferDate"`
	MediaType        Text   `json:"mediaType"`        // extended
	CardLast4Numbers Text   `json:"cardLast4Numbers"` // extended
	CardNumber       Text   `json:"cardNumber"`       // extended
	Taxes            Number `json:"taxes"`            // extended
	Installments     Number `json:"installments"`     // extended
	AutorizationCode Text   `json:"autorizationCode"` // extended (sic)
}

// UnmarshalJSON accepts an object and treats anything else as empty.
func (p *PaymentData) UnmarshalJSON(b []byte) error {
	type plain PaymentData
	return lenientObject(b, (*plain)(p))
}

// LastError is the last failed payment attempt (extended services only).
type LastError struct {
	Code      Number `json:"code"` // LastErrorInvalidCard …
	Message   Text   `json:"message"`
	MedioCode Text   `json:"medioCode"`
}

// UnmarshalJSON accepts an object and treats anything else as empty.
func (l *LastError) UnmarshalJSON(b []byte) error {
	type plain LastError
	return lenientObject(b, (*plain)(l))
}

// RefundStatus is the answer of refund/create and refund/getStatus.
type RefundStatus struct {
	Token           Text   `json:"token"`
	FlowRefundOrder Number `json:"flowRefundOrder"`
	Date            Text   `json:"date"`
	Status          Text   `json:"status"` // RefundCreated … RefundCanceled
	Amount          Number `json:"amount"` // e.g. "12000.00"
	Fee             Number `json:"fee"`
}

func (r *RefundStatus) check() error {
	if r.Status == "" {
		return errors.New("refund status without status")
	}
	return nil
}

// CreateCustomerRequest is the input of customer/create; all fields are
// required by Flow.
type CreateCustomerRequest struct {
	Name       string
	Email      string
	ExternalID string // the merchant's own id of the customer
}

// ChargeRequest is the input of customer/charge.
type ChargeRequest struct {
	CustomerID    string
	CommerceOrder string // the merchant's order id; Flow does NOT deduplicate on it
	Subject       string
	Amount        int64  // whole units of Currency (CLP has no decimals)
	Currency      string // optional; Flow's default is CLP
	Optionals     string // optional JSON object text
}

// CreatePaymentRequest is the input of payment/create. Zero optional fields
// are not sent.
type CreatePaymentRequest struct {
	CommerceOrder   string
	Subject         string
	Amount          int64 // whole units of Currency
	Email           string
	URLConfirmation string // Flow POSTs token here (server to server)
	URLReturn       string // the payer's browser POSTs token here
	Currency        string // optional; default CLP
	PaymentMethod   int    // optional; PaymentMethodAll = 9
	Optional        string // optional JSON object text
	Timeout         int    // optional, seconds until the order expires
	CheckoutTimeout int    // optional, seconds to choose a payment method
	MerchantID      string // optional, integrator merchants only
	PaymentCurrency string // optional
}

// CreateRefundRequest is the input of refund/create. One of CommerceTrxID
// (the original commerceOrder) or FlowTrxID (the original flowOrder) names
// the payment being refunded.
type CreateRefundRequest struct {
	RefundCommerceOrder string
	ReceiverEmail       string
	Amount              int64
	URLCallBack         string // Flow POSTs token here when the refund settles
	CommerceTrxID       string
	FlowTrxID           int64 // 0 = not sent
}

// lenientObject decodes b into v when b is a JSON object and leaves v zero
// otherwise.
func lenientObject(b []byte, v any) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || b[0] != '{' {
		return nil
	}
	return json.Unmarshal(b, v)
}

// withToken appends token=… to a hosted-page URL.
func withToken(u, token string) string {
	if u == "" {
		return ""
	}
	sep := "?"
	if strings.Contains(u, "?") {
		sep = "&"
	}
	return u + sep + "token=" + url.QueryEscape(token)
}
