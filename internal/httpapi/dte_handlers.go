package httpapi

import (
	"context"

	"github.com/danielgtaylor/huma/v2"

	"github.com/cuota/cuota/internal/apiobj"
	"github.com/cuota/cuota/internal/app"
)

// --- Chilean electronic tax documents (docs/dte.md)

// DTESettingsJSON is the key's mode's tax document setup, the provider
// key redacted.
type DTESettingsJSON struct {
	Object string `json:"object" enum:"dte_settings"`
	app.DTESettingsView
}

type dteSettingsBody struct {
	Enabled      *bool   `json:"enabled,omitempty" doc:"Issue a tax document for every paid CLP invoice. Needs api_key, activity_code and your profile's tax_id, legal_name, activity and address."`
	Provider     *string `json:"provider,omitempty" enum:"openfactura" doc:"The DTE provider; OpenFactura (Haulmer) is the one cuota speaks to."`
	APIKey       *string `json:"api_key,omitempty" maxLength:"500" doc:"The provider's API key (OpenFactura's apikey). Encrypted at rest; never shown again."`
	BaseURL      *string `json:"base_url,omitempty" maxLength:"500" doc:"Test mode only: talk to another address (cuota dtesim). Default: the provider's development address in test mode, production in live mode."`
	ActivityCode *int64  `json:"activity_code,omitempty" doc:"Your SII economic activity code (Acteco), which facturas carry."`
	IssueOn      *string `json:"issue_on,omitempty" enum:"paid,finalized" doc:"When a document is issued: paid (every invoice when it is paid; the default) or finalized (invoices sent to be paid by hand, send_invoice, already when finalized, on credit; the others when paid)."`
}

func (h *accountHandlers) getDTESettings(ctx context.Context, _ *struct{}) (*out[DTESettingsJSON], error) {
	v, err := h.app.Merchants.GetDTESettings(ctx, scopeOf(ctx))
	if err != nil {
		return nil, err
	}
	return reply(DTESettingsJSON{Object: "dte_settings", DTESettingsView: v}), nil
}

func (h *accountHandlers) putDTESettings(ctx context.Context, in *struct{ Body dteSettingsBody }) (*out[DTESettingsJSON], error) {
	b := in.Body
	v, err := h.app.Merchants.SetDTESettings(ctx, scopeOf(ctx), app.DTESettingsParams{Enabled: b.Enabled, Provider: b.Provider,
		APIKey: b.APIKey, BaseURL: b.BaseURL, ActivityCode: b.ActivityCode, IssueOn: b.IssueOn})
	if err != nil {
		return nil, err
	}
	return reply(DTESettingsJSON{Object: "dte_settings", DTESettingsView: v}), nil
}

func (h *invoiceHandlers) issueTaxDocument(ctx context.Context, in *IDPath) (*out[apiobj.TaxDocumentJSON], error) {
	d, err := h.app.Invoicing.IssueTaxDocument(ctx, scopeOf(ctx), in.ID)
	if err != nil {
		return nil, err
	}
	return reply(apiobj.TaxDocument(d)), nil
}

// TaxDocumentFilePath names an invoice and a format of its tax document.
type TaxDocumentFilePath struct {
	ID     string `path:"id" maxLength:"100"`
	Format string `path:"format" enum:"pdf,xml"`
}

func (h *invoiceHandlers) taxDocumentFile(ctx context.Context, in *TaxDocumentFilePath) (*pdfOut, error) {
	f := app.DTEFormat(in.Format)
	b, err := h.app.Invoicing.TaxDocumentFile(ctx, scopeOf(ctx), in.ID, f)
	if err != nil {
		return nil, err
	}
	return taxDocumentFileOut(b, f, in.ID), nil
}

func (h *invoiceHandlers) creditNoteTaxDocumentFile(ctx context.Context, in *TaxDocumentFilePath) (*pdfOut, error) {
	f := app.DTEFormat(in.Format)
	b, err := h.app.Invoicing.CreditNoteTaxDocumentFile(ctx, scopeOf(ctx), in.ID, f)
	if err != nil {
		return nil, err
	}
	return taxDocumentFileOut(b, f, in.ID), nil
}

// taxDocumentFileOut answers a tax document's file, named after the
// object it belongs to.
func taxDocumentFileOut(b []byte, f app.DTEFormat, id string) *pdfOut {
	in := struct{ ID string }{id}
	if f == app.DTEFormatXML {
		// The provider's XML is ISO-8859-1, as the SII's schema declares.
		return &pdfOut{ContentType: "application/xml", Body: b, ContentDisposition: `inline; filename="dte-` + in.ID + `.xml"`}
	}
	return &pdfOut{ContentType: "application/pdf", Body: b, ContentDisposition: `inline; filename="dte-` + in.ID + `.pdf"`}
}

// taxDocumentFileOperation declares the file answers.
func taxDocumentFileOperation(o huma.Operation) huma.Operation {
	o.Responses = map[string]*huma.Response{
		"200": {Description: "The tax document as the provider issued it.", Content: map[string]*huma.MediaType{
			"application/pdf": {Schema: &huma.Schema{Type: "string", Format: "binary"}},
			"application/xml": {Schema: &huma.Schema{Type: "string", Format: "binary"}},
		}},
	}
	return o
}
