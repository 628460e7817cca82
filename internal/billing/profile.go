package billing

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"image/png"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"
)

// MerchantProfile is the merchant's legal identity and brand, printed on
// every page, document and email its customers receive.
type MerchantProfile struct {
	LegalName    string  `json:"legal_name,omitempty"` // razón social
	TaxID        string  `json:"tax_id,omitempty"`     // a RUT as NormalizeRUT writes it
	Activity     string  `json:"activity,omitempty"`   // giro: the business activity
	Address      Address `json:"address"`
	SupportEmail string  `json:"support_email,omitempty"`
	SupportPhone string  `json:"support_phone,omitempty"`
	BrandColor   string  `json:"brand_color,omitempty"` // "#rrggbb", lower case
	// Logo describes the stored logo; nil when there is none.
	Logo *LogoRef `json:"logo,omitempty"`
}

// CustomerTaxProfile is the legal identity of a customer that documents
// print in their bill-to block.
type CustomerTaxProfile struct {
	LegalName string `json:"legal_name,omitempty"`
	// Activity is the customer's business activity (giro), which a
	// Chilean factura names; a customer without one gets a boleta
	// (ChooseDTE).
	Activity string  `json:"activity,omitempty"`
	Address  Address `json:"address"`
	TaxIDs   []TaxID `json:"tax_ids,omitempty"` // each normalised by NormalizeTaxID
}

// MaxTaxIDs bounds a customer's tax ids.
const MaxTaxIDs = 5

// LogoRef names a merchant's stored logo: its content's SHA-256 (hex),
// which is also its public address, and its media type.
type LogoRef struct {
	SHA256      string `json:"sha256"`
	ContentType string `json:"content_type"` // LogoPNG or LogoSVG
}

// Logo is a logo's bytes with its reference.
type Logo struct {
	LogoRef
	Data []byte
}

// Address is a postal address, in Stripe's shape plus District (the
// comuna of a Chilean address). Every field may be empty.
type Address struct {
	Line1      string `json:"line1,omitempty"`
	Line2      string `json:"line2,omitempty"`
	District   string `json:"district,omitempty"` // comuna
	City       string `json:"city,omitempty"`
	State      string `json:"state,omitempty"` // región
	PostalCode string `json:"postal_code,omitempty"`
	Country    string `json:"country,omitempty"` // ISO 3166-1 alpha-2, upper case
}

// IsZero reports whether no field of a is set.
func (a Address) IsZero() bool { return a == Address{} }

// Lines writes a as a document prints it: street lines, then the comuna
// and city, then the region and postal code, then the country's name in
// the language of locale. Empty parts are left out.
func (a Address) Lines(locale string) []string {
	var out []string
	add := func(parts ...string) {
		var keep []string
		for _, p := range parts {
			if p = strings.TrimSpace(p); p != "" && !contains(keep, p) {
				keep = append(keep, p)
			}
		}
		if len(keep) > 0 {
			out = append(out, strings.Join(keep, ", "))
		}
	}
	add(a.Line1, a.Line2)
	add(a.District, a.City)
	add(a.State, a.PostalCode)
	add(CountryName(a.Country, locale))
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// countryNames are the names of the countries cuota's merchants and their
// customers are most often in; any other country shows its code.
var countryNames = map[string][2]string{ // code: {Spanish, English}
	"CL": {"Chile", "Chile"},
	"AR": {"Argentina", "Argentina"},
	"PE": {"Perú", "Peru"},
	"CO": {"Colombia", "Colombia"},
	"MX": {"México", "Mexico"},
	"UY": {"Uruguay", "Uruguay"},
	"BR": {"Brasil", "Brazil"},
	"ES": {"España", "Spain"},
	"US": {"Estados Unidos", "United States"},
}

// CountryName names an ISO 3166-1 alpha-2 code in locale's language.
func CountryName(code, locale string) string {
	n, ok := countryNames[code]
	if !ok {
		return code
	}
	if LocaleLanguage(locale) == "en" {
		return n[1]
	}
	return n[0]
}

var countryRE = regexp.MustCompile(`^[A-Z]{2}$`)

// maxAddressField bounds each field of an address.
const maxAddressField = 200

// NormalizeAddress trims a's fields, upper-cases its country and checks
// them; param prefixes the field names in errors.
func NormalizeAddress(param string, a Address) (Address, error) {
	fields := []struct {
		name string
		v    *string
	}{
		{"line1", &a.Line1}, {"line2", &a.Line2}, {"district", &a.District}, {"city", &a.City},
		{"state", &a.State}, {"postal_code", &a.PostalCode}, {"country", &a.Country},
	}
	for _, f := range fields {
		*f.v = strings.TrimSpace(*f.v)
		if len(*f.v) > maxAddressField || !ValidText(*f.v) || strings.ContainsAny(*f.v, "\r\n") {
			return Address{}, Invalid(param+"."+f.name, CodeParameterInvalid, "%s.%s must be one line of at most %d characters", param, f.name, maxAddressField)
		}
	}
	a.Country = strings.ToUpper(a.Country)
	if a.Country != "" && !countryRE.MatchString(a.Country) {
		return Address{}, Invalid(param+".country", CodeParameterInvalid, "%s.country must be a two-letter ISO 3166-1 code such as CL", param)
	}
	return a, nil
}

var colorRE = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)

// NormalizeColor checks a "#RRGGBB" colour and returns it in lower case.
func NormalizeColor(param, s string) (string, error) {
	if !colorRE.MatchString(s) {
		return "", Invalid(param, CodeParameterInvalid, "%s must be a colour written #RRGGBB, e.g. #0b5fff", param)
	}
	return strings.ToLower(s), nil
}

// BrandColors are the colours a page or document paints with a merchant's
// brand colour: Background is the colour itself and Text the one readable
// on it (black or white, whichever contrasts more, as WCAG 2 measures
// contrast). Accent is the brand colour darkened, when needed, until it
// reads as text on white (contrast 4.5:1), for links and headings.
type BrandColors struct {
	Background, Text, Accent string
}

// DefaultBrandColor is used when the merchant set none.
const DefaultBrandColor = "#0b5fff"

// Brand returns the colours of a brand colour ("" means
// DefaultBrandColor).
func Brand(color string) BrandColors {
	r, g, b, ok := parseColor(color)
	if !ok {
		r, g, b, _ = parseColor(DefaultBrandColor)
	}
	out := BrandColors{Background: hexColor(r, g, b), Text: "#ffffff"}
	lum := luminance(r, g, b)
	if contrast(lum, 0) > contrast(lum, 1) {
		out.Text = "#000000"
	}
	ar, ag, ab := r, g, b
	for contrast(luminance(ar, ag, ab), 1) < 4.5 {
		ar, ag, ab = ar*9/10, ag*9/10, ab*9/10
	}
	out.Accent = hexColor(ar, ag, ab)
	return out
}

func parseColor(s string) (r, g, b int, ok bool) {
	if !colorRE.MatchString(s) {
		return 0, 0, 0, false
	}
	v, _ := strconv.ParseUint(s[1:], 16, 32)
	return int(v >> 16), int(v >> 8 & 0xff), int(v & 0xff), true
}

func hexColor(r, g, b int) string {
	const digits = "0123456789abcdef"
	out := []byte{'#'}
	for _, c := range []int{r, g, b} {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}

// luminance is WCAG 2's relative luminance of an sRGB colour.
func luminance(r, g, b int) float64 {
	lin := func(c int) float64 {
		v := float64(c) / 255
		if v <= 0.04045 {
			return v / 12.92
		}
		return math.Pow((v+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(r) + 0.7152*lin(g) + 0.0722*lin(b)
}

// contrast is WCAG 2's contrast ratio of two luminances.
func contrast(a, b float64) float64 {
	if a < b {
		a, b = b, a
	}
	return (a + 0.05) / (b + 0.05)
}

// Logo media types and limits.
const (
	LogoPNG = "image/png"
	LogoSVG = "image/svg+xml"
	// MaxLogoBytes bounds a logo: enough for a crisp header image, small
	// enough for every page and email to carry it.
	MaxLogoBytes = 256 << 10
	// maxLogoSide bounds a PNG's width and height in pixels.
	maxLogoSide = 4096
)

// SniffLogo decides a logo's media type from its content, never from what
// the uploader claims: a PNG that decodes (within maxLogoSide on each
// side) or an SVG document (XML whose root element is svg). Anything else,
// or more than MaxLogoBytes, is refused with param in the error.
func SniffLogo(param string, data []byte) (string, error) {
	if len(data) > MaxLogoBytes {
		return "", &Error{Kind: KindTooLarge, Code: CodeLogoTooLarge, Param: param,
			Message: "the logo is larger than " + strconv.Itoa(MaxLogoBytes>>10) + " KiB"}
	}
	invalid := Invalid(param, CodeLogoInvalid, "the logo must be a PNG or SVG image")
	if bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")) {
		cfg, err := png.DecodeConfig(bytes.NewReader(data))
		if err != nil || cfg.Width < 1 || cfg.Height < 1 || cfg.Width > maxLogoSide || cfg.Height > maxLogoSide {
			return "", invalid
		}
		if _, err := png.Decode(bytes.NewReader(data)); err != nil {
			return "", invalid
		}
		return LogoPNG, nil
	}
	if isSVG(data) {
		return LogoSVG, nil
	}
	return "", invalid
}

// isSVG reports whether data is UTF-8 XML whose first element is an svg
// element, with no DOCTYPE (which could declare entities).
func isSVG(data []byte) bool {
	if !ValidText(string(data)) {
		return false
	}
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true
	for {
		tok, err := d.Token()
		if err != nil {
			return false
		}
		switch t := tok.(type) {
		case xml.Directive:
			return false
		case xml.StartElement:
			if t.Name.Local != "svg" || (t.Name.Space != "" && t.Name.Space != "http://www.w3.org/2000/svg") {
				return false
			}
			return wellFormed(d)
		}
	}
}

// wellFormed reads the rest of a document, reporting whether it parses.
func wellFormed(d *xml.Decoder) bool {
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			return true
		}
		if err != nil {
			return false
		}
		if _, ok := tok.(xml.Directive); ok {
			return false
		}
	}
}

// ProfileJSON is the stored form of a MerchantProfile or a
// CustomerTaxProfile: a JSON object both stores keep as text.
func ProfileJSON[P MerchantProfile | CustomerTaxProfile](p P) (string, error) {
	b, err := json.Marshal(p)
	if err != nil {
		return "", fmt.Errorf("encode profile: %w", err)
	}
	return string(b), nil
}

// ParseProfile reads what ProfileJSON wrote ("{}" is the empty profile).
func ParseProfile[P MerchantProfile | CustomerTaxProfile](s string) (P, error) {
	var p P
	if err := json.Unmarshal([]byte(s), &p); err != nil {
		return p, fmt.Errorf("decode profile: %w", err)
	}
	return p, nil
}
