package billing

// InvoiceStatus is where an invoice is in its life (docs/architecture.md, "Status machines"): draft →
// open → paid | void | uncollectible, and an uncollectible invoice can
// still be paid or voided. Invoice.Status and the Invoice* constants have
// this type; the stores convert it to and from their text column.
type InvoiceStatus string

// PaymentStatus is where a payment attempt is (docs/architecture.md, "Status machines"): pending →
// succeeded | failed | unknown; an unknown payment is resolved only by
// asking the gateway. Payment.Status and the Payment* constants have this
// type (see InvoiceStatus).
type PaymentStatus string

// RefundStatus is where a refund is: pending until the gateway settles
// it, then succeeded or failed. Refund.Status and the Refund* constants
// have this type (see InvoiceStatus).
type RefundStatus string

// invoiceTransitions lists, for each invoice status, the statuses it may
// move to. paid and void are final: money received or an invoice no
// longer owed is never reopened.
var invoiceTransitions = map[InvoiceStatus][]InvoiceStatus{
	InvoiceDraft:         {InvoiceOpen, InvoicePaid, InvoiceVoid}, // finalized (paid at once when nothing is due), or a one-off draft voided
	InvoiceOpen:          {InvoicePaid, InvoiceVoid, InvoiceUncollectible},
	InvoiceUncollectible: {InvoiceOpen, InvoicePaid, InvoiceVoid}, // it can still be paid: paying reopens it
}

// InvoiceTransitionAllowed reports whether an invoice may move from one
// status to another. Staying in the same status is not a transition and
// is allowed, except for an unknown status.
func InvoiceTransitionAllowed(from, to InvoiceStatus) bool {
	if from == to {
		return from.Valid()
	}
	for _, s := range invoiceTransitions[from] {
		if s == to {
			return true
		}
	}
	return false
}

// Valid reports whether s is one of the invoice statuses.
func (s InvoiceStatus) Valid() bool {
	switch s {
	case InvoiceDraft, InvoiceOpen, InvoicePaid, InvoiceVoid, InvoiceUncollectible:
		return true
	}
	return false
}

// Payable reports whether an invoice in status s is owed and can be paid:
// open or uncollectible.
func (s InvoiceStatus) Payable() bool {
	return s == InvoiceOpen || s == InvoiceUncollectible
}

// MoveInvoice sets inv's status to `to`, or returns a conflict
// (invalid_state_transition) naming the current status when the move is
// not allowed; inv is then unchanged.
func MoveInvoice(inv *Invoice, to InvoiceStatus) error {
	if !InvoiceTransitionAllowed(inv.Status, to) {
		return Errorf(KindConflict, CodeInvalidStateTransition, "invoice %s cannot go from %s to %s", inv.ID, inv.Status, to)
	}
	inv.Status = to
	return nil
}

// ReopenForPayment prepares an invoice for a new payment attempt: an
// uncollectible invoice can still be paid, and paying it reopens it. An
// invoice that is not payable (draft, paid, void) is a conflict naming its
// status.
func ReopenForPayment(inv *Invoice) error {
	if !inv.Status.Payable() {
		return Errorf(KindConflict, CodeInvalidStateTransition, "cannot pay an invoice that is %s", inv.Status)
	}
	return MoveInvoice(inv, InvoiceOpen)
}

// paymentTransitions lists, for each payment status, the statuses it may
// move to. A pending payment stays pending while the gateway waits (for
// the customer, or asynchronously); an unknown one is settled, or found
// still in progress, by asking the gateway. succeeded and failed are
// final: nothing turns a failed payment into a paid one.
var paymentTransitions = map[PaymentStatus][]PaymentStatus{
	PaymentPending: {PaymentSucceeded, PaymentFailed, PaymentUnknown},
	PaymentUnknown: {PaymentSucceeded, PaymentFailed, PaymentPending},
}

// PaymentTransitionAllowed reports whether a payment may move from one
// status to another. Staying pending or unknown is allowed (the gateway
// has not settled it yet); a settled payment never changes.
func PaymentTransitionAllowed(from, to PaymentStatus) bool {
	if from == to {
		return from.Unresolved()
	}
	for _, s := range paymentTransitions[from] {
		if s == to {
			return true
		}
	}
	return false
}

// Unresolved reports whether a payment in status s may still move money:
// pending or unknown. Nothing charges an invoice again while its latest
// payment is unresolved.
func (s PaymentStatus) Unresolved() bool {
	return s == PaymentPending || s == PaymentUnknown
}

// MovePayment sets pay's status to `to`, or returns a conflict
// (invalid_state_transition) naming the current status when the move is
// not allowed; pay is then unchanged.
func MovePayment(pay *Payment, to PaymentStatus) error {
	if !PaymentTransitionAllowed(pay.Status, to) {
		return Errorf(KindConflict, CodeInvalidStateTransition, "payment %s cannot go from %s to %s", pay.ID, pay.Status, to)
	}
	pay.Status = to
	return nil
}

// ChargeVerdict says whether an invoice can be charged now, and if not,
// why (see CanCharge).
type ChargeVerdict int

// The charge verdicts, in the order CanCharge checks them.
const (
	// ChargeAllowed: the invoice is owed and nothing is in flight.
	ChargeAllowed ChargeVerdict = iota
	// ChargeUnresolved: the invoice's latest payment is pending or
	// unknown, so money may be moving: it must be resolved with the
	// gateway before anything charges (or otherwise acts on) the invoice.
	ChargeUnresolved
	// ChargeNotPayable: the invoice is a draft, paid or void.
	ChargeNotPayable
	// ChargeNothingDue: the invoice is payable but owes nothing.
	ChargeNothingDue
)

// CanCharge decides whether inv can be charged now, given its latest
// payment attempt (nil when it has none): no payment pending or unknown,
// status open or uncollectible, and an amount due. An unresolved payment
// is checked first, because it forbids every action on the invoice, not
// only a charge.
func CanCharge(inv Invoice, latest *Payment) ChargeVerdict {
	switch {
	case latest != nil && latest.Status.Unresolved():
		return ChargeUnresolved
	case !inv.Status.Payable():
		return ChargeNotPayable
	case inv.AmountDue <= 0:
		return ChargeNothingDue
	}
	return ChargeAllowed
}

// LatestPayment is the first of a list of an invoice's payments, newest
// first (as the stores list them), or nil when there is none.
func LatestPayment(newestFirst []Payment) *Payment {
	if len(newestFirst) == 0 {
		return nil
	}
	return &newestFirst[0]
}

// Valid reports whether s is a payment status.
func (s PaymentStatus) Valid() bool {
	switch s {
	case PaymentPending, PaymentSucceeded, PaymentFailed, PaymentUnknown:
		return true
	}
	return false
}
