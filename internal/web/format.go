package web

import (
	"fmt"
	"html/template"
	"strings"
	"time"

	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/money"
)

// funcs are the helpers the hosted pages' templates format with. Each
// takes the page's language first.
var funcs = template.FuncMap{
	"money":   fmtMoney,
	"taxrate": fmtTaxRate,
	"price":   fmtPrice,
	"date":    fmtDate,
	"cycle":   cycleName,
	"gwname":  gatewayName,
	"neg":     func(v int64) int64 { return -v },
	// ufline is a UF line's conversion (billing.UFLineDetail), "" on
	// other lines.
	"ufline": func(l *lang, line billing.InvoiceLine) string {
		if line.UF == nil {
			return ""
		}
		// Non-breaking hyphens: a narrow screen wraps the line between
		// its words, never inside its date ("07-12-2026").
		return strings.ReplaceAll(billing.UFLineDetail(*line.UF, l.H.MoneyLocale), "-", "‑")
	},
	"sub":     func(a, b int64) int64 { return a - b },
	"tr":      func(m map[string]string, k string) string { return m[k] },
	"feature": featureLabel,
	// doclist names a list of documents (billing.DocumentListName).
	"doclist": func(l *lang) billing.DocumentList { return billing.DocumentListName(l.HTMLLang) },
	"modyear": func(y int64) int64 { return y % 100 },
	"brand": func(b string) string {
		if n, ok := brandNames[b]; ok {
			return n
		}
		return b
	},
}

// fmtMoney formats minor units of currency in the page language's locale
// (money.Format): CLP 5000 in Spanish is "$5.000", USD 5000 in English
// "$50.00", a UF price "UF 2,5000".
func fmtMoney(l *lang, amount int64, currency string) string {
	s, err := money.Format(money.Amount{Minor: amount, Currency: currency}, l.H.MoneyLocale)
	if err != nil {
		return money.Amount{Minor: amount, Currency: currency}.String()
	}
	return s
}

// featureLabel is what the page's reader calls product p's feature key
// (billing.Product.FeatureLabel in the page's language).
func featureLabel(l *lang, p billing.Product, key string) string {
	return p.FeatureLabel(l.HTMLLang, key)
}

// fmtPrice is a price with its cycle: "$5.000 al mes", "$50.00 per month",
// "$120.00 every 3 months".
func fmtPrice(l *lang, p billing.Price) string {
	amount := fmtMoney(l, p.UnitAmount, p.Currency)
	if p.Recurring == nil {
		return amount
	}
	return amount + " " + perCycle(l, *p.Recurring)
}

func perCycle(l *lang, r billing.Recurring) string {
	if r.IntervalCount <= 1 {
		return l.H.Per[r.Interval]
	}
	return fmt.Sprintf(l.H.Every[r.Interval], r.IntervalCount)
}

// fmtDate is a calendar date in the merchant's time zone: "5 de abril de
// 2026", "April 5, 2026".
func fmtDate(l *lang, loc *time.Location, t time.Time) string {
	if loc == nil {
		loc = time.UTC
	}
	t = t.In(loc)
	month := l.H.Months[t.Month()-1]
	if l.H.DayFirst {
		return fmt.Sprintf(l.H.DateFormat, t.Day(), month, t.Year())
	}
	return fmt.Sprintf(l.H.DateFormat, month, t.Day(), t.Year())
}

// cycleName names a price's billing cycle for choices: "Mensual", "Annual".
func cycleName(l *lang, p billing.Price) string {
	if p.Recurring != nil && p.Recurring.IntervalCount == 1 {
		if n, ok := l.H.Cycle[p.Recurring.Interval]; ok {
			return n
		}
	}
	if p.Recurring != nil {
		return l.H.CycleAlt + " (" + perCycle(l, *p.Recurring) + ")"
	}
	return l.H.CycleAlt
}

func gatewayName(l *lang, name string) string {
	if n, ok := l.H.GatewayNames[name]; ok {
		return n
	}
	return name
}

// location is a merchant's time zone (UTC when it does not load).
func location(m billing.Merchant) *time.Location {
	loc, err := time.LoadLocation(m.Timezone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// fmtTaxRate names a tax rate in the page's language, as documents name
// it: "IVA 19 %" (billing.AppliedTaxRate.Label).
func fmtTaxRate(l *lang, r billing.AppliedTaxRate) string {
	return r.Label(l.H.MoneyLocale)
}
