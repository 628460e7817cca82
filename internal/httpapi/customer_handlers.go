package httpapi

import (
	"context"

	"github.com/cuota/cuota/internal/apiobj"
	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
)

// customerHandlers serves customers, their payment methods and
// entitlements, and payment method setups (setup_handlers.go).
type customerHandlers struct {
	app UseCases
}

// --- customers

type customerBody struct {
	Email      *string          `json:"email,omitempty"`
	Name       *string          `json:"name,omitempty"`
	ExternalID *string          `json:"external_id,omitempty" doc:"Your own id for this customer, unique per mode."`
	Locale     *string          `json:"locale,omitempty" doc:"es-CL or en, for pages and emails."`
	TestClock  *string          `json:"test_clock,omitempty" doc:"Test mode: the test clock this customer lives on (at creation only)."`
	TaxExempt  *string          `json:"tax_exempt,omitempty" enum:"none,exempt" doc:"exempt: the customer's invoices carry no tax."`
	Metadata   billing.Metadata `json:"metadata,omitempty"`
	// PreferredLocales is Stripe's list of the customer's languages; the
	// first one is kept (the same as locale).
	PreferredLocales *[]string    `json:"preferred_locales,omitempty" maxItems:"10" doc:"The customer's languages, best first; the first one (es-CL or en) writes its pages, documents and emails."`
	LegalName        *string      `json:"legal_name,omitempty" maxLength:"250" doc:"The name documents are made out to (razón social)."`
	Activity         *string      `json:"activity,omitempty" maxLength:"250" doc:"The customer's business activity (giro), which a factura names; \"\" removes it."`
	Address          *AddressJSON `json:"address,omitempty" doc:"The billing address; replaces the whole address."`
	TaxIDData        *[]TaxIDJSON `json:"tax_id_data,omitempty" maxItems:"5" doc:"The customer's tax ids; replaces them all ([] removes them). A cl_rut must have a correct check digit."`
}

// TaxIDJSON is one tax id of a customer.
type TaxIDJSON struct {
	Type  string `json:"type" maxLength:"20" doc:"cl_rut (checked; Stripe's cl_tin is accepted for it), or another country's type such as ar_cuit, kept as given."`
	Value string `json:"value" maxLength:"64"`
}

func (b customerBody) params() app.CustomerParams {
	p := app.CustomerParams{Email: b.Email, Name: b.Name, ExternalID: b.ExternalID, Locale: b.Locale, TestClock: b.TestClock, Metadata: b.Metadata,
		TaxExempt:        b.TaxExempt,
		PreferredLocales: b.PreferredLocales,
		TaxProfile:       app.TaxProfileParams{LegalName: b.LegalName, Activity: b.Activity, Address: b.Address.address()}}
	if b.TaxIDData != nil {
		ids := make([]app.TaxIDParams, 0, len(*b.TaxIDData))
		for _, id := range *b.TaxIDData {
			ids = append(ids, app.TaxIDParams{Type: id.Type, Value: id.Value})
		}
		p.TaxProfile.TaxIDs = &ids
	}
	return p
}

func (h *customerHandlers) createCustomer(ctx context.Context, in *struct{ Body customerBody }) (*out[apiobj.CustomerJSON], error) {
	c, err := h.app.Customers.CreateCustomer(ctx, scopeOf(ctx), in.Body.params())
	if err != nil {
		return nil, err
	}
	return reply(apiobj.Customer(c)), nil
}

func (h *customerHandlers) getCustomer(ctx context.Context, in *IDPath) (*out[apiobj.CustomerJSON], error) {
	c, err := h.app.Customers.GetCustomer(ctx, scopeOf(ctx), in.ID)
	if err != nil {
		return nil, err
	}
	return reply(apiobj.Customer(c)), nil
}

func (h *customerHandlers) updateCustomer(ctx context.Context, in *struct {
	IDPath
	Body customerBody
}) (*out[apiobj.CustomerJSON], error) {
	c, err := h.app.Customers.UpdateCustomer(ctx, scopeOf(ctx), in.ID, in.Body.params())
	if err != nil {
		return nil, err
	}
	return reply(apiobj.Customer(c)), nil
}

// DeletedCustomerJSON answers the deletion of a customer, as Stripe does.
type DeletedCustomerJSON struct {
	ID      string `json:"id"`
	Object  string `json:"object" enum:"customer"`
	Deleted bool   `json:"deleted"`
}

func (h *customerHandlers) deleteCustomer(ctx context.Context, in *IDPath) (*out[DeletedCustomerJSON], error) {
	c, err := h.app.Customers.DeleteCustomer(ctx, scopeOf(ctx), in.ID)
	if err != nil {
		return nil, err
	}
	return reply(DeletedCustomerJSON{ID: c.ID, Object: "customer", Deleted: true}), nil
}

func (h *customerHandlers) listCustomers(ctx context.Context, in *struct {
	PageQuery
	Email      string `query:"email" maxLength:"512"`
	ExternalID string `query:"external_id" maxLength:"200"`
}) (*out[ListJSON[apiobj.CustomerJSON]], error) {
	l, err := h.app.Customers.ListCustomers(ctx, scopeOf(ctx), billing.CustomerFilter{Email: in.Email, ExternalID: in.ExternalID}, in.page())
	if err != nil {
		return nil, err
	}
	return reply(listJSON("/v1/customers", l.Data, l.HasMore, apiobj.Customer)), nil
}

// --- payment methods

type attachPaymentMethodBody struct {
	Gateway string `json:"gateway" doc:"sim (test mode), flow or stripe."`
	Token   string `json:"token" doc:"A gateway token, e.g. tok_visa on the sim gateway."`
}

func (h *customerHandlers) attachPaymentMethod(ctx context.Context, in *struct {
	IDPath
	Body attachPaymentMethodBody
}) (*out[apiobj.PaymentMethodJSON], error) {
	pm, err := h.app.Customers.AttachPaymentMethod(ctx, scopeOf(ctx), in.ID, app.AttachPaymentMethodParams{Gateway: in.Body.Gateway, Token: in.Body.Token})
	if err != nil {
		return nil, err
	}
	return reply(apiobj.PaymentMethod(pm)), nil
}

func (h *customerHandlers) listPaymentMethods(ctx context.Context, in *IDPath) (*out[ListJSON[apiobj.PaymentMethodJSON]], error) {
	l, err := h.app.Customers.ListPaymentMethods(ctx, scopeOf(ctx), in.ID)
	if err != nil {
		return nil, err
	}
	return reply(listJSON("/v1/customers/"+in.ID+"/payment_methods", l, false, apiobj.PaymentMethod)), nil
}

func (h *customerHandlers) entitlements(ctx context.Context, in *IDPath) (*out[EntitlementsJSON], error) {
	f, err := h.app.Subscriptions.Entitlements(ctx, scopeOf(ctx), in.ID)
	if err != nil {
		return nil, err
	}
	return reply(EntitlementsJSON{Object: "entitlements", Customer: in.ID, Features: f}), nil
}

// EntitlementsJSON is what a customer is entitled to now.
type EntitlementsJSON struct {
	Object   string           `json:"object" enum:"entitlements"`
	Customer string           `json:"customer"`
	Features map[string]int64 `json:"features"`
}
