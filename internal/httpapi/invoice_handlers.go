package httpapi

import (
	"context"

	"github.com/cuota/cuota/internal/apiobj"
	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
)

// invoiceHandlers serves invoices and their PDF (notify_handlers.go),
// payments and refunds.
type invoiceHandlers struct {
	app UseCases
}

// --- invoices and payments

func (h *invoiceHandlers) getInvoice(ctx context.Context, in *IDPath) (*out[apiobj.InvoiceJSON], error) {
	inv, err := h.app.Invoicing.GetInvoice(ctx, scopeOf(ctx), in.ID)
	if err != nil {
		return nil, err
	}
	return reply(apiobj.Invoice(inv)), nil
}

func (h *invoiceHandlers) listInvoices(ctx context.Context, in *struct {
	PageQuery
	Customer     string `query:"customer" maxLength:"100"`
	Subscription string `query:"subscription" maxLength:"100"`
	Status       string `query:"status" enum:"draft,open,paid,void,uncollectible,"`
}) (*out[ListJSON[apiobj.InvoiceJSON]], error) {
	f := billing.InvoiceFilter{CustomerID: in.Customer, SubscriptionID: in.Subscription, Status: billing.InvoiceStatus(in.Status)}
	l, err := h.app.Invoicing.ListInvoices(ctx, scopeOf(ctx), f, in.page())
	if err != nil {
		return nil, err
	}
	return reply(listJSON("/v1/invoices", l.Data, l.HasMore, apiobj.Invoice)), nil
}

func (h *invoiceHandlers) listPayments(ctx context.Context, in *struct {
	PageQuery
	Invoice  string `query:"invoice" maxLength:"100"`
	Customer string `query:"customer" maxLength:"100"`
	Status   string `query:"status" enum:"pending,succeeded,failed,unknown,"`
}) (*out[ListJSON[apiobj.PaymentJSON]], error) {
	l, err := h.app.Collection.ListPayments(ctx, scopeOf(ctx), billing.PaymentFilter{InvoiceID: in.Invoice, CustomerID: in.Customer, Status: billing.PaymentStatus(in.Status)}, in.page())
	if err != nil {
		return nil, err
	}
	return reply(listJSON("/v1/payments", l.Data, l.HasMore, apiobj.Payment)), nil
}

func (h *invoiceHandlers) getPayment(ctx context.Context, in *IDPath) (*out[apiobj.PaymentJSON], error) {
	p, err := h.app.Collection.GetPayment(ctx, scopeOf(ctx), in.ID)
	if err != nil {
		return nil, err
	}
	return reply(apiobj.Payment(p)), nil
}

// --- invoice actions and refunds

// invoiceItemBody is one item of a one-off invoice.
type invoiceItemBody struct {
	Price       string   `json:"price,omitempty" maxLength:"100" doc:"A price; its product names the line."`
	Quantity    int64    `json:"quantity,omitempty" doc:"Default 1."`
	Amount      *Amount  `json:"amount,omitempty" doc:"Instead of a price: an amount in minor units (CLP 5000 is $5.000), with a description."`
	Description string   `json:"description,omitempty" maxLength:"250"`
	TaxRates    []string `json:"tax_rates,omitempty" maxItems:"5" doc:"Tax rates of the line; default the price's tax_rates, else the merchant's default (docs/taxes.md)."`
}

type createInvoiceBody struct {
	Customer      string            `json:"customer" maxLength:"100"`
	Currency      string            `json:"currency,omitempty" maxLength:"3" doc:"Required when no item names a price."`
	Items         []invoiceItemBody `json:"items" maxItems:"100"`
	Collection    string            `json:"collection,omitempty" enum:"charge_automatically,send_invoice" doc:"charge_automatically (default): charged to a saved card when finalized; send_invoice: the customer is emailed a link to pay it."`
	DaysUntilDue  *int64            `json:"days_until_due,omitempty" doc:"send_invoice: days from creation until it is due (default 30)."`
	PaymentMethod string            `json:"payment_method,omitempty" maxLength:"100" doc:"charge_automatically: the card to charge (default: the customer's most recent)."`
	AutoFinalize  bool              `json:"auto_finalize,omitempty" doc:"Finalize and collect at once instead of leaving a draft."`
}

func (h *invoiceHandlers) createInvoice(ctx context.Context, in *struct{ Body createInvoiceBody }) (*out[apiobj.InvoiceJSON], error) {
	b := in.Body
	p := app.CreateInvoiceParams{Customer: b.Customer, Currency: b.Currency, Collection: b.Collection, DaysUntilDue: b.DaysUntilDue,
		PaymentMethod: b.PaymentMethod, Finalize: b.AutoFinalize}
	for _, it := range b.Items {
		p.Items = append(p.Items, app.InvoiceItemParams{Price: it.Price, Quantity: it.Quantity, Amount: amountMinor(it.Amount), Description: it.Description,
			TaxRates: it.TaxRates})
	}
	inv, err := h.app.Invoicing.CreateInvoice(ctx, scopeOf(ctx), p)
	if err != nil {
		return nil, err
	}
	return reply(apiobj.Invoice(inv)), nil
}

func (h *invoiceHandlers) finalizeInvoice(ctx context.Context, in *IDPath) (*out[apiobj.InvoiceJSON], error) {
	inv, err := h.app.Invoicing.FinalizeInvoice(ctx, scopeOf(ctx), in.ID)
	if err != nil {
		return nil, err
	}
	return reply(apiobj.Invoice(inv)), nil
}

func (h *invoiceHandlers) payInvoice(ctx context.Context, in *IDPath) (*out[apiobj.InvoiceJSON], error) {
	inv, err := h.app.Collection.PayInvoice(ctx, scopeOf(ctx), in.ID)
	if err != nil {
		return nil, err
	}
	return reply(apiobj.Invoice(inv)), nil
}

func (h *invoiceHandlers) voidInvoice(ctx context.Context, in *IDPath) (*out[apiobj.InvoiceJSON], error) {
	inv, err := h.app.Collection.VoidInvoice(ctx, scopeOf(ctx), in.ID)
	if err != nil {
		return nil, err
	}
	return reply(apiobj.Invoice(inv)), nil
}

func (h *invoiceHandlers) markUncollectible(ctx context.Context, in *IDPath) (*out[apiobj.InvoiceJSON], error) {
	inv, err := h.app.Collection.MarkUncollectible(ctx, scopeOf(ctx), in.ID)
	if err != nil {
		return nil, err
	}
	return reply(apiobj.Invoice(inv)), nil
}

func (h *invoiceHandlers) createRefund(ctx context.Context, in *struct {
	Body struct {
		Payment string  `json:"payment"`
		Amount  *Amount `json:"amount,omitempty" doc:"Minor units; default: all that is left to refund."`
		Reason  string  `json:"reason,omitempty"`
	}
}) (*out[apiobj.RefundJSON], error) {
	r, err := h.app.Collection.CreateRefund(ctx, scopeOf(ctx), app.CreateRefundParams{Payment: in.Body.Payment, Amount: amountMinor(in.Body.Amount), Reason: in.Body.Reason})
	if err != nil {
		return nil, err
	}
	return reply(apiobj.Refund(r)), nil
}

func (h *invoiceHandlers) getRefund(ctx context.Context, in *IDPath) (*out[apiobj.RefundJSON], error) {
	r, err := h.app.Collection.GetRefund(ctx, scopeOf(ctx), in.ID)
	if err != nil {
		return nil, err
	}
	return reply(apiobj.Refund(r)), nil
}

func (h *invoiceHandlers) listRefunds(ctx context.Context, in *struct {
	PageQuery
	Payment string `query:"payment" maxLength:"100"`
}) (*out[ListJSON[apiobj.RefundJSON]], error) {
	l, err := h.app.Collection.ListRefunds(ctx, scopeOf(ctx), in.Payment, in.page())
	if err != nil {
		return nil, err
	}
	return reply(listJSON("/v1/refunds", l.Data, l.HasMore, apiobj.Refund)), nil
}
