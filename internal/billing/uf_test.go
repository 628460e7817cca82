package billing_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/billing"
)

func TestUFToCLP(t *testing.T) {
	for _, c := range []struct {
		name                string
		clf, num, den, rate int64
		want                int64
	}{
		{"2,5000 UF at $39.485,65 is 98.714,125", 25000, 1, 1, 3948565, 98714},
		{"1,2345 UF at $39.485,65 is 48.745,034925", 12345, 1, 1, 3948565, 48745},
		{"a half peso rounds up", 1, 1, 1, 500000, 1},
		{"a negative half peso rounds away from zero", -1, 1, 1, 500000, -1},
		{"just under a half rounds down", 1, 1, 1, 499999, 0},
		{"a credit of 2,5000 UF", -25000, 1, 1, 3948565, -98714},
		{"zero", 0, 1, 1, 3948565, 0},
		{"two thirds of 2,5000 UF is 65.809,41…, rounded once", 25000, 2, 3, 3948565, 65809},
		{"a credit of two thirds", -25000, 2, 3, 3948565, -65809},
		{"half of 1/10000 UF at $10.000 is half a peso: away from zero", -1, 1, 2, 1000000, -1},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := billing.UFToCLP(c.clf, c.num, c.den, c.rate)
			require.NoError(t, err)
			require.Equal(t, c.want, got)
		})
	}
	_, err := billing.UFToCLP(1<<62, 1<<62, 1, billing.MaxUFValue)
	require.Equal(t, billing.CodeAmountInvalid, billing.AsError(err).Code, "a result past int64 is refused, not wrapped")
	_, err = billing.UFToCLP(1, 1, 0, 3948565)
	require.Error(t, err)
}

func TestUFLineCLPRoundsOnce(t *testing.T) {
	// A third of 2,5000 UF at $39.485,65: exactly 32.904,7083… pesos, so
	// 32.905. Rounding the UF first (0,8333 UF) would give 32.903.
	s := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	e := s.Add(30 * 24 * time.Hour)
	at := s.Add(20 * 24 * time.Hour)
	ps, err := billing.Prorate(nil, []billing.ProrationItem{{PriceID: "b", UnitAmount: 25000, Quantity: 1}}, s, e, at)
	require.NoError(t, err)
	require.Equal(t, int64(8333), ps[0].Amount)
	var l billing.InvoiceLine
	billing.UFProrationLine(&l, ps[0], 25000, s, e)
	require.Equal(t, billing.LineUF{Amount: 8333, Full: 25000, Num: 10 * 86400, Den: 30 * 86400}, *l.UF)
	clp, err := billing.UFLineCLP(*l.UF, 3948565)
	require.NoError(t, err)
	require.Equal(t, int64(32905), clp)

	// The credit of the same item is the same pesos, negative.
	var credit billing.InvoiceLine
	billing.UFProrationLine(&credit, billing.ProrationLine{Amount: -8333, PeriodStart: at, PeriodEnd: e}, 25000, s, e)
	clp, err = billing.UFLineCLP(*credit.UF, 3948565)
	require.NoError(t, err)
	require.Equal(t, int64(-32905), clp)

	lines := []billing.InvoiceLine{l, {Amount: 1000}}
	require.True(t, billing.NeedsUFRate(lines))
	n, err := billing.ConvertUFLines(lines, billing.UFRate{Date: "2026-12-07", Value: 3948565})
	require.NoError(t, err)
	require.Equal(t, 1, n)
	require.Equal(t, int64(32905), lines[0].Amount)
	require.Equal(t, "2026-12-07", lines[0].UF.RateDate)
	require.False(t, billing.NeedsUFRate(lines))
	// Converting again changes nothing: a line keeps its first rate.
	n, err = billing.ConvertUFLines(lines, billing.UFRate{Date: "2026-12-08", Value: 3950000})
	require.NoError(t, err)
	require.Zero(t, n)
	require.Equal(t, "2026-12-07", lines[0].UF.RateDate)
}

func TestUFDateIsTheMerchantsDay(t *testing.T) {
	scl, err := time.LoadLocation("America/Santiago")
	require.NoError(t, err)
	// 02:30 UTC on the 8th is still the 7th in Santiago (UTC−3 in summer).
	at := time.Date(2026, 12, 8, 2, 30, 0, 0, time.UTC)
	require.Equal(t, "2026-12-07", billing.UFDate(at, scl))
	require.Equal(t, "2026-12-08", billing.UFDate(at, time.UTC))
}

func TestParseUFValueAndDate(t *testing.T) {
	for in, want := range map[string]int64{"39485.65": 3948565, "39485.6": 3948560, "39485": 3948500, "0.01": 1} {
		got, err := billing.ParseUFValue("value", in)
		require.NoError(t, err, in)
		require.Equal(t, want, got, in)
		require.Equal(t, in, trimZeros(billing.FormatUFValue(got), in))
	}
	for _, in := range []string{"", "0", "0.00", "-1", "39.485,65", "39485.655", "1e4", "39485.", ".5", "100000000.01", "99999999999999999999", " 1"} {
		_, err := billing.ParseUFValue("value", in)
		e := billing.AsError(err)
		require.NotNil(t, e, in)
		require.Equal(t, "value", e.Param)
		require.Equal(t, billing.CodeParameterInvalid, e.Code)
	}
	_, err := billing.ParseUFDate("date", "2026-12-07")
	require.NoError(t, err)
	for _, in := range []string{"2026-02-30", "07-12-2026", "2026-1-7", "1900-01-01", "", "2026-12-07T00:00:00Z"} {
		_, err := billing.ParseUFDate("date", in)
		require.Equal(t, "date", billing.AsError(err).Param, in)
	}
}

// trimZeros returns formatted written as in was (FormatUFValue always
// writes two decimals).
func trimZeros(formatted, in string) string {
	switch {
	case len(in) > 2 && in[len(in)-2] == '.':
		return formatted[:len(formatted)-1]
	case !contains(in, '.'):
		return formatted[:len(formatted)-3]
	}
	return formatted
}

func contains(s string, c byte) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return true
		}
	}
	return false
}

func TestPickUFRate(t *testing.T) {
	mine := billing.Scope{MerchantID: "mch_1", Mode: billing.ModeTest}
	other := billing.Scope{MerchantID: "mch_2", Mode: billing.ModeTest}
	fetched := billing.UFRate{Date: "2026-12-07", Value: 3948565, Source: billing.UFSourceCMF}
	manual := billing.UFRate{Scope: mine, Date: "2026-12-07", Value: 3948000, Source: billing.UFSourceManual}
	theirs := billing.UFRate{Scope: other, Date: "2026-12-07", Value: 1, Source: billing.UFSourceManual}

	got, ok := billing.PickUFRate(mine, []billing.UFRate{fetched, manual})
	require.True(t, ok)
	require.Equal(t, manual, got)
	got, ok = billing.PickUFRate(mine, []billing.UFRate{theirs, fetched})
	require.True(t, ok)
	require.Equal(t, fetched, got)
	_, ok = billing.PickUFRate(mine, []billing.UFRate{theirs})
	require.False(t, ok)
}

func TestUFRetryDelay(t *testing.T) {
	require.Equal(t, time.Minute, billing.UFRetryDelay(1))
	require.Equal(t, 5*time.Minute, billing.UFRetryDelay(2))
	require.Equal(t, 15*time.Minute, billing.UFRetryDelay(3))
	require.Equal(t, time.Hour, billing.UFRetryDelay(4))
	require.Equal(t, time.Hour, billing.UFRetryDelay(40))
}

func TestChargeCurrency(t *testing.T) {
	require.Equal(t, "CLP", billing.ChargeCurrency("CLF"))
	require.Equal(t, "CLP", billing.ChargeCurrency("CLP"))
	require.Equal(t, "USD", billing.ChargeCurrency("USD"))
}

func TestUFLineDetail(t *testing.T) {
	u := billing.LineUF{Amount: 25000, Rate: 3948565, RateDate: "2026-12-07"}
	// money.Format writes both amounts (with no-break spaces): the UF as
	// "UF", never its ISO code "CLF".
	require.Equal(t, "UF\u00a02,5000 × $39.485,65 (07-12-2026)", billing.UFLineDetail(u, "es-CL"))
	require.Equal(t, "UF\u00a02.5000 × CLP\u00a039,485.65 (Dec 7, 2026)", billing.UFLineDetail(u, "en"))
	credit := billing.LineUF{Amount: -6667, Rate: 103948565, RateDate: "2026-11-17"}
	require.Equal(t, "UF-0,6667 × $1.039.485,65 (17-11-2026)", billing.UFLineDetail(credit, "es-CL"))
	require.Equal(t, "UF\u00a012,0000", billing.UFLineDetail(billing.LineUF{Amount: 120000}, "es-CL"))
	require.Equal(t, "UF\u00a01,234.5000", billing.UFLineDetail(billing.LineUF{Amount: 12345000}, "en"))
}

func TestUFRateMissingAlert(t *testing.T) {
	c := billing.UFRateMissingAlert("2026-12-07", 3)
	require.Equal(t, billing.AlertUFRateMissing, c.Kind)
	require.Equal(t, billing.SeverityCritical, c.Severity)
	require.Equal(t, billing.AlertObjectUFRate, c.ObjectType)
	require.Equal(t, "2026-12-07", c.ObjectID)
	require.Contains(t, c.Message.ES, "3 facturas en UF esperan")
	require.Contains(t, c.Message.EN, "3 UF invoices wait")
	require.Contains(t, billing.AlertKinds(), billing.AlertUFRateMissing)
}

func TestItemsTotalPesos(t *testing.T) {
	// 1,0000 UF at $39.485,65 plus $5.000 × 2: 39.486 + 10.000.
	got, err := billing.ItemsTotalPesos([]billing.ProrationItem{{UnitAmount: 5000, Quantity: 2}},
		[]billing.ProrationItem{{UnitAmount: 10000, Quantity: 1}}, 3948565)
	require.NoError(t, err)
	require.Equal(t, int64(49486), got)
}

func TestPeriodAmounts(t *testing.T) {
	items := []billing.SubscriptionItem{{UnitAmount: 5000, Quantity: 2}, {UnitAmount: 25000, Quantity: 1, Currency: billing.CurrencyUF}}
	amount, uf := billing.PeriodAmounts(items)
	require.Equal(t, int64(10000), amount, "pesos only")
	require.Equal(t, int64(25000), uf, "2,5 UF kept apart")
}
