package httpapi

import (
	"context"

	"github.com/danielgtaylor/huma/v2"
)

// pdfOut is a PDF answer.
type pdfOut struct {
	ContentType        string `header:"Content-Type"`
	ContentDisposition string `header:"Content-Disposition"`
	Body               []byte
}

// pdfOperation declares op's answer as a PDF document.
func pdfOperation(o huma.Operation) huma.Operation {
	o.Responses = map[string]*huma.Response{
		"200": {Description: "The invoice as a PDF document.", Content: map[string]*huma.MediaType{
			"application/pdf": {Schema: &huma.Schema{Type: "string", Format: "binary"}},
		}},
	}
	return o
}

func (h *invoiceHandlers) invoicePDF(ctx context.Context, in *IDPath) (*pdfOut, error) {
	pdf, _, filename, err := h.app.Invoicing.InvoicePDF(ctx, scopeOf(ctx), in.ID)
	if err != nil {
		return nil, err
	}
	// The name is billing.DocumentFilename's: letters, digits and hyphens.
	return &pdfOut{ContentType: "application/pdf", Body: pdf, ContentDisposition: `inline; filename="` + filename + `"`}, nil
}
