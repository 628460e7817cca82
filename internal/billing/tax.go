package billing

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/cuota/cuota/internal/money"
)

// Percentage is a tax rate's percentage in ten-thousandths of a percent
// (19 % is 190000, 10.0001 % is 100001): an integer, so the four decimals
// a rate may have are kept exactly, never as a float.
type Percentage int64

// PercentageScale is how many Percentage units make one percent.
const PercentageScale = 10000

// maxPercentage is 100 %, the largest rate cuota takes.
const maxPercentage = 100 * PercentageScale

// ParsePercentage reads a decimal percentage ("19", "19.5", "10.0001"):
// from 0 to 100 with at most four decimals. Anything else (a sign, an
// exponent, more decimals, spaces) is a tax_percentage_invalid error
// naming param.
func ParsePercentage(param, s string) (Percentage, error) {
	bad := Invalid(param, CodeTaxPercentageInvalid, "%s must be a number from 0 to 100 with at most 4 decimals", param)
	whole, frac, dot := strings.Cut(s, ".")
	if whole == "" || len(whole) > 3 || (dot && (frac == "" || len(frac) > 4)) || !digits(whole) || !digits(frac) {
		return 0, bad
	}
	w, _ := strconv.ParseInt(whole, 10, 64) // digits only, at most three
	frac += strings.Repeat("0", 4-len(frac))
	f, _ := strconv.ParseInt(frac, 10, 64)
	p := Percentage(w*PercentageScale + f)
	if p > maxPercentage {
		return 0, bad
	}
	return p, nil
}

func digits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// String is p as a plain decimal without trailing zeros: "19", "19.5",
// "10.0001" (the API's form; ParsePercentage reads it back).
func (p Percentage) String() string {
	s := strconv.FormatInt(int64(p)/PercentageScale, 10)
	if f := int64(p) % PercentageScale; f != 0 {
		s += "." + strings.TrimRight(fmt.Sprintf("%04d", f), "0")
	}
	return s
}

// Text is p as a customer reads it in locale: "19 %", and "19,5 %" in a
// Spanish locale, "19.5%" in English.
func (p Percentage) Text(locale string) string {
	if strings.HasPrefix(strings.ToLower(locale), "en") {
		return p.String() + "%"
	}
	return strings.Replace(p.String(), ".", ",", 1) + "\u00a0%"
}

// TaxRate is a merchant's tax rate (Stripe's tax_rates): a name shown on
// documents ("IVA"), a percentage, and whether prices already include
// it. Percentage and Inclusive never change once the rate exists, so an
// invoice that used a rate can always be explained by it; an inactive
// rate can no longer be given to prices, subscriptions or the merchant
// default, but keeps applying where it already is.
type TaxRate struct {
	ID          string     `json:"id"`
	Scope       Scope      `json:"scope"`
	DisplayName string     `json:"display_name"`
	Description string     `json:"description"`
	Country     string     `json:"country"` // ISO 3166-1 alpha-2, upper case, or ""
	Percentage  Percentage `json:"percentage"`
	Inclusive   bool       `json:"inclusive"`
	Active      bool       `json:"active"`
	Metadata    Metadata   `json:"metadata"`
	Created     time.Time  `json:"created"`
	Updated     time.Time  `json:"updated"`
}

// AppliedTaxRate is what an invoice line (and a subscription item) keeps
// of a tax rate: enough to compute and show the tax without reading the
// rate again.
type AppliedTaxRate struct {
	ID          string     `json:"id"`
	DisplayName string     `json:"display_name"`
	Percentage  Percentage `json:"percentage"`
	Inclusive   bool       `json:"inclusive"`
}

// Applied is the part of r an invoice line keeps.
func (r TaxRate) Applied() AppliedTaxRate {
	return AppliedTaxRate{ID: r.ID, DisplayName: r.DisplayName, Percentage: r.Percentage, Inclusive: r.Inclusive}
}

// Label is the rate as a document line names it: "IVA 19 %".
func (r AppliedTaxRate) Label(locale string) string {
	return r.DisplayName + " " + r.Percentage.Text(locale)
}

// TaxAmount is one rate's tax on an invoice (Stripe's
// total_tax_amounts): Amount is the tax, TaxableAmount what it was
// computed on, without the tax (for an inclusive rate, the lines' amount
// less the tax they include).
type TaxAmount struct {
	TaxRate       AppliedTaxRate `json:"tax_rate"`
	Amount        int64          `json:"amount"`
	TaxableAmount int64          `json:"taxable_amount"`
}

// InvoiceTax is the tax of an invoice: each rate's amount, their sum
// (Tax) and the part of it added on top of the lines (Exclusive; the
// inclusive part is already in the lines' amounts).
type InvoiceTax struct {
	Amounts   []TaxAmount
	Tax       int64
	Exclusive int64
}

// Total is an invoice's total under t: what its lines charge (subtotal),
// less the discount, plus the tax added on top (an inclusive rate's tax is
// already inside the lines). Invoices, one-off invoices and the checkout's
// first invoice are all totalled here.
func (t InvoiceTax) Total(subtotal, discount int64) int64 {
	return subtotal - discount + t.Exclusive
}

// CheckTaxRates refuses a set of rates that cannot apply to one line
// together: the same rate twice, or an inclusive rate beside any other
// (the tax a price includes is extracted from it once; adding a second
// rate on top or inside would make the base ambiguous).
func CheckTaxRates(param string, rates []AppliedTaxRate) error {
	seen := map[string]bool{}
	inclusive := false
	for _, r := range rates {
		if seen[r.ID] {
			return Invalid(param, CodeParameterInvalid, "%s names tax rate %s twice", param, r.ID)
		}
		seen[r.ID] = true
		inclusive = inclusive || r.Inclusive
	}
	if inclusive && len(rates) > 1 {
		return Invalid(param, CodeTaxRatesIncompatible, "%s: an inclusive tax rate cannot be combined with other rates", param)
	}
	return nil
}

// ComputeInvoiceTax is the tax rule (docs/taxes.md). Each line (discount
// lines aside) is taxed by its TaxRates after its share of discount, the
// invoice's discount spread over the lines that charge something in
// proportion to their amounts (money.Allocate, so the shares sum to the
// discount exactly). The lines' net amounts are summed per rate and each
// rate's tax is rounded once per invoice, half away from zero, to the
// currency's minor unit (amounts are already in minor units: pesos for
// CLP, cents for USD): an exclusive rate adds net × p / 100 on top; an
// inclusive rate extracts net × p / (100 + p) from the amounts. An exempt
// customer pays no tax: the result is empty and inclusive prices are
// charged as they are. Rates appear in the order the lines first name
// them.
func ComputeInvoiceTax(lines []InvoiceLine, discount int64, exempt bool) (InvoiceTax, error) {
	var out InvoiceTax
	if exempt {
		return out, nil
	}
	shares, err := discountShares(lines, discount)
	if err != nil {
		return out, err
	}
	index := map[string]int{}
	var nets []int64
	for i, l := range lines {
		if l.Type == LineDiscount {
			continue
		}
		if err := CheckTaxRates("lines", l.TaxRates); err != nil {
			return out, err
		}
		for _, r := range l.TaxRates {
			k, ok := index[r.ID]
			if !ok {
				k = len(out.Amounts)
				index[r.ID] = k
				out.Amounts = append(out.Amounts, TaxAmount{TaxRate: r})
				nets = append(nets, 0)
			}
			nets[k] += l.Amount - shares[i]
		}
	}
	for k := range out.Amounts {
		a := &out.Amounts[k]
		p := int64(a.TaxRate.Percentage)
		den := int64(maxPercentage)
		if a.TaxRate.Inclusive {
			den += p
		}
		tax, err := money.ProRata(nets[k], p, den)
		if err != nil {
			return out, fmt.Errorf("tax %s: %w", a.TaxRate.ID, err)
		}
		a.Amount, a.TaxableAmount = tax, nets[k]
		if a.TaxRate.Inclusive {
			a.TaxableAmount -= tax
		} else {
			out.Exclusive += tax
		}
		out.Tax += tax
	}
	return out, nil
}

// discountShares spreads discount over the lines that charge something
// (positive amounts, discount lines aside) in proportion to their
// amounts; the other lines get none.
func discountShares(lines []InvoiceLine, discount int64) ([]int64, error) {
	shares := make([]int64, len(lines))
	if discount == 0 {
		return shares, nil
	}
	ratios := make([]int64, len(lines))
	any := false
	for i, l := range lines {
		if l.Type != LineDiscount && l.Amount > 0 {
			ratios[i], any = l.Amount, true
		}
	}
	if !any {
		return shares, nil
	}
	shares, err := money.Allocate(discount, ratios)
	if err != nil {
		return nil, fmt.Errorf("spread discount: %w", err)
	}
	return shares, nil
}

// RefundTax is the tax part of a refund of inv (the rule credit notes
// build on): a refund returns tax in proportion to what it returns of
// the invoice's total. refunded is what earlier refunds of inv already
// returned. The tax returned so far is rounded once, half away from zero,
// as round((refunded + amount) × tax / total), and this refund's part is
// the difference from round(refunded × tax / total), so refunds that add
// up to the whole invoice return exactly its tax. The part is split over
// the invoice's rates in proportion to their amounts (money.Allocate, so
// the split sums exactly); each TaxableAmount is the refund's share of the
// rate's taxable amount. An invoice without tax, or with nothing charged,
// returns none.
func RefundTax(inv Invoice, refunded, amount int64) (int64, []TaxAmount, error) {
	if inv.Tax == 0 || inv.Total <= 0 || len(inv.TaxAmounts) == 0 {
		return 0, nil, nil
	}
	before, err := money.ProRata(inv.Tax, refunded, inv.Total)
	if err != nil {
		return 0, nil, fmt.Errorf("refund tax: %w", err)
	}
	after, err := money.ProRata(inv.Tax, refunded+amount, inv.Total)
	if err != nil {
		return 0, nil, fmt.Errorf("refund tax: %w", err)
	}
	tax := after - before
	ratios := make([]int64, len(inv.TaxAmounts))
	for i, a := range inv.TaxAmounts {
		ratios[i] = max(a.Amount, -a.Amount)
	}
	parts := make([]int64, len(ratios))
	if tax != 0 {
		if parts, err = money.Allocate(tax, ratios); err != nil {
			return 0, nil, fmt.Errorf("refund tax: %w", err)
		}
	}
	out := make([]TaxAmount, len(inv.TaxAmounts))
	for i, a := range inv.TaxAmounts {
		taxable, err := money.ProRata(a.TaxableAmount, amount, inv.Total)
		if err != nil {
			return 0, nil, fmt.Errorf("refund tax: %w", err)
		}
		out[i] = TaxAmount{TaxRate: a.TaxRate, Amount: parts[i], TaxableAmount: taxable}
	}
	return tax, out, nil
}

// TotalExcludingTax is what inv totals without any tax (Stripe's
// total_excluding_tax): Total less every rate's tax, inclusive or not.
func (inv Invoice) TotalExcludingTax() int64 { return inv.Total - inv.Tax }

// ResolveTaxRates is the precedence of tax rates for a subscription item
// (docs/taxes.md): the subscription's default_tax_rates when it has any,
// else the price's tax_rates, else the merchant's default. The rates
// are fixed on the item when it is set, so later changes to the price or
// the merchant default apply to new subscriptions and plan changes, not
// to periods of items already set (Stripe keeps rates on items alike).
func ResolveTaxRates(subscription, price, merchant []AppliedTaxRate) []AppliedTaxRate {
	switch {
	case len(subscription) > 0:
		return subscription
	case len(price) > 0:
		return price
	}
	return merchant
}

// Customer tax statuses (Stripe's tax_exempt).
const (
	TaxExemptNone   = "none"
	TaxExemptExempt = "exempt"
)

// IsTaxExempt reports whether c's invoices carry no tax.
func (c Customer) IsTaxExempt() bool { return c.TaxExempt == TaxExemptExempt }

// TaxExemptOf is c's tax status, TaxExemptNone when it was never set.
func TaxExemptOf(c Customer) string {
	if c.TaxExempt == "" {
		return TaxExemptNone
	}
	return c.TaxExempt
}

// TaxExemptFromStore is the TaxExempt field of a customer whose stored
// status is stored: the default reads back as "", as it was written.
func TaxExemptFromStore(stored string) string {
	if stored == TaxExemptNone {
		return ""
	}
	return stored
}
