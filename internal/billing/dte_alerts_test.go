package billing_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/billing"
)

func TestTaxDocumentAlerts(t *testing.T) {
	created := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	doc := func(st billing.DTEStatus, typ billing.DTEType) billing.TaxDocument {
		return billing.TaxDocument{InvoiceID: "in_1", Type: typ, Status: st, Provider: "openfactura", Created: created,
			Reason: "OF-02: giro inválido"}
	}
	kinds := func(cs []billing.AlertCondition) []billing.AlertKind {
		out := []billing.AlertKind{}
		for _, c := range cs {
			out = append(out, c.Kind)
		}
		return out
	}
	for _, tc := range []struct {
		name         string
		facts        billing.TaxDocumentFacts
		after        time.Duration
		raise, clear []billing.AlertKind
	}{
		{"rejected by the provider", billing.TaxDocumentFacts{Doc: doc(billing.DTERejected, billing.DTEFactura), Called: true, Answered: true},
			time.Minute, []billing.AlertKind{billing.AlertTaxDocumentRejected}, []billing.AlertKind{billing.AlertTaxDocumentsDelayed}},
		{"issued clears the invoice's alerts", billing.TaxDocumentFacts{Doc: doc(billing.DTEIssued, billing.DTEFactura), Called: true, Answered: true},
			time.Minute, []billing.AlertKind{}, []billing.AlertKind{billing.AlertTaxDocumentRejected, billing.AlertTaxDocumentStuck, billing.AlertTaxDocumentsDelayed}},
		{"an issued nota de crédito clears nothing of the invoice's", billing.TaxDocumentFacts{Doc: doc(billing.DTEIssued, billing.DTENotaDeCredito), Called: true, Answered: true},
			time.Minute, []billing.AlertKind{}, []billing.AlertKind{billing.AlertTaxDocumentsDelayed}},
		{"no answer within the hour", billing.TaxDocumentFacts{Doc: doc(billing.DTEUnknown, billing.DTEBoleta), Called: true},
			59 * time.Minute, []billing.AlertKind{}, []billing.AlertKind{}},
		{"no answer for an hour", billing.TaxDocumentFacts{Doc: doc(billing.DTEUnknown, billing.DTEBoleta), Called: true},
			time.Hour, []billing.AlertKind{billing.AlertTaxDocumentsDelayed}, []billing.AlertKind{}},
		{"waiting without calling raises nothing", billing.TaxDocumentFacts{Doc: doc(billing.DTEPending, billing.DTENotaDeCredito)},
			48 * time.Hour, []billing.AlertKind{}, []billing.AlertKind{}},
		{"stuck past the lookup window", billing.TaxDocumentFacts{Doc: doc(billing.DTEUnknown, billing.DTEBoleta), Stuck: true},
			24 * time.Hour, []billing.AlertKind{billing.AlertTaxDocumentStuck}, []billing.AlertKind{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			raise, clear := billing.TaxDocumentAlerts(tc.facts, created.Add(tc.after))
			require.Equal(t, tc.raise, kinds(raise))
			require.Equal(t, tc.clear, kinds(clear))
			for _, c := range raise {
				require.NotEmpty(t, c.Message.ES)
				require.NotEmpty(t, c.Message.EN)
			}
		})
	}
	raise, _ := billing.TaxDocumentAlerts(billing.TaxDocumentFacts{Doc: doc(billing.DTERejected, billing.DTEBoleta), InvoiceNumber: "AGEN-000004",
		Called: true, Answered: true}, created)
	require.Equal(t, "La boleta electrónica del documento AGEN-000004 fue rechazada (OF-02: giro inválido). Corrige los datos del cliente o de tu empresa y emítela de nuevo.", raise[0].Message.ES)
	require.Equal(t, "in_1", raise[0].ObjectID)
}
