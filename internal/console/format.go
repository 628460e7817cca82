package console

import (
	"fmt"
	"html/template"
	"strconv"
	"strings"
	"time"

	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/money"
)

// funcs are the helpers the console's templates format with. Those that
// depend on the language take it first.
var funcs = template.FuncMap{
	"money":    fmtMoney,
	"date":     fmtDate,
	"datetime": fmtDateTime,
	// ufline is a UF line's conversion (billing.UFLineDetail), "" on
	// other lines.
	"ufline": fmtUFLine,
	// curname names a currency as people write it: "UF" for CLF.
	"curname": currencyName,
	// failwords is why a payment failed, in words (failureWords).
	"failwords": failureWords,
	"subst":     func(l *lang, s billing.SubscriptionStatus) string { return orRaw(l.SubStatus[s], string(s)) },
	"invst":     func(l *lang, s billing.InvoiceStatus) string { return orRaw(l.InvStatus[s], string(s)) },
	"payst":     func(l *lang, s billing.PaymentStatus) string { return orRaw(l.PayStatus[s], string(s)) },
	"brand":     brandName,
	"rolename":  func(l *lang, r billing.Role) string { return orRaw(l.RoleNames[r], string(r)) },
	"roles":     billing.Roles,
	// recurrence says how often a price charges (recurrence).
	"recurrence": recurrence,
}

func orRaw(s, raw string) string {
	if s == "" {
		return raw
	}
	return s
}

// fmtMoney formats minor units of a currency in the page's language
// (money.Format, the formatter of every page, PDF and email): CLP 5000
// in Spanish is "$5.000", USD 5000 in English "$50.00", a UF price
// "UF 2,5000".
func fmtMoney(l *lang, amount int64, currency string) string {
	s, err := money.Format(money.Amount{Minor: amount, Currency: currency}, l.Tag)
	if err != nil {
		return money.Amount{Minor: amount, Currency: currency}.String()
	}
	return s
}

// fmtUFLine is what a UF line shows under its description, as on the
// customer's invoice (billing.UFLineDetail): "UF 2,5000 × $39.485,65
// (07-12-2026)"; "" for any other line. Its hyphens do not break, so a
// narrow screen wraps between its words, never inside its date.
func fmtUFLine(l *lang, line billing.InvoiceLine) string {
	if line.UF == nil {
		return ""
	}
	return strings.ReplaceAll(billing.UFLineDetail(*line.UF, l.Tag), "-", "\u2011")
}

// currencyName is a currency code as the console's choices show it: the
// code, but "UF" for the Unidad de Fomento (CLF), as Chileans write it.
func currencyName(code string) string {
	if code == billing.CurrencyUF {
		return "UF"
	}
	return code
}

// recurrence says how often a price charges, in l: "cada mes", "cada 3
// meses", "pago único".
func recurrence(l *lang, p billing.Price) string {
	if p.Recurring == nil {
		return l.Cfg.OneTime
	}
	return cycleText(l, *p.Recurring)
}

// cycleText is a billing cycle in words, the console's one way to say it
// (a price, a plan to choose, a subscription's price): "cada mes",
// "cada 3 meses", "every month".
func cycleText(l *lang, r billing.Recurring) string {
	n := r.IntervalCount
	names := l.Cfg.IntervalOne
	if n > 1 {
		names = l.Cfg.IntervalMany
	}
	name := orRaw(names[r.Interval], r.Interval)
	if n <= 1 {
		return l.Cfg.EveryOne + " " + name
	}
	return l.Cfg.EveryMany + " " + strconv.FormatInt(n, 10) + " " + name
}

// fmtDate is a calendar date in loc: "5 de abril de 2026", "April 5, 2026".
func fmtDate(l *lang, loc *time.Location, t time.Time) string {
	if loc == nil {
		loc = time.UTC
	}
	t = t.In(loc)
	if l == english {
		return fmt.Sprintf("%s %d, %d", l.Months[t.Month()-1], t.Day(), t.Year())
	}
	return fmt.Sprintf("%d de %s de %d", t.Day(), l.Months[t.Month()-1], t.Year())
}

// fmtDateTime is a short date and time in loc: "5 abr 2026, 14:03".
func fmtDateTime(l *lang, loc *time.Location, t time.Time) string {
	if loc == nil {
		loc = time.UTC
	}
	t = t.In(loc)
	if l == english {
		return fmt.Sprintf("%s %d, %d, %02d:%02d", l.MonthsShort[t.Month()-1], t.Day(), t.Year(), t.Hour(), t.Minute())
	}
	return fmt.Sprintf("%d %s %d, %02d:%02d", t.Day(), l.MonthsShort[t.Month()-1], t.Year(), t.Hour(), t.Minute())
}

// fmtBP formats basis points as a percentage with one decimal, in the
// language's decimal mark ("12,5 %", "12.5%").
func fmtBP(l *lang, bp int64) string {
	neg := bp < 0
	if neg {
		bp = -bp
	}
	tenths := (bp + 5) / 10 // half up, to tenths of a percent
	s := fmt.Sprintf("%d.%d", tenths/10, tenths%10)
	sign := ""
	if neg {
		sign = "-"
	}
	if l == english {
		return sign + s + "%"
	}
	return sign + s[:len(s)-2] + "," + s[len(s)-1:] + " %"
}

// brandName is a card brand as printed on cards ("visa" is "Visa").
func brandName(b string) string {
	switch b {
	case "visa":
		return "Visa"
	case "mastercard":
		return "Mastercard"
	case "amex":
		return "American Express"
	case "":
		return ""
	}
	return strings.ToUpper(b[:1]) + b[1:]
}
