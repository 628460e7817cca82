package mail_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/mail"
	"github.com/cuota/cuota/internal/money"
)

func santiago() billing.Merchant {
	return billing.Merchant{ID: "mer_1", Name: "Agente Inmobiliario", Timezone: "America/Santiago", Locale: "es-CL"}
}

func TestBuildersFromBillingObjects(t *testing.T) {
	m := santiago()
	ana := billing.Customer{ID: "cus_1", Name: "Ana", Email: "ana@example.cl"} // no locale: the merchant's
	bob := billing.Customer{ID: "cus_2", Name: "Bob", Email: "bob@example.com", Locale: "en-US"}
	require.Equal(t, "es-CL", mail.CustomerLocale(m, ana))
	require.Equal(t, "en-US", mail.CustomerLocale(m, bob))

	paidAt := time.Date(2026, 11, 22, 2, 30, 0, 0, time.UTC) // Nov 21 in Santiago
	next := time.Date(2026, 11, 24, 15, 0, 0, 0, time.UTC)
	inv := billing.Invoice{
		ID: "in_1", Number: "AGE-0042", Currency: "CLP",
		PeriodStart: time.Date(2026, 10, 21, 15, 0, 0, 0, time.UTC),
		PeriodEnd:   time.Date(2026, 11, 21, 15, 0, 0, 0, time.UTC),
		AmountDue:   19990, AmountPaid: 5000, PaidAt: &paidAt, NextAttemptAt: &next,
	}
	pdf := []byte("%PDF")

	receipt, err := mail.NewPaymentReceipt(m, ana, inv, pdf)
	require.NoError(t, err)
	require.Equal(t, mail.PaymentReceipt{
		MerchantName: "Agente Inmobiliario", CustomerName: "Ana", Amount: "$5.000",
		InvoiceNumber: "AGE-0042", PaidOn: "21 de noviembre de 2026",
		PeriodStart: "21 de octubre de 2026", PeriodEnd: "21 de noviembre de 2026", InvoicePDF: pdf,
	}, receipt)
	_, err = mail.Render(mail.KindPaymentReceipt, mail.CustomerLocale(m, ana), receipt)
	require.NoError(t, err)

	usd := inv
	usd.Currency = "USD"
	receiptEN, err := mail.NewPaymentReceipt(m, bob, usd, nil)
	require.NoError(t, err)
	require.Equal(t, "$50.00", receiptEN.Amount)
	require.Equal(t, "November 21, 2026", receiptEN.PaidOn)

	unpaid := inv
	unpaid.PaidAt = nil
	_, err = mail.NewPaymentReceipt(m, ana, unpaid, nil)
	require.ErrorIs(t, err, mail.ErrInvalidData)
	badCurrency := inv
	badCurrency.Currency = "XYZ"
	_, err = mail.NewPaymentReceipt(m, ana, badCurrency, nil)
	require.ErrorIs(t, err, money.ErrInvalidCurrency)
	badZone := m
	badZone.Timezone = "Nowhere/Land"
	_, err = mail.NewPaymentReceipt(badZone, ana, inv, nil)
	require.ErrorContains(t, err, "Nowhere/Land")

	failed, err := mail.NewPaymentFailed(m, ana, inv, billing.FailureCustomer, "https://pay.example.cl/pm")
	require.NoError(t, err)
	require.Equal(t, mail.PaymentFailed{
		MerchantName: "Agente Inmobiliario", CustomerName: "Ana", Amount: "$19.990", InvoiceNumber: "AGE-0042",
		Reason: billing.FailureCustomer, NextRetry: "24 de noviembre de 2026", UpdatePaymentURL: "https://pay.example.cl/pm",
	}, failed)

	trialEnd := time.Date(2026, 12, 1, 15, 0, 0, 0, time.UTC)
	canceledAt := time.Date(2026, 12, 2, 1, 0, 0, 0, time.UTC) // Dec 1 in Santiago
	sub := billing.Subscription{ID: "sub_1", TrialEnd: &trialEnd, CanceledAt: &canceledAt, CancellationReason: billing.CancelRequestedByCustomer}
	trial, err := mail.NewTrialEnding(m, ana, sub, money.Amount{Minor: 29990, Currency: "CLP"}, true, "https://pay.example.cl/portal")
	require.NoError(t, err)
	require.Equal(t, mail.TrialEnding{
		MerchantName: "Agente Inmobiliario", CustomerName: "Ana", TrialEnd: "1 de diciembre de 2026",
		Amount: "$29.990", HasPaymentMethod: true, ManageURL: "https://pay.example.cl/portal",
	}, trial)
	_, err = mail.NewTrialEnding(m, ana, billing.Subscription{ID: "sub_2"}, money.Amount{Minor: 1, Currency: "CLP"}, true, "https://x.example/m")
	require.ErrorIs(t, err, mail.ErrInvalidData)

	canceled, err := mail.NewSubscriptionCanceled(m, ana, sub, "")
	require.NoError(t, err)
	require.Equal(t, mail.SubscriptionCanceled{
		MerchantName: "Agente Inmobiliario", CustomerName: "Ana", CanceledOn: "1 de diciembre de 2026",
		Reason: billing.CancelRequestedByCustomer,
	}, canceled)
	endedAt := time.Date(2026, 12, 31, 15, 0, 0, 0, time.UTC)
	sub.EndedAt = &endedAt
	canceled, err = mail.NewSubscriptionCanceled(m, ana, sub, "")
	require.NoError(t, err)
	require.Equal(t, "31 de diciembre de 2026", canceled.CanceledOn, "ended_at wins over canceled_at")
	_, err = mail.NewSubscriptionCanceled(m, ana, billing.Subscription{ID: "sub_3"}, "")
	require.ErrorIs(t, err, mail.ErrInvalidData)

	due := time.Date(2026, 12, 5, 15, 0, 0, 0, time.UTC)
	toPay, err := mail.NewInvoiceToPay(m, bob, usd, due, "https://pay.example.cl/i/in_1", nil)
	require.NoError(t, err)
	require.Equal(t, mail.InvoiceToPay{
		MerchantName: "Agente Inmobiliario", CustomerName: "Bob", InvoiceNumber: "AGE-0042",
		Amount: "$199.90", DueDate: "December 5, 2026", PayURL: "https://pay.example.cl/i/in_1",
	}, toPay)
	noDue, err := mail.NewInvoiceToPay(m, bob, usd, time.Time{}, "https://pay.example.cl/i/in_1", nil)
	require.NoError(t, err)
	require.Empty(t, noDue.DueDate)

	since := time.Date(2026, 11, 21, 17, 5, 0, 0, time.UTC)
	hook, err := mail.NewWebhookEndpointDisabled(m, billing.ModeLive, "https://agente.example.cl/hooks", since, "HTTP 502", "")
	require.NoError(t, err)
	require.Equal(t, mail.WebhookEndpointDisabled{
		MerchantName: "Agente Inmobiliario", EndpointURL: "https://agente.example.cl/hooks",
		FailingSince: "21 de noviembre de 2026, 14:05 (America/Santiago)", LastError: "HTTP 502", Mode: billing.ModeLive,
	}, hook)
	_, err = mail.Render(mail.KindWebhookEndpointDisabled, m.Locale, hook)
	require.NoError(t, err)
}
