package web

import (
	"bytes"
	"errors"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
)

// brandView is the merchant's identity as every hosted page shows it: the
// logo at the top, the legal details and support contact at the foot.
type brandView struct {
	Name         string
	LegalName    string
	TaxID        string // RUT with dots
	Activity     string
	Address      []string
	SupportEmail string
	SupportPhone string
	LogoURL      string
	Color        string // the brand colour without '#', for the stylesheet
}

// branded adds m's identity to a page's data.
func (h *handler) branded(d pageData, m billing.Merchant) pageData {
	p := m.Profile
	b := &brandView{Name: m.Name, LegalName: p.LegalName, Activity: p.Activity,
		Address: p.Address.Lines(d.L.HTMLLang), SupportEmail: p.SupportEmail, SupportPhone: p.SupportPhone,
		Color: strings.TrimPrefix(p.BrandColor, "#")}
	if p.TaxID != "" {
		b.TaxID = billing.FormatRUT(p.TaxID)
	}
	if p.Logo != nil {
		b.LogoURL = h.app.PayPages.PublicURL() + app.LogoPath(p.Logo)
	}
	d.Brand = b
	return d
}

// brandCSS is the stylesheet's tail for a brand colour: the colours
// billing.Brand derives from it, as the variables style.css paints with.
func brandCSS(color string) []byte {
	if !brandParamRE.MatchString(color) {
		return nil
	}
	c := billing.Brand("#" + color)
	return []byte("\n:root { --brand: " + c.Background + "; --brand-text: " + c.Text + "; --brand-accent: " + c.Accent + "; }\n")
}

var brandParamRE = regexp.MustCompile(`^[0-9a-f]{6}$`)

// logoFileRE is a logo's public file name: its SHA-256 and extension.
var logoFileRE = regexp.MustCompile(`^([0-9a-f]{64})\.(png|svg)$`)

// logoCSP is the policy an SVG logo is served with: opened on its own, it
// can run nothing, load nothing and is a sandboxed document.
const logoCSP = "default-src 'none'; style-src 'unsafe-inline'; sandbox"

// logo serves a merchant's logo by its content's hash. The address names
// the bytes, so it may be cached for ever.
func (h *handler) logo(w http.ResponseWriter, r *http.Request) {
	m := logoFileRE.FindStringSubmatch(r.PathValue("file"))
	if m == nil {
		h.notFound(w, r)
		return
	}
	logo, err := h.app.Merchants.GetLogo(r.Context(), m[1])
	if err != nil {
		var e *billing.Error
		if errors.As(err, &e) && e.Kind == billing.KindNotFound {
			h.notFound(w, r)
			return
		}
		l := pickLang(r)
		h.fail(w, r, l, err)
		return
	}
	if (m[2] == "svg") != (logo.ContentType == billing.LogoSVG) {
		h.notFound(w, r)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", logo.ContentType)
	hd.Set("Content-Security-Policy", logoCSP)
	hd.Set("Cache-Control", "public, max-age=31536000, immutable")
	hd.Set("Cross-Origin-Resource-Policy", "cross-origin") // emails show it from their reader's origin
	hd.Set("ETag", `"`+logo.SHA256+`"`)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(logo.Data))
}

// brandLang labels the merchant's details in one language.
type brandLang struct {
	TaxID    string // before the merchant's RUT
	Activity string // before the giro
	Support  string // before the support contact
	Logo     string // the logo's alternative text: %s the merchant's name
	BillTo   string // heading of the customer's block on a document
}

var brandES = &brandLang{TaxID: "RUT", Activity: "Giro", Support: "Soporte", Logo: "Logo de %s", BillTo: "Cliente"}

var brandEN = &brandLang{TaxID: "RUT (Chilean tax ID)", Activity: "Business activity", Support: "Support", Logo: "%s logo", BillTo: "Billed to"}

// billToView is the customer a document is made out to.
type billToView struct {
	Name    string // the legal name, else the name
	TaxIDs  []string
	Address []string
	Email   string
}

// billTo is c's bill-to block in locale's language.
func billTo(c billing.Customer, locale string) billToView {
	p := c.TaxProfile
	v := billToView{Name: p.LegalName, Address: p.Address.Lines(locale), Email: c.Email}
	if v.Name == "" {
		v.Name = c.Name
	}
	for _, id := range p.TaxIDs {
		v.TaxIDs = append(v.TaxIDs, billing.TaxIDLabel(id.Type)+" "+billing.FormatTaxID(id))
	}
	return v
}
