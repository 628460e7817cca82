package mail_test

import (
	"testing"
	"time"
	_ "time/tzdata" // America/Santiago without relying on the system's zoneinfo

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/mail"
	"github.com/cuota/cuota/internal/money"
)

func TestLanguage(t *testing.T) {
	for locale, want := range map[string]string{
		"es": "es", "es-CL": "es", "es_MX": "es", "ES": "es", " es-cl ": "es",
		"en": "en", "en-US": "en", "": "en", "pt-BR": "en", "e": "en", "est": "en", "-es": "en",
	} {
		require.Equal(t, want, mail.Language(locale), "locale %q", locale)
	}
}

func TestFormatterAmount(t *testing.T) {
	tests := []struct {
		locale string
		amount money.Amount
		want   string
	}{
		{"es-CL", money.Amount{Minor: 5000, Currency: "CLP"}, "$5.000"},
		{"es-CL", money.Amount{Minor: 19990, Currency: "CLP"}, "$19.990"},
		{"en", money.Amount{Minor: 5000, Currency: "USD"}, "$50.00"},
		{"en-US", money.Amount{Minor: 1999, Currency: "USD"}, "$19.99"},
		{"es-CL", money.Amount{Minor: 1999, Currency: "USD"}, "US$19,99"},
		// An English email to a reader whose locale is neither Spanish nor
		// English formats like the rest of the email: in English.
		{"fr-FR", money.Amount{Minor: 5000, Currency: "USD"}, "$50.00"},
		{"", money.Amount{Minor: 5000, Currency: "USD"}, "$50.00"},
	}
	for _, tt := range tests {
		got, err := mail.Formatter{Locale: tt.locale}.Amount(tt.amount)
		require.NoError(t, err)
		require.Equal(t, tt.want, got, "%s %v", tt.locale, tt.amount)
	}
	_, err := mail.Formatter{Locale: "en"}.Amount(money.Amount{Minor: 1, Currency: "usd"})
	require.ErrorIs(t, err, money.ErrInvalidCurrency)
}

func TestFormatterDates(t *testing.T) {
	// 02:30 UTC on Nov 22 is still Nov 21 in Santiago (UTC-3 in summer).
	instant := time.Date(2026, 11, 22, 2, 30, 0, 0, time.UTC)

	es, err := mail.NewFormatter("es-CL", "America/Santiago")
	require.NoError(t, err)
	require.Equal(t, "21 de noviembre de 2026", es.Date(instant))
	require.Equal(t, "21 de noviembre de 2026, 23:30 (America/Santiago)", es.DateTime(instant))

	en, err := mail.NewFormatter("en", "America/Santiago")
	require.NoError(t, err)
	require.Equal(t, "November 21, 2026", en.Date(instant))
	require.Equal(t, "November 21, 2026, 11:30 PM (America/Santiago)", en.DateTime(instant))

	utc, err := mail.NewFormatter("es", "")
	require.NoError(t, err)
	require.Equal(t, "22 de noviembre de 2026", utc.Date(instant))
	require.Equal(t, "22 de noviembre de 2026, 02:30 (UTC)", utc.DateTime(instant))
	require.Equal(t, "November 22, 2026", mail.Formatter{Locale: "en"}.Date(instant), "a nil Location is UTC")

	for month, name := range []string{"enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre"} {
		d := time.Date(2027, time.Month(month+1), 1, 12, 0, 0, 0, time.UTC)
		require.Equal(t, "1 de "+name+" de 2027", utc.Date(d))
	}

	_, err = mail.NewFormatter("es", "Mars/Olympus")
	require.ErrorContains(t, err, "Mars/Olympus")
}
