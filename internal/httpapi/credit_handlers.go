package httpapi

import (
	"context"

	"github.com/cuota/cuota/internal/apiobj"
	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
)

// creditNoteLineBody is one line of a credit note asked for.
type creditNoteLineBody struct {
	InvoiceLine string  `json:"invoice_line,omitempty" maxLength:"100" doc:"The invoice line it credits part of (its description is the line's unless given)."`
	Description string  `json:"description,omitempty" maxLength:"250" doc:"Required for a line without invoice_line."`
	Amount      *Amount `json:"amount" doc:"What the line credits, tax included."`
}

// creditNoteBody asks for a credit note.
type creditNoteBody struct {
	Invoice         string               `json:"invoice" maxLength:"100" doc:"A paid invoice."`
	Amount          *Amount              `json:"amount,omitempty" doc:"What it credits, tax included; or give lines."`
	Lines           []creditNoteLineBody `json:"lines,omitempty" maxItems:"100"`
	Reason          string               `json:"reason,omitempty" enum:"duplicate,fraudulent,order_change,product_unsatisfactory"`
	Memo            string               `json:"memo,omitempty" maxLength:"5000"`
	RefundAmount    *Amount              `json:"refund_amount,omitempty" doc:"Refunded to the card the invoice was paid with."`
	CreditAmount    *Amount              `json:"credit_amount,omitempty" doc:"Credited to the customer's balance (all of it when no part is given)."`
	OutOfBandAmount *Amount              `json:"out_of_band_amount,omitempty" doc:"Settled outside cuota."`
}

func (b creditNoteBody) params() app.CreditNoteParams {
	p := app.CreditNoteParams{Invoice: b.Invoice, Amount: amountMinor(b.Amount), Reason: b.Reason, Memo: b.Memo,
		RefundAmount: amountMinor(b.RefundAmount), CreditAmount: amountMinor(b.CreditAmount), OutOfBandAmount: amountMinor(b.OutOfBandAmount)}
	for _, l := range b.Lines {
		var amount int64
		if l.Amount != nil {
			amount = l.Amount.Minor()
		}
		p.Lines = append(p.Lines, app.CreditNoteLineParams{InvoiceLine: l.InvoiceLine, Description: l.Description, Amount: amount})
	}
	return p
}

func (h *invoiceHandlers) createCreditNote(ctx context.Context, in *struct{ Body creditNoteBody }) (*out[apiobj.CreditNoteJSON], error) {
	n, err := h.app.Collection.CreateCreditNote(ctx, scopeOf(ctx), in.Body.params())
	if err != nil {
		return nil, err
	}
	return reply(apiobj.CreditNote(n)), nil
}

func (h *invoiceHandlers) previewCreditNote(ctx context.Context, in *struct{ Body creditNoteBody }) (*out[apiobj.CreditNoteJSON], error) {
	n, err := h.app.Collection.PreviewCreditNote(ctx, scopeOf(ctx), in.Body.params())
	if err != nil {
		return nil, err
	}
	return reply(apiobj.CreditNote(n)), nil
}

func (h *invoiceHandlers) getCreditNote(ctx context.Context, in *IDPath) (*out[apiobj.CreditNoteJSON], error) {
	n, err := h.app.Collection.GetCreditNote(ctx, scopeOf(ctx), in.ID)
	if err != nil {
		return nil, err
	}
	return reply(apiobj.CreditNote(n)), nil
}

func (h *invoiceHandlers) voidCreditNote(ctx context.Context, in *IDPath) (*out[apiobj.CreditNoteJSON], error) {
	n, err := h.app.Collection.VoidCreditNote(ctx, scopeOf(ctx), in.ID)
	if err != nil {
		return nil, err
	}
	return reply(apiobj.CreditNote(n)), nil
}

func (h *invoiceHandlers) listCreditNotes(ctx context.Context, in *struct {
	PageQuery
	Invoice  string `query:"invoice" maxLength:"100"`
	Customer string `query:"customer" maxLength:"100"`
}) (*out[ListJSON[apiobj.CreditNoteJSON]], error) {
	l, err := h.app.Collection.ListCreditNotes(ctx, scopeOf(ctx), billing.CreditNoteFilter{InvoiceID: in.Invoice, CustomerID: in.Customer}, in.page())
	if err != nil {
		return nil, err
	}
	return reply(listJSON("/v1/credit_notes", l.Data, l.HasMore, apiobj.CreditNote)), nil
}

func (h *customerHandlers) createBalanceTransaction(ctx context.Context, in *struct {
	ID   string `path:"id" maxLength:"100"`
	Body struct {
		Amount      int64  `json:"amount" doc:"Added to the balance, in minor units: negative gives the customer credit, positive is owed."`
		Currency    string `json:"currency" maxLength:"3"`
		Description string `json:"description,omitempty" maxLength:"250"`
	}
}) (*out[apiobj.BalanceTransactionJSON], error) {
	t, err := h.app.Customers.AdjustBalance(ctx, scopeOf(ctx), in.ID, app.BalanceParams{Amount: in.Body.Amount, Currency: in.Body.Currency, Description: in.Body.Description})
	if err != nil {
		return nil, err
	}
	return reply(apiobj.BalanceTransaction(t)), nil
}

func (h *customerHandlers) listBalanceTransactions(ctx context.Context, in *struct {
	ID string `path:"id" maxLength:"100"`
	PageQuery
}) (*out[ListJSON[apiobj.BalanceTransactionJSON]], error) {
	l, err := h.app.Customers.ListBalanceTransactions(ctx, scopeOf(ctx), in.ID, in.page())
	if err != nil {
		return nil, err
	}
	return reply(listJSON("/v1/customers/"+in.ID+"/balance_transactions", l.Data, l.HasMore, apiobj.BalanceTransaction)), nil
}

func (h *invoiceHandlers) creditNotePDF(ctx context.Context, in *IDPath) (*pdfOut, error) {
	pdf, filename, err := h.app.Collection.CreditNotePDF(ctx, scopeOf(ctx), in.ID)
	if err != nil {
		return nil, err
	}
	// The name is billing.DocumentFilename's: letters, digits and hyphens.
	return &pdfOut{ContentType: "application/pdf", Body: pdf, ContentDisposition: `inline; filename="` + filename + `"`}, nil
}
