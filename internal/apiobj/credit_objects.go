package apiobj

import "github.com/cuota/cuota/internal/billing"

// CreditNoteLineJSON is one line of a credit note.
type CreditNoteLineJSON struct {
	ID          string  `json:"id"`
	InvoiceLine *string `json:"invoice_line" doc:"The invoice line it credits part of; null for a free line."`
	Description string  `json:"description"`
	Amount      int64   `json:"amount"`
}

// CreditNoteJSON is a credit note as the API shows it.
type CreditNoteJSON struct {
	ID                         string               `json:"id"`
	Object                     string               `json:"object" enum:"credit_note"`
	Livemode                   bool                 `json:"livemode"`
	Number                     *string              `json:"number" doc:"Gapless per merchant and mode, in its own sequence; null in a preview."`
	Invoice                    string               `json:"invoice"`
	Customer                   string               `json:"customer"`
	Currency                   string               `json:"currency"`
	Status                     string               `json:"status" enum:"issued,void"`
	Reason                     *string              `json:"reason" enum:"duplicate,fraudulent,order_change,product_unsatisfactory"`
	Memo                       *string              `json:"memo"`
	Lines                      []CreditNoteLineJSON `json:"lines"`
	Subtotal                   int64                `json:"subtotal" doc:"Total without its tax."`
	Tax                        int64                `json:"tax" doc:"The invoice's tax in proportion: total × invoice tax / invoice total, rounded once."`
	TaxAmounts                 []TaxAmountJSON      `json:"tax_amounts" doc:"tax split over the invoice's rates in proportion to their tax, each with the part of its taxable amount returned; [] when the invoice had no tax."`
	Total                      int64                `json:"total" doc:"What it credits against the invoice's total, tax included."`
	RefundAmount               int64                `json:"refund_amount"`
	CreditAmount               int64                `json:"credit_amount" doc:"Credited to the customer's balance."`
	OutOfBandAmount            int64                `json:"out_of_band_amount"`
	Refund                     *string              `json:"refund"`
	CustomerBalanceTransaction *string              `json:"customer_balance_transaction"`
	VoidedAt                   *int64               `json:"voided_at"`
	TaxDocument                *TaxDocumentJSON     `json:"tax_document" doc:"The note's Chilean nota de crédito (61), when the invoice had a tax document (docs/dte.md); null otherwise."`
	Created                    int64                `json:"created"`
}

// CreditNote renders a credit note.
func CreditNote(n billing.CreditNote) CreditNoteJSON {
	out := CreditNoteJSON{ID: n.ID, Object: "credit_note", Livemode: n.Scope.Mode.Livemode(), Number: NonEmpty(n.Number),
		Invoice: n.InvoiceID, Customer: n.CustomerID, Currency: n.Currency, Status: n.Status, Reason: NonEmpty(n.Reason),
		Memo: NonEmpty(n.Memo), Subtotal: n.Subtotal, Tax: n.Tax, Total: n.Total, RefundAmount: n.RefundAmount,
		CreditAmount: n.CreditAmount, OutOfBandAmount: n.OutOfBandAmount, Refund: NonEmpty(n.RefundID),
		CustomerBalanceTransaction: NonEmpty(n.BalanceTransactionID), VoidedAt: UnixPtr(n.VoidedAt), Created: n.Created.Unix(),
		TaxAmounts: TaxAmounts(n.TaxAmounts)}
	if n.TaxDocument != nil {
		td := TaxDocument(*n.TaxDocument)
		out.TaxDocument = &td
	}
	out.Lines = make([]CreditNoteLineJSON, 0, len(n.Lines))
	for _, l := range n.Lines {
		out.Lines = append(out.Lines, CreditNoteLineJSON{ID: l.ID, InvoiceLine: NonEmpty(l.InvoiceLineID), Description: l.Description, Amount: l.Amount})
	}
	return out
}

// BalanceTransactionJSON is one change of a customer's balance.
type BalanceTransactionJSON struct {
	ID            string  `json:"id"`
	Object        string  `json:"object" enum:"customer_balance_transaction"`
	Livemode      bool    `json:"livemode"`
	Customer      string  `json:"customer"`
	Type          string  `json:"type" enum:"adjustment,applied_to_invoice,credit_note"`
	Amount        int64   `json:"amount" doc:"Negative: credit for the customer."`
	Currency      string  `json:"currency"`
	EndingBalance int64   `json:"ending_balance"`
	Invoice       *string `json:"invoice"`
	CreditNote    *string `json:"credit_note"`
	Description   *string `json:"description"`
	Created       int64   `json:"created"`
}

// BalanceTransaction renders a customer balance transaction.
func BalanceTransaction(t billing.BalanceTransaction) BalanceTransactionJSON {
	return BalanceTransactionJSON{ID: t.ID, Object: "customer_balance_transaction", Livemode: t.Scope.Mode.Livemode(),
		Customer: t.CustomerID, Type: t.Type, Amount: t.Amount, Currency: t.Currency, EndingBalance: t.EndingBalance,
		Invoice: NonEmpty(t.InvoiceID), CreditNote: NonEmpty(t.CreditNoteID), Description: NonEmpty(t.Description),
		Created: t.Created.Unix()}
}
