package mail_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/mail"
)

// renderCase is one template in one language: what it must say.
type renderCase struct {
	kind    mail.Kind
	locale  string
	data    any
	from    string
	subject string
	// want appears in both the text and the HTML body.
	want []string
}

func renderCases() []renderCase {
	receipt := mail.PaymentReceipt{
		MerchantName: "Agente Inmobiliario", CustomerName: "Ana Pérez", Amount: "$5.000",
		InvoiceNumber: "AGE-0042", PaidOn: "21 de noviembre de 2026",
		PeriodStart: "21 de octubre de 2026", PeriodEnd: "21 de noviembre de 2026",
		PlanName: "Plan Start", PortalURL: "https://pay.example.cl/portal/abc",
		InvoicePDF: []byte("%PDF-1.4 test"),
	}
	receiptEN := receipt
	receiptEN.Amount, receiptEN.PaidOn = "$50.00", "November 21, 2026"
	receiptEN.PeriodStart, receiptEN.PeriodEnd = "October 21, 2026", "November 21, 2026"

	credit := mail.CreditNote{
		MerchantName: "Agente Inmobiliario", CustomerName: "Ana", CreditNoteNumber: "AGE-CN-000001",
		InvoiceNumber: "AGE-0042", Amount: "$1.190", Tax: "$190", Refunded: "$1.190",
		IssuedOn: "6 de diciembre de 2026", DocumentTitle: "Comprobante de crédito", PDF: []byte("%PDF-1.4 test"),
	}
	creditEN := credit
	creditEN.Amount, creditEN.Tax, creditEN.Refunded, creditEN.Credited = "$11.90", "$1.90", "", "$11.90"
	creditEN.IssuedOn, creditEN.DocumentTitle, creditEN.PDF = "December 6, 2026", "Credit note", nil

	failed := mail.PaymentFailed{
		MerchantName: "Agente Inmobiliario", CustomerName: "Ana", Amount: "$19.990",
		InvoiceNumber: "AGE-0043", Reason: billing.FailureCustomer,
		NextRetry: "24 de noviembre de 2026", UpdatePaymentURL: "https://pay.example.cl/pm/xyz",
	}
	failedEN := failed
	failedEN.Amount, failedEN.NextRetry = "$19.99", "November 24, 2026"

	trial := mail.TrialEnding{
		MerchantName: "Agente Inmobiliario", CustomerName: "Ana", PlanName: "Plan Pro",
		TrialEnd: "1 de diciembre de 2026", Amount: "$29.990", HasPaymentMethod: true,
		ManageURL: "https://pay.example.cl/portal/abc",
	}
	trialEN := trial
	trialEN.TrialEnd, trialEN.Amount = "December 1, 2026", "$29.99"

	canceled := mail.SubscriptionCanceled{
		MerchantName: "Agente Inmobiliario", CustomerName: "Ana", PlanName: "Plan Pro",
		CanceledOn: "1 de diciembre de 2026", Reason: billing.CancelPaymentFailed,
		ResubscribeURL: "https://agente.example.cl/planes",
	}
	canceledEN := canceled
	canceledEN.CanceledOn = "December 1, 2026"

	toPay := mail.InvoiceToPay{
		MerchantName: "Agente Inmobiliario", CustomerName: "Ana", InvoiceNumber: "AGE-0044",
		Amount: "$5.000", DueDate: "5 de diciembre de 2026", PayURL: "https://pay.example.cl/i/in_123",
	}
	toPayEN := toPay
	toPayEN.Amount, toPayEN.DueDate = "$50.00", "December 5, 2026"

	hook := mail.WebhookEndpointDisabled{
		MerchantName: "Agente Inmobiliario", EndpointURL: "https://agente.example.cl/hooks/cuota",
		FailingSince: "21 de noviembre de 2026, 14:05 (America/Santiago)", LastError: "HTTP 502",
		Mode: billing.ModeLive, ManageURL: "https://dashboard.example.cl/webhooks",
	}
	hookEN := hook
	hookEN.FailingSince = "November 21, 2026, 2:05 PM (America/Santiago)"

	alert := mail.AlertOpened{
		MerchantName: "Agente Inmobiliario", Critical: true,
		Message: "La pasarela flow rechazó las credenciales guardadas; ningún cobro pasa por ella hasta que las actualices.",
		Object:  "gateway flow", FirstSeen: "21 de noviembre de 2026, 14:05 (America/Santiago)", Mode: billing.ModeLive,
		AlertID: "alrt_01",
	}
	alertEN := alert
	alertEN.Critical = false
	alertEN.Message = "Deliveries to the webhook endpoint https://agente.example.cl/hooks have failed without a success since 2026-11-21 17:05 UTC."
	alertEN.Object, alertEN.FirstSeen = "webhook_endpoint we_01", "November 21, 2026, 2:05 PM (America/Santiago)"

	digest := mail.AlertDigest{MerchantName: "Agente Inmobiliario", Mode: billing.ModeLive, Day: "21 de noviembre de 2026",
		Alerts: []mail.DigestAlert{{Critical: true, Message: "La pasarela flow no responde.", Object: "gateway flow",
			FirstSeen: "20 de noviembre de 2026, 09:00 (America/Santiago)", LastSeen: "21 de noviembre de 2026, 18:30 (America/Santiago)", Count: 14}}}
	digestEN := digest
	digestEN.Day = "November 21, 2026"
	digestEN.Alerts = []mail.DigestAlert{{Message: "A refund has been pending for 3 days.", Object: "refund re_01",
		FirstSeen: "November 18, 2026, 9:00 AM (America/Santiago)", LastSeen: "November 21, 2026, 6:30 PM (America/Santiago)", Count: 4}}

	return []renderCase{
		{mail.KindPaymentReceipt, "es-CL", receipt, "Agente Inmobiliario", "Recibimos tu pago de $5.000",
			[]string{"Ana Pérez", "$5.000", "AGE-0042", "21 de noviembre de 2026", "21 de octubre de 2026", "Plan Start", "https://pay.example.cl/portal/abc", "PDF"}},
		{mail.KindPaymentReceipt, "en-US", receiptEN, "Agente Inmobiliario", "Receipt for your payment of $50.00",
			[]string{"Ana Pérez", "$50.00", "AGE-0042", "November 21, 2026", "October 21, 2026", "Plan Start", "https://pay.example.cl/portal/abc", "PDF"}},
		{mail.KindPaymentFailed, "es", failed, "Agente Inmobiliario", "No pudimos procesar tu pago de $19.990",
			[]string{"$19.990", "AGE-0043", "Tu banco rechazó el cobro", "24 de noviembre de 2026", "https://pay.example.cl/pm/xyz"}},
		{mail.KindPaymentFailed, "en", failedEN, "Agente Inmobiliario", "We couldn't process your payment of $19.99",
			[]string{"$19.99", "AGE-0043", "Your bank declined the charge", "November 24, 2026", "https://pay.example.cl/pm/xyz"}},
		{mail.KindTrialEnding, "es-CL", trial, "Agente Inmobiliario", "Tu período de prueba termina el 1 de diciembre de 2026",
			[]string{"Plan Pro", "1 de diciembre de 2026", "cobraremos $29.990", "https://pay.example.cl/portal/abc"}},
		{mail.KindTrialEnding, "en", trialEN, "Agente Inmobiliario", "Your trial ends on December 1, 2026",
			[]string{"Plan Pro", "December 1, 2026", "we will charge $29.99", "https://pay.example.cl/portal/abc"}},
		{mail.KindSubscriptionCanceled, "es-MX", canceled, "Agente Inmobiliario", "Tu suscripción a Plan Pro fue cancelada",
			[]string{"1 de diciembre de 2026", "No pudimos cobrarla después de varios intentos", "https://agente.example.cl/planes"}},
		{mail.KindSubscriptionCanceled, "en", canceledEN, "Agente Inmobiliario", "Your Plan Pro subscription has been canceled",
			[]string{"December 1, 2026", "We could not collect payment after several attempts", "https://agente.example.cl/planes"}},
		{mail.KindInvoiceToPay, "es-CL", toPay, "Agente Inmobiliario", "Tienes un pago pendiente de $5.000",
			[]string{"$5.000", "AGE-0044", "5 de diciembre de 2026", "https://pay.example.cl/i/in_123"}},
		{mail.KindInvoiceToPay, "en", toPayEN, "Agente Inmobiliario", "Payment due: $50.00 for AGE-0044",
			[]string{"$50.00", "AGE-0044", "December 5, 2026", "https://pay.example.cl/i/in_123"}},
		{mail.KindCreditNote, "es-CL", credit, "Agente Inmobiliario", "Comprobante de crédito AGE-CN-000001 · Corrección de AGE-0042 por $1.190",
			[]string{"AGE-CN-000001", "AGE-0042", "$1.190", "Impuesto devuelto", "$190", "Devuelto a tu tarjeta", "Adjuntamos el comprobante de crédito en PDF."}},
		{mail.KindCreditNote, "en", creditEN, "Agente Inmobiliario", "Credit note AGE-CN-000001 · Correction of AGE-0042 for $11.90",
			[]string{"AGE-CN-000001", "AGE-0042", "$11.90", "Tax returned", "$1.90", "Added to your balance for your next invoices"}},
		{mail.KindWebhookEndpointDisabled, "es-CL", hook, "cuota", "Desactivamos un endpoint de webhooks de Agente Inmobiliario",
			[]string{"https://agente.example.cl/hooks/cuota", "21 de noviembre de 2026, 14:05 (America/Santiago)", "HTTP 502", "live", "https://dashboard.example.cl/webhooks"}},
		{mail.KindWebhookEndpointDisabled, "en", hookEN, "cuota", "A webhook endpoint of Agente Inmobiliario was disabled",
			[]string{"https://agente.example.cl/hooks/cuota", "November 21, 2026, 2:05 PM (America/Santiago)", "HTTP 502", "live", "https://dashboard.example.cl/webhooks"}},
		{mail.KindAlertOpened, "es-CL", alert, "cuota", "Alerta crítica en Agente Inmobiliario (modo live)",
			[]string{"rechazó las credenciales", "crítica", "gateway flow", "21 de noviembre de 2026, 14:05 (America/Santiago)", "alrt_01", "una sola vez"}},
		{mail.KindAlertOpened, "en", alertEN, "cuota", "Alert for Agente Inmobiliario (live mode)",
			[]string{"have failed without a success", "warning", "webhook_endpoint we_01", "November 21, 2026, 2:05 PM (America/Santiago)", "alrt_01", "We tell you once"}},
		{mail.KindAlertDigest, "es-CL", digest, "cuota", "Resumen de alertas de Agente Inmobiliario: 1 sin resolver (modo live)",
			[]string{"21 de noviembre de 2026", "La pasarela flow no responde.", "crítica", "gateway flow", "20 de noviembre de 2026, 09:00", "Veces", "14"}},
		{mail.KindAlertDigest, "en", digestEN, "cuota", "Alert digest for Agente Inmobiliario: 1 unresolved (live mode)",
			[]string{"November 21, 2026", "pending for 3 days", "warning", "refund re_01", "Last seen", "4"}},
		{mail.KindPasswordReset, "es-CL", mail.PasswordReset{MerchantName: "Agente Inmobiliario", Email: "duena@example.cl",
			ResetURL: "https://cuota.example.cl/console/reset/TOKEN", Expires: "21 de noviembre de 2026, 15:05 (America/Santiago)"},
			"cuota", "Elige una nueva contraseña para la consola de Agente Inmobiliario",
			[]string{"duena@example.cl", "https://cuota.example.cl/console/reset/TOKEN", "una sola vez", "21 de noviembre de 2026, 15:05", "ignora este correo"}},
		{mail.KindPasswordReset, "en", mail.PasswordReset{MerchantName: "Agente Inmobiliario", Email: "duena@example.cl",
			ResetURL: "https://cuota.example.cl/console/reset/TOKEN", Expires: "November 21, 2026, 3:05 PM (America/Santiago)"},
			"cuota", "Choose a new password for the Agente Inmobiliario console",
			[]string{"duena@example.cl", "https://cuota.example.cl/console/reset/TOKEN", "works once", "November 21, 2026, 3:05 PM", "ignore this email"}},
	}
}

func TestRenderEveryTemplateInBothLanguages(t *testing.T) {
	seen := map[mail.Kind]map[string]bool{}
	for _, tc := range renderCases() {
		t.Run(string(tc.kind)+"/"+tc.locale, func(t *testing.T) {
			m, err := mail.Render(tc.kind, tc.locale, tc.data)
			require.NoError(t, err)
			require.Equal(t, tc.subject, m.Subject)
			require.Equal(t, tc.from, m.From.Name)
			require.Empty(t, m.From.Email, "the caller sets the address")
			require.Equal(t, "auto-generated", m.Headers["Auto-Submitted"])
			for _, want := range tc.want {
				require.Contains(t, m.Text, want, "text")
				require.Contains(t, m.HTML, htmlEscape(want), "HTML")
			}
			require.Contains(t, m.HTML, `<html lang="`+mail.Language(tc.locale)+`">`)
			require.Contains(t, m.HTML, "<title>"+htmlEscape(tc.subject)+"</title>")
			require.True(t, strings.HasSuffix(m.Text, "\n"))
			require.NotContains(t, m.Text, "\n\n\n", "at most one blank line in a row")
			require.NotContains(t, m.Text, "<no value>")
			require.NotContains(t, m.HTML, "<no value>")
		})
		if seen[tc.kind] == nil {
			seen[tc.kind] = map[string]bool{}
		}
		seen[tc.kind][mail.Language(tc.locale)] = true
	}
	for _, k := range mail.Kinds() {
		require.Equal(t, map[string]bool{"es": true, "en": true}, seen[k], "kind %s is tested in both languages", k)
	}
}

// htmlEscape escapes what html/template escapes in text.
func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;").Replace(s)
}

func TestRenderLanguageRule(t *testing.T) {
	d := mail.InvoiceToPay{MerchantName: "M", InvoiceNumber: "N-1", Amount: "$1", PayURL: "https://x.example/p"}
	for locale, want := range map[string]string{
		"es": "Tienes", "es-CL": "Tienes", "es_AR": "Tienes", "ES-cl": "Tienes",
		"en": "Payment due", "en-GB": "Payment due", "": "Payment due", "pt-BR": "Payment due", "esperanto": "Payment due",
	} {
		m, err := mail.Render(mail.KindInvoiceToPay, locale, d)
		require.NoError(t, err, locale)
		require.True(t, strings.HasPrefix(m.Subject, want), "locale %q gave %q", locale, m.Subject)
	}
}

func TestRenderEscapesHostileInput(t *testing.T) {
	const script = `<script>alert("x")</script>`
	for _, locale := range []string{"es", "en"} {
		m, err := mail.Render(mail.KindPaymentReceipt, locale, mail.PaymentReceipt{
			MerchantName:  `Tienda "A&B" <b>`,
			CustomerName:  script,
			Amount:        "$5.000",
			InvoiceNumber: `<img src=x onerror=alert(1)>`,
			PaidOn:        "hoy",
			PlanName:      `Plan <i>Pro</i>`,
			PortalURL:     `https://pay.example.cl/p?next="><script>alert(1)</script>`,
		})
		require.NoError(t, err)
		require.NotContains(t, m.HTML, "<script")
		require.NotContains(t, m.HTML, "<img")
		require.NotContains(t, m.HTML, "<i>")
		require.NotContains(t, m.HTML, "<b>")
		require.Contains(t, m.HTML, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;")
		require.Contains(t, m.HTML, "Tienda &#34;A&amp;B&#34; &lt;b&gt;")
		require.Contains(t, m.HTML, `href="https://pay.example.cl/p?next=%22%3e%3cscript%3ealert%281%29%3c/script%3e"`)
		// Plain text is not HTML: it shows the name as typed.
		require.Contains(t, m.Text, script)
		require.Equal(t, `Tienda "A&B" <b>`, m.From.Name)
	}
}

func TestRenderSubjectIsOneLine(t *testing.T) {
	m, err := mail.Render(mail.KindInvoiceToPay, "en", mail.InvoiceToPay{
		MerchantName: "M", InvoiceNumber: "N-1\r\nBcc: victim@example.com", Amount: "$1\n", PayURL: "https://x.example/p",
	})
	require.NoError(t, err)
	require.Equal(t, "Payment due: $1 for N-1 Bcc: victim@example.com", m.Subject)
}

func TestRenderRefusesLinksThatAreNotHTTP(t *testing.T) {
	for _, link := range []string{"javascript:alert(1)", "/relative/path", "mailto:a@b.c", "https://", "ftp://x.example/"} {
		_, err := mail.Render(mail.KindPaymentFailed, "es", mail.PaymentFailed{
			MerchantName: "M", Amount: "$1", Reason: billing.FailureCustomer, UpdatePaymentURL: link,
		})
		require.ErrorIs(t, err, mail.ErrInvalidData, link)
		require.ErrorContains(t, err, "update_payment_url")
	}
}

func TestRenderErrors(t *testing.T) {
	valid := mail.TrialEnding{MerchantName: "M", TrialEnd: "d", Amount: "$1", ManageURL: "https://x.example/m"}
	tests := []struct {
		name   string
		kind   mail.Kind
		data   any
		target error
		msg    string
	}{
		{"unknown kind", "welcome", valid, mail.ErrUnknownKind, `"welcome"`},
		{"empty kind", "", valid, mail.ErrUnknownKind, `""`},
		{"wrong struct", mail.KindPaymentReceipt, valid, mail.ErrWrongData, "got mail.TrialEnding, want mail.PaymentReceipt"},
		{"nil data", mail.KindTrialEnding, nil, mail.ErrWrongData, "got <nil>"},
		{"nil pointer", mail.KindTrialEnding, (*mail.TrialEnding)(nil), mail.ErrWrongData, "nil"},
		{"map", mail.KindTrialEnding, map[string]any{"merchant_name": "M"}, mail.ErrWrongData, "map"},
		{"missing merchant", mail.KindTrialEnding, mail.TrialEnding{TrialEnd: "d", Amount: "$1", ManageURL: "https://x.example/m"}, mail.ErrInvalidData, "merchant_name is required"},
		{"blank amount", mail.KindTrialEnding, mail.TrialEnding{MerchantName: "M", TrialEnd: "d", Amount: "  ", ManageURL: "https://x.example/m"}, mail.ErrInvalidData, "amount is required"},
		{"receipt without paid_on", mail.KindPaymentReceipt, mail.PaymentReceipt{MerchantName: "M", Amount: "$1", InvoiceNumber: "N"}, mail.ErrInvalidData, "paid_on is required"},
		{"half a period", mail.KindPaymentReceipt, mail.PaymentReceipt{MerchantName: "M", Amount: "$1", InvoiceNumber: "N", PaidOn: "d", PeriodStart: "a"}, mail.ErrInvalidData, "period_start and period_end"},
		{"unknown outcome is no failure", mail.KindPaymentFailed, mail.PaymentFailed{MerchantName: "M", Amount: "$1", Reason: billing.FailureUnknown, UpdatePaymentURL: "https://x.example/u"}, mail.ErrInvalidData, "reconciliation"},
		{"no failure class", mail.KindPaymentFailed, mail.PaymentFailed{MerchantName: "M", Amount: "$1", UpdatePaymentURL: "https://x.example/u"}, mail.ErrInvalidData, "not a failure class"},
		{"bad cancellation reason", mail.KindSubscriptionCanceled, mail.SubscriptionCanceled{MerchantName: "M", CanceledOn: "d", Reason: "bored"}, mail.ErrInvalidData, "bored"},
		{"bad mode", mail.KindWebhookEndpointDisabled, mail.WebhookEndpointDisabled{MerchantName: "M", EndpointURL: "u", FailingSince: "d", Mode: "prod"}, mail.ErrInvalidData, "prod"},
		{"bad PDF name", mail.KindInvoiceToPay, mail.InvoiceToPay{MerchantName: "M", InvoiceNumber: "N", Amount: "$1", PayURL: "https://x.example/p", InvoicePDF: []byte("x"), PDFFilename: "../etc/passwd"}, mail.ErrInvalidMessage, "filename"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := mail.Render(tt.kind, "es", tt.data)
			require.ErrorIs(t, err, tt.target)
			require.ErrorContains(t, err, tt.msg)
			require.Zero(t, m)
		})
	}
}

func TestRenderTakesValueOrPointer(t *testing.T) {
	d := mail.TrialEnding{MerchantName: "M", TrialEnd: "d", Amount: "$1", ManageURL: "https://x.example/m"}
	byValue, err := mail.Render(mail.KindTrialEnding, "en", d)
	require.NoError(t, err)
	byPointer, err := mail.Render(mail.KindTrialEnding, "en", &d)
	require.NoError(t, err)
	require.Equal(t, byValue, byPointer)
}

func TestNewDataDecodesJobArguments(t *testing.T) {
	for _, tc := range renderCases() {
		raw, err := json.Marshal(tc.data)
		require.NoError(t, err)
		data, err := mail.NewData(tc.kind)
		require.NoError(t, err)
		require.NoError(t, json.Unmarshal(raw, data))
		fromJSON, err := mail.Render(tc.kind, tc.locale, data)
		require.NoError(t, err)
		direct, err := mail.Render(tc.kind, tc.locale, tc.data)
		require.NoError(t, err)
		require.Equal(t, direct, fromJSON, "%s/%s", tc.kind, tc.locale)
	}
	_, err := mail.NewData("nope")
	require.ErrorIs(t, err, mail.ErrUnknownKind)
	require.True(t, mail.KindInvoiceToPay.Valid())
	require.False(t, mail.Kind("nope").Valid())
}

func TestRenderPaymentFailedExplainsEachClass(t *testing.T) {
	base := mail.PaymentFailed{MerchantName: "M", Amount: "$1", UpdatePaymentURL: "https://x.example/u"}
	want := map[billing.FailureClass][2]string{
		billing.FailureCustomer:  {"Tu banco rechazó el cobro", "Your bank declined the charge"},
		billing.FailureHard:      {"Tu tarjeta ya no se puede usar", "Your card can no longer be used"},
		billing.FailureTechnical: {"No se te cobró nada", "You were not charged"},
	}
	for class, sentences := range want {
		d := base
		d.Reason = class
		for i, locale := range []string{"es", "en"} {
			m, err := mail.Render(mail.KindPaymentFailed, locale, d)
			require.NoError(t, err)
			require.Contains(t, m.Text, sentences[i], "%s %s", class, locale)
			require.Contains(t, m.HTML, sentences[i], "%s %s", class, locale)
			for other, s := range want {
				if other != class {
					require.NotContains(t, m.Text, s[i])
				}
			}
		}
	}

	// Without a next retry the email says no more attempts will be made.
	base.Reason = billing.FailureHard
	es, err := mail.Render(mail.KindPaymentFailed, "es", base)
	require.NoError(t, err)
	require.Contains(t, es.Text, "No haremos más intentos automáticos")
	require.NotContains(t, es.Text, "Volveremos a intentar")
	en, err := mail.Render(mail.KindPaymentFailed, "en", base)
	require.NoError(t, err)
	require.Contains(t, en.HTML, "We will not try again automatically")
}

func TestRenderSubscriptionCanceledExplainsEachReason(t *testing.T) {
	reasons := map[billing.CancellationReason][2]string{
		billing.CancelRequestedByCustomer: {"La cancelaste tú.", "You canceled it."},
		billing.CancelRequestedByMerchant: {"Tienda la canceló.", "Tienda canceled it."},
		billing.CancelPaymentFailed:       {"No pudimos cobrarla", "We could not collect payment"},
		billing.CancelSystemError:         {"dejó de funcionar", "stopped working"},
		billing.CancelCompleted:           {"final del plazo acordado", "end of its agreed term"},
	}
	for reason, sentences := range reasons {
		for i, locale := range []string{"es", "en"} {
			m, err := mail.Render(mail.KindSubscriptionCanceled, locale, mail.SubscriptionCanceled{
				MerchantName: "Tienda", CanceledOn: "d", Reason: reason,
			})
			require.NoError(t, err)
			require.Contains(t, m.Text, sentences[i], "%s %s", reason, locale)
			require.Contains(t, m.HTML, sentences[i], "%s %s", reason, locale)
		}
	}
	// No reason, no link: neither appears.
	m, err := mail.Render(mail.KindSubscriptionCanceled, "en", mail.SubscriptionCanceled{MerchantName: "Tienda", CanceledOn: "d"})
	require.NoError(t, err)
	require.Equal(t, "Your subscription has been canceled", m.Subject)
	require.NotContains(t, m.HTML, "<a ")
	for _, s := range reasons {
		require.NotContains(t, m.Text, s[1])
	}
}

func TestRenderTrialEndingWithoutPaymentMethod(t *testing.T) {
	d := mail.TrialEnding{MerchantName: "M", TrialEnd: "1 de diciembre de 2026", Amount: "$29.990", ManageURL: "https://x.example/m"}
	m, err := mail.Render(mail.KindTrialEnding, "es-CL", d)
	require.NoError(t, err)
	require.Contains(t, m.Text, "Aún no tienes un medio de pago guardado")
	require.Contains(t, m.Text, "$29.990")
	require.Contains(t, m.HTML, "Agregar medio de pago")
	require.NotContains(t, m.Text, "cobraremos")
}

func TestRenderAttachesInvoicePDF(t *testing.T) {
	pdf := []byte("%PDF-1.7\n\x00\xff binary")
	receipt := mail.PaymentReceipt{MerchantName: "M", Amount: "$1", InvoiceNumber: "AGE/0042 ñ", PaidOn: "d", InvoicePDF: pdf}

	es, err := mail.Render(mail.KindPaymentReceipt, "es-CL", receipt)
	require.NoError(t, err)
	require.Equal(t, []mail.Attachment{{Filename: "cobro-AGE-0042---.pdf", ContentType: "application/pdf", Data: pdf}}, es.Attachments)

	en, err := mail.Render(mail.KindPaymentReceipt, "en", receipt)
	require.NoError(t, err)
	require.Equal(t, "invoice-AGE-0042---.pdf", en.Attachments[0].Filename)

	receipt.PDFFilename = "Factura 42.pdf"
	named, err := mail.Render(mail.KindPaymentReceipt, "en", receipt)
	require.NoError(t, err)
	require.Equal(t, "Factura 42.pdf", named.Attachments[0].Filename)

	receipt.InvoicePDF = nil
	none, err := mail.Render(mail.KindPaymentReceipt, "en", receipt)
	require.NoError(t, err)
	require.Empty(t, none.Attachments)
	require.NotContains(t, none.Text, "attached")

	toPay, err := mail.Render(mail.KindInvoiceToPay, "es", mail.InvoiceToPay{
		MerchantName: "M", InvoiceNumber: "N-7", Amount: "$1", PayURL: "https://x.example/p", InvoicePDF: pdf,
	})
	require.NoError(t, err)
	require.Equal(t, "cobro-N-7.pdf", toPay.Attachments[0].Filename)
	require.Contains(t, toPay.Text, "Adjuntamos el cobro en PDF.")
}

func TestKinds(t *testing.T) {
	got := mail.Kinds()
	require.Equal(t, []mail.Kind{
		"payment_receipt", "payment_failed", "trial_ending",
		"subscription_canceled", "invoice_to_pay", "webhook_endpoint_disabled", "credit_note", "alert_opened",
		"alert_digest", "password_reset",
	}, got)
	got[0] = "changed"
	require.Equal(t, mail.KindPaymentReceipt, mail.Kinds()[0], "Kinds returns a copy")
}

func ExampleRender() {
	m, err := mail.Render(mail.KindInvoiceToPay, "es-CL", mail.InvoiceToPay{
		MerchantName:  "Agente",
		InvoiceNumber: "AGE-0001",
		Amount:        "$5.000",
		PayURL:        "https://pay.example.cl/i/in_123",
	})
	if err != nil {
		panic(err)
	}
	m.From.Email = "no-reply@agente.example.cl"
	m.To = []mail.Address{{Name: "Ana", Email: "ana@example.cl"}}
	m.MessageID = mail.MessageIDFor("in_123.invoice_to_pay", "agente.example.cl")
	fmt.Println(m.From)
	fmt.Println(m.Subject)
	fmt.Println(m.MessageID)
	// Output:
	// "Agente" <no-reply@agente.example.cl>
	// Tienes un pago pendiente de $5.000
	// in_123.invoice_to_pay@agente.example.cl
}
