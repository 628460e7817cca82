package invoicepdf

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/money"
)

// CreditNoteInput is everything one credit note document shows: the note,
// the invoice it corrects, who issued it and who received it.
type CreditNoteInput struct {
	Merchant   billing.Merchant
	Customer   billing.Customer
	Invoice    billing.Invoice
	CreditNote billing.CreditNote
	// Parties are printed as on the invoice: the merchant's identity, the
	// customer's tax details, the logo and the test mark.
	Parties
}

// RenderCreditNote draws a credit note as a PDF with the invoice's layout:
// its lines (or one line crediting the invoice), its tax, its total and
// where the money went. The same input always gives the same bytes.
func RenderCreditNote(in CreditNoteInput) (out []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("invoicepdf: render credit note %s: unexpected failure: %v", in.CreditNote.ID, r)
		}
	}()
	c, err := composeCreditNote(in)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := draw(c, &buf); err != nil {
		return nil, fmt.Errorf("invoicepdf: render credit note %s: %w", in.CreditNote.ID, err)
	}
	return buf.Bytes(), nil
}

// composeCreditNote turns a credit note into the document's text.
func composeCreditNote(in CreditNoteInput) (*content, error) {
	n := in.CreditNote
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: credit note %s: %s", ErrInvalidInput, n.ID, fmt.Sprintf(format, args...))
	}
	name := strings.TrimSpace(singleLine(in.Merchant.Name))
	if name == "" {
		return nil, bad("merchant %s has no name", in.Merchant.ID)
	}
	if !money.ValidCurrency(n.Currency) {
		return nil, bad("currency %q", n.Currency)
	}
	number := strings.TrimSpace(singleLine(n.Number))
	if number == "" {
		return nil, bad("no number")
	}
	loc, err := time.LoadLocation(in.Merchant.Timezone)
	if err != nil {
		return nil, fmt.Errorf("%w: credit note %s: merchant time zone: %w", ErrInvalidInput, n.ID, err)
	}
	l, locale := chooseLanguage(in.Customer.Locale, in.Merchant.Locale)
	c := &content{lang: l, locale: locale, paper: PaperLetter, title: l.creditTitle, billTo: l.creditCustomer,
		number: number, merchantName: name}
	if n.Status == billing.CreditNoteVoid {
		c.stamp, c.stampColor = l.stampVoid, stampColors[billing.InvoiceVoid]
	}
	c.addParties(in.Parties)
	invNumber := strings.TrimSpace(singleLine(in.Invoice.Number))
	c.meta = append(c.meta, pair{l.creditNumber, number}, pair{l.issued, l.longDate(n.Created.In(loc))})
	if invNumber != "" {
		c.meta = append(c.meta, pair{l.creditInvoice, invNumber})
	}
	if r := l.creditReasons[n.Reason]; r != "" {
		c.meta = append(c.meta, pair{l.creditReason, r})
	}
	if n.VoidedAt != nil {
		c.meta = append(c.meta, pair{l.voided, l.longDate(n.VoidedAt.In(loc))})
	}
	c.customerName = strings.TrimSpace(singleLine(in.Customer.Name))
	c.customerEmail = strings.TrimSpace(singleLine(in.Customer.Email))

	format := func(minor int64) (string, error) {
		s, err := money.Format(money.Amount{Minor: minor, Currency: n.Currency}, locale)
		if err != nil {
			return "", fmt.Errorf("invoicepdf: credit note %s: %w", n.ID, err)
		}
		return s, nil
	}
	lines := n.Lines
	if len(lines) == 0 {
		lines = []billing.CreditNoteLine{{Description: strings.TrimSpace(l.creditOf + " " + invNumber), Amount: n.Total}}
	}
	for _, ln := range lines {
		amount, err := format(ln.Amount)
		if err != nil {
			return nil, err
		}
		c.lines = append(c.lines, lineText{description: strings.TrimSpace(multiLine(ln.Description)), amount: amount})
	}
	type amountRow struct {
		label        string
		minor        int64
		show, strong bool
	}
	rows := []amountRow{
		{l.subtotal, n.Subtotal, n.Tax != 0, false},
		// One row per rate of the invoice (a note from before per-rate
		// amounts were kept shows its single figure).
		{l.tax, n.Tax, n.Tax != 0 && len(n.TaxAmounts) == 0, false},
	}
	for _, a := range n.TaxAmounts {
		rows = append(rows, amountRow{l.taxRow(a.TaxRate), a.Amount, true, false})
	}
	rows = append(rows, []amountRow{
		{l.creditRefund, n.RefundAmount, n.RefundAmount != 0, false},
		{l.creditBalance, n.CreditAmount, n.CreditAmount != 0, false},
		{l.creditOutOfBand, n.OutOfBandAmount, n.OutOfBandAmount != 0, false},
		{l.total, n.Total, true, true}, // last: the row that stands out
	}...)
	for _, r := range rows {
		if !r.show {
			continue
		}
		s, err := format(r.minor)
		if err != nil {
			return nil, err
		}
		c.totals = append(c.totals, totalRow{r.label, s, r.strong})
	}
	c.created = n.Created.UTC()
	c.modified = n.Updated.UTC()
	if c.modified.Before(c.created) {
		c.modified = c.created
	}
	return c, nil
}
