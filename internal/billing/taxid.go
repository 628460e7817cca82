package billing

import (
	"regexp"
	"strings"
)

// Tax id types. A Chilean RUT is the one cuota checks; other countries'
// ids are kept as given, under a type such as "ar_cuit" or "eu_vat"
// (Stripe's tax id types are the model).
const (
	TaxIDChileRUT = "cl_rut"
	// taxIDChileStripe is Stripe's name for the same id; it is accepted
	// and stored as TaxIDChileRUT.
	taxIDChileStripe = "cl_tin"
)

// TaxID is a tax identifier of a merchant's customer.
type TaxID struct {
	Type  string `json:"type"`  // TaxIDChileRUT or another "<country>_<kind>"
	Value string `json:"value"` // a RUT normalised as NormalizeRUT gives it
}

// maxTaxIDLen bounds a tax id's value; real ones are far shorter.
const maxTaxIDLen = 64

var taxIDTypeRE = regexp.MustCompile(`^[a-z]{2}_[a-z]{2,12}$`)

// NormalizeTaxID checks a tax id and returns it in its stored form: a RUT
// (type cl_rut, or Stripe's cl_tin) must have a correct check digit and is
// kept as NormalizeRUT writes it; another type's value is kept trimmed,
// as given. param names the field in errors (code tax_id_invalid).
func NormalizeTaxID(param, typ, value string) (TaxID, error) {
	typ = strings.TrimSpace(typ)
	value = strings.TrimSpace(value)
	if typ == taxIDChileStripe {
		typ = TaxIDChileRUT
	}
	if !taxIDTypeRE.MatchString(typ) {
		return TaxID{}, Invalid(param+".type", CodeTaxIDInvalid, "type must be a tax id type such as cl_rut")
	}
	if value == "" || len(value) > maxTaxIDLen || !ValidText(value) {
		return TaxID{}, Invalid(param+".value", CodeTaxIDInvalid, "value must be 1 to %d characters", maxTaxIDLen)
	}
	if typ == TaxIDChileRUT {
		rut, err := NormalizeRUT(value)
		if err != nil {
			return TaxID{}, Invalid(param+".value", CodeTaxIDInvalid, "%q is not a valid RUT: %v", value, err)
		}
		value = rut
	}
	return TaxID{Type: typ, Value: value}, nil
}

// rutError says why a RUT is refused.
type rutError string

func (e rutError) Error() string { return string(e) }

// NormalizeRUT checks a Chilean RUT (Rol Único Tributario) and returns it
// as digits, a hyphen and the check digit, with no dots and an upper-case
// K: "76.086.428-5", "76086428-5" and "760864285" all give "76086428-5".
// The check digit is the modulo 11 one of the Servicio de Impuestos
// Internos: the body's digits from the right are weighted 2, 3, 4, 5, 6,
// 7, 2, 3…, and 11 minus the sum modulo 11 is the digit (11 is 0, 10 is K).
func NormalizeRUT(s string) (string, error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	s = strings.NewReplacer(".", "", " ", "", "-", "").Replace(s)
	if len(s) < 2 {
		return "", rutError("too short")
	}
	body, dv := s[:len(s)-1], s[len(s)-1:]
	body = strings.TrimLeft(body, "0")
	if len(body) == 0 || len(body) > 9 {
		return "", rutError("the number must have 1 to 9 digits")
	}
	for _, r := range body {
		if r < '0' || r > '9' {
			return "", rutError("the number must be digits")
		}
	}
	if want := rutCheckDigit(body); dv != want {
		return "", rutError("the check digit does not match")
	}
	return body + "-" + dv, nil
}

// rutCheckDigit computes the check digit of a RUT's digits.
func rutCheckDigit(body string) string {
	sum, weight := 0, 2
	for i := len(body) - 1; i >= 0; i-- {
		sum += int(body[i]-'0') * weight
		weight++
		if weight > 7 {
			weight = 2
		}
	}
	switch r := 11 - sum%11; r {
	case 11:
		return "0"
	case 10:
		return "K"
	default:
		return string(rune('0' + r))
	}
}

// FormatRUT writes a RUT normalised by NormalizeRUT the way Chilean
// documents print it, with thousands dots: "76.086.428-5". Anything else
// is returned as it is.
func FormatRUT(rut string) string {
	body, dv, ok := strings.Cut(rut, "-")
	if !ok || body == "" {
		return rut
	}
	var b strings.Builder
	for i, r := range body {
		if i > 0 && (len(body)-i)%3 == 0 {
			b.WriteByte('.')
		}
		b.WriteRune(r)
	}
	return b.String() + "-" + dv
}

// FormatTaxID writes a tax id for a document: a RUT with its dots, any
// other as stored.
func FormatTaxID(id TaxID) string {
	if id.Type == TaxIDChileRUT {
		return FormatRUT(id.Value)
	}
	return id.Value
}

// TaxIDLabel names a tax id's type on a document: "RUT" for a Chilean
// one, else the kind part of the type in capitals ("ar_cuit" → "CUIT",
// "eu_vat" → "VAT").
func TaxIDLabel(typ string) string {
	if typ == TaxIDChileRUT {
		return "RUT"
	}
	_, kind, _ := strings.Cut(typ, "_")
	return strings.ToUpper(kind)
}
