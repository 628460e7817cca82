package billing_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/billing"
)

func TestLineText(t *testing.T) {
	santiago, err := time.LoadLocation("America/Santiago")
	require.NoError(t, err)
	es := billing.LineText{Locale: "es-CL", Loc: santiago}
	en := billing.LineText{Locale: "en", Loc: santiago}
	// Periods as PeriodBoundary returns them: UTC instants of midnight in
	// Santiago (−03 in summer).
	dec6 := time.Date(2026, 12, 6, 3, 0, 0, 0, time.UTC)
	jan6 := time.Date(2027, 1, 6, 3, 0, 0, 0, time.UTC)
	// Month end: Jan 31 → Feb 28 (the day clamps). The instant Mar 1 02:30
	// UTC is still Feb 28 (23:30) in Santiago: dates are the merchant's.
	jan31 := time.Date(2027, 1, 31, 3, 0, 0, 0, time.UTC)
	feb28 := time.Date(2027, 2, 28, 3, 0, 0, 0, time.UTC)
	lateFeb := time.Date(2027, 3, 1, 2, 30, 0, 0, time.UTC) // Feb 28 23:30 −03
	pct := billing.Coupon{PercentOffBP: 2000, Duration: billing.DurationOnce}
	pctFrac := billing.Coupon{PercentOffBP: 1250}
	clp := billing.Coupon{AmountOff: 5000, Currency: "CLP"}
	usd := billing.Coupon{AmountOff: 123456, Currency: "USD"}

	tests := []struct {
		name string
		got  string
		want string
	}{
		{"es subscription", es.Subscription("Agente Start", 1, dec6, jan6), "Agente Start · 6 dic 2026 – 6 ene 2027"},
		{"en subscription", en.Subscription("Agente Start", 1, dec6, jan6), "Agente Start · Dec 6, 2026 – Jan 6, 2027"},
		{"es quantity", es.Subscription("Agente Start", 3, dec6, jan6), "Agente Start × 3 · 6 dic 2026 – 6 ene 2027"},
		{"en quantity", en.Subscription("Agente Start", 3, dec6, jan6), "Agente Start × 3 · Dec 6, 2026 – Jan 6, 2027"},
		{"es month end", es.Subscription("Agente Pro", 1, jan31, feb28), "Agente Pro · 31 ene 2027 – 28 feb 2027"},
		{"en month end", en.Subscription("Agente Pro", 1, jan31, feb28), "Agente Pro · Jan 31, 2027 – Feb 28, 2027"},
		{"es merchant's zone, not UTC", es.Subscription("Agente Pro", 1, feb28, lateFeb), "Agente Pro · 28 feb 2027 – 28 feb 2027"},
		{"en September", en.Subscription("Agente Pro", 1, time.Date(2027, 9, 6, 3, 0, 0, 0, time.UTC), time.Date(2027, 10, 6, 3, 0, 0, 0, time.UTC)), "Agente Pro · Sep 6, 2027 – Oct 6, 2027"},
		{"es September", es.Subscription("Agente Pro", 1, time.Date(2027, 9, 6, 3, 0, 0, 0, time.UTC), time.Date(2027, 10, 6, 3, 0, 0, 0, time.UTC)), "Agente Pro · 6 sept 2027 – 6 oct 2027"},
		{"es no product name", es.Subscription("  ", 1, dec6, jan6), "Suscripción · 6 dic 2026 – 6 ene 2027"},
		{"en no product name", en.Subscription("", 2, dec6, jan6), "Subscription × 2 · Dec 6, 2026 – Jan 6, 2027"},
		{"es partial", es.PartialPeriod("Agente Start", 1, dec6, jan6), "Período parcial de Agente Start · 6 dic 2026 – 6 ene 2027"},
		{"en partial", en.PartialPeriod("Agente Start", 2, dec6, jan6), "Partial period of Agente Start × 2 · Dec 6, 2026 – Jan 6, 2027"},
		{"es credit", es.Proration("Agente Start", 1, true), "Crédito por tiempo no usado de Agente Start"},
		{"en credit", en.Proration("Agente Start", 1, true), "Credit for unused time on Agente Start"},
		{"es debit", es.Proration("Agente Pro", 3, false), "Tiempo restante de Agente Pro × 3"},
		{"en debit", en.Proration("Agente Pro", 1, false), "Remaining time on Agente Pro"},
		{"es carried", es.CarriedCredit(), "Saldo a favor del cobro anterior"},
		{"en carried", en.CarriedCredit(), "Credit carried from the previous invoice"},
		{"es one-off", es.OneOff("Instalación", 1), "Instalación"},
		{"en one-off quantity", en.OneOff("Setup", 4), "Setup × 4"},
		{"es percent", es.Discount("VERANO", pct), "Descuento VERANO (20\u00a0%)"},
		{"en percent", en.Discount("VERANO", pct), "Discount VERANO (20%)"},
		{"es fractional percent", es.Discount("VERANO", pctFrac), "Descuento VERANO (12,5\u00a0%)"},
		{"en fractional percent", en.Discount("VERANO", pctFrac), "Discount VERANO (12.5%)"},
		{"es amount", es.Discount("VERANO", clp), "Descuento VERANO ($5.000)"},
		{"en amount", en.Discount("VERANO", clp), "Discount VERANO (CLP\u00a05,000)"},
		{"es dollars", es.Discount("Bienvenida", usd), "Descuento Bienvenida (US$1.234,56)"},
		{"en dollars", en.Discount("Welcome", usd), "Discount Welcome ($1,234.56)"},
		{"es unnamed", es.Discount(" ", pct), "Descuento (20\u00a0%)"},
		{"en-US is English", billing.LineText{Locale: "en-US"}.Proration("X", 1, true), "Credit for unused time on X"},
		{"other languages are Spanish", billing.LineText{Locale: "pt-BR"}.Proration("X", 1, false), "Tiempo restante de X"},
		{"nil zone is UTC", billing.LineText{Locale: "es-CL"}.Date(lateFeb), "1 mar 2027"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, tt.got)
		})
	}
}
