package billing

import (
	"fmt"
	"time"
)

// Prefixes of credit notes and customer balance transactions.
const (
	PrefixCreditNote         = "cn_"
	PrefixBalanceTransaction = "cbtxn_"
	// PrefixCreditNoteLine starts the ids of a credit note's lines, which
	// are numbered within their note (cnli_1, cnli_2…).
	PrefixCreditNoteLine = "cnli_"
)

// Credit note statuses: issued, and void once voided (final).
const (
	CreditNoteIssued = "issued"
	CreditNoteVoid   = "void"
)

// Credit note reasons (Stripe's).
const (
	CreditReasonDuplicate             = "duplicate"
	CreditReasonFraudulent            = "fraudulent"
	CreditReasonOrderChange           = "order_change"
	CreditReasonProductUnsatisfactory = "product_unsatisfactory"
)

// ValidCreditReason reports whether r is a credit note reason ("" = none).
func ValidCreditReason(r string) bool {
	switch r {
	case "", CreditReasonDuplicate, CreditReasonFraudulent, CreditReasonOrderChange, CreditReasonProductUnsatisfactory:
		return true
	}
	return false
}

// Customer balance transaction types (Stripe's names for the ones cuota
// makes).
const (
	// BalanceAdjustment is a change asked for through the API.
	BalanceAdjustment = "adjustment"
	// BalanceAppliedToInvoice is balance an invoice used (credit taken,
	// or a debit added to what is due), or the credit of an invoice whose
	// total is negative (a downgrade's proration) put on the balance.
	BalanceAppliedToInvoice = "applied_to_invoice"
	// BalanceCreditNote is the credit_amount of a credit note, or its
	// reversal when the credit note is voided.
	BalanceCreditNote = "credit_note"
)

// CreditNoteLine is one line of a credit note: part of an invoice line
// (InvoiceLineID set) or a free line, with the amount it credits.
type CreditNoteLine struct {
	ID            string `json:"id"`
	InvoiceLineID string `json:"invoice_line,omitempty"`
	Description   string `json:"description"`
	Amount        int64  `json:"amount"`
}

// CreditNote reduces what a finalized (paid) invoice charged. Total is
// what it credits against the invoice's total, tax included; Tax is the
// part of it that is tax (RefundTax) and Subtotal the rest; TaxAmounts
// splits Tax per rate of the invoice (RefundTax again: each rate's share,
// with the part of its taxable amount the note returns). Total is
// split, as Stripe splits it, into RefundAmount (money back to the card,
// through RefundID), CreditAmount (to the customer's balance) and
// OutOfBandAmount (settled outside cuota). Number is gapless per merchant
// and mode, in a sequence of its own.
type CreditNote struct {
	ID              string           `json:"id"`
	Scope           Scope            `json:"scope"`
	Number          string           `json:"number"`
	InvoiceID       string           `json:"invoice_id"`
	CustomerID      string           `json:"customer_id"`
	Currency        string           `json:"currency"`
	Status          string           `json:"status"`
	Reason          string           `json:"reason"`
	Memo            string           `json:"memo"`
	Lines           []CreditNoteLine `json:"lines"`
	Subtotal        int64            `json:"subtotal"`
	Tax             int64            `json:"tax"`
	TaxAmounts      []TaxAmount      `json:"tax_amounts,omitempty"`
	Total           int64            `json:"total"`
	RefundAmount    int64            `json:"refund_amount"`
	CreditAmount    int64            `json:"credit_amount"`
	OutOfBandAmount int64            `json:"out_of_band_amount"`
	RefundID        string           `json:"refund_id"`
	// BalanceTransactionID is the balance transaction of CreditAmount.
	BalanceTransactionID string     `json:"balance_transaction_id"`
	VoidedAt             *time.Time `json:"voided_at"`
	// TaxDocument is the note's nota de crédito (docs/dte.md), read with
	// the note; nil when none was recorded. It is not stored on the note.
	TaxDocument *TaxDocument `json:"tax_document,omitempty"`
	Created     time.Time    `json:"created"`
	Updated     time.Time    `json:"updated"`
}

// CreditNoteFilter narrows ListCreditNotes. Zero fields do not filter.
type CreditNoteFilter struct {
	InvoiceID  string
	CustomerID string
}

// CustomerBalance is what a customer holds with a merchant in one
// currency: negative is credit the customer's next invoices use, positive
// is owed and added to the next invoice. Currency is "" until the first
// balance transaction fixes it.
type CustomerBalance struct {
	Currency string `json:"currency"`
	Balance  int64  `json:"balance"`
}

// BalanceTransaction is one change of a customer's balance; EndingBalance
// is the balance after it.
type BalanceTransaction struct {
	ID            string    `json:"id"`
	Scope         Scope     `json:"scope"`
	CustomerID    string    `json:"customer_id"`
	Type          string    `json:"type"`
	Amount        int64     `json:"amount"`
	Currency      string    `json:"currency"`
	EndingBalance int64     `json:"ending_balance"`
	InvoiceID     string    `json:"invoice_id"`
	CreditNoteID  string    `json:"credit_note_id"`
	Description   string    `json:"description"`
	Created       time.Time `json:"created"`
}

// CreditNoteNumber is the number of the nth credit note of a merchant
// whose invoice prefix is prefix: "ACME-CN-000001".
func CreditNoteNumber(prefix string, n int64) string {
	return fmt.Sprintf("%s-CN-%06d", prefix, n)
}

// CreditSplit is how a credit note's total leaves: to the card, to the
// customer's balance, outside cuota.
type CreditSplit struct {
	Refund    int64
	Credit    int64
	OutOfBand int64
}

// DecideCredit checks a credit note of total against its invoice and
// settles its split. The invoice must be paid; the total must be positive
// and at most creditable, what is left of the invoice's total after its
// credit notes that are not void (credited); the refund at most
// refundable, what its payment can still give back. A split with no part
// given credits the whole total to the balance; a split given must add up
// to the total.
func DecideCredit(inv Invoice, credited, refundable, total int64, split *CreditSplit) (CreditSplit, error) {
	if inv.Status != InvoicePaid {
		return CreditSplit{}, Errorf(KindConflict, CodeInvalidStateTransition, "only a paid invoice takes a credit note; this one is %s (void an open invoice instead)", inv.Status)
	}
	left := inv.Total - credited
	if total <= 0 {
		return CreditSplit{}, Invalid("amount", CodeAmountInvalid, "a credit note must credit a positive amount")
	}
	if total > left {
		return CreditSplit{}, Invalid("amount", CodeCreditNoteExceedsInvoice, "at most %d %s of this invoice can still be credited", max(left, 0), inv.Currency)
	}
	if split == nil || *split == (CreditSplit{}) {
		return CreditSplit{Credit: total}, nil
	}
	s := *split
	for param, v := range map[string]int64{"refund_amount": s.Refund, "credit_amount": s.Credit, "out_of_band_amount": s.OutOfBand} {
		if v < 0 {
			return CreditSplit{}, Invalid(param, CodeAmountInvalid, "%s must not be negative", param)
		}
	}
	if s.Refund+s.Credit+s.OutOfBand != total {
		return CreditSplit{}, Invalid("amount", CodeCreditNoteSplitMismatch, "refund_amount, credit_amount and out_of_band_amount add up to %d, not the credit note's %d", s.Refund+s.Credit+s.OutOfBand, total)
	}
	if s.Refund > refundable {
		return CreditSplit{}, Invalid("refund_amount", CodeCreditNoteExceedsInvoice, "at most %d %s of this invoice's payment can still be refunded", refundable, inv.Currency)
	}
	return s, nil
}

// RefundLeft is the most a refund of inv can still return (a credit note
// all refunded, as the console's refund form makes): nothing unless inv is
// paid; else what its payment can still give back (refundable, as
// DecideCredit takes it), never more than what credit notes left of the
// invoice's total (credited). It is exactly the largest refund that
// DecideCredit accepts for a note whose total is all refund.
func RefundLeft(inv Invoice, credited, refundable int64) int64 {
	if inv.Status != InvoicePaid {
		return 0
	}
	return max(min(refundable, inv.Total-credited), 0)
}

// BalanceUse is what an invoice does with its customer's balance.
type BalanceUse struct {
	// AmountDue is what the invoice still asks for.
	AmountDue int64
	// Change is what the balance changes by (the balance transaction's
	// amount; 0 for none).
	Change int64
}

// ApplyBalance says how an invoice of total (after discounts and tax)
// uses its customer's balance (negative = credit): credit pays as much of
// the total as it covers; a positive balance (owed) is added to what is
// due; a negative total (more credited than charged, as a downgrade's
// proration can make) goes to the balance whole and nothing is due.
// Starting balance + Change is the invoice's ending balance.
func ApplyBalance(total, balance int64) BalanceUse {
	switch {
	case total < 0:
		return BalanceUse{AmountDue: 0, Change: total}
	case balance < 0:
		used := min(-balance, total)
		return BalanceUse{AmountDue: total - used, Change: used}
	case balance > 0:
		return BalanceUse{AmountDue: total + balance, Change: -balance}
	}
	return BalanceUse{AmountDue: total}
}
