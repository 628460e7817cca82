package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/cuota/cuota/internal/billing"
)

// ProfileParams change a merchant's legal identity and brand; nil fields
// are kept and "" removes a text field. Address replaces the whole
// address.
type ProfileParams struct {
	LegalName    *string
	TaxID        *string // a RUT, with or without dots
	Activity     *string // giro
	Address      *billing.Address
	SupportEmail *string
	SupportPhone *string
	BrandColor   *string // #RRGGBB
}

// maxPhoneLen bounds a support phone number.
const maxPhoneLen = 30

var phoneRE = regexp.MustCompile(`^\+?[0-9 ()-]{6,30}$`)

// supportedLocale checks that a merchant's default locale is in a language
// its customers' pages, documents and emails can be written in.
func (v *validator) supportedLocale(param, s string) {
	v.locale(param, s)
	if billing.LocaleLanguage(s) == "" {
		v.fail(param, billing.CodeParameterInvalid, "%s must be es-CL or en (or another Spanish or English locale)", param)
	}
}

// applyProfile validates p and writes it over prof.
func applyProfile(v *validator, prof *billing.MerchantProfile, p ProfileParams) {
	text := func(param string, dst *string, src *string, n int) {
		if src == nil {
			return
		}
		s := strings.TrimSpace(*src)
		v.maxLen(param, s, n)
		if strings.ContainsAny(s, "\r\n") {
			v.fail(param, billing.CodeParameterInvalid, "%s must be one line", param)
		}
		*dst = s
	}
	text("legal_name", &prof.LegalName, p.LegalName, maxNameLen)
	text("activity", &prof.Activity, p.Activity, maxNameLen)
	if p.TaxID != nil {
		prof.TaxID = ""
		if s := strings.TrimSpace(*p.TaxID); s != "" {
			id, err := billing.NormalizeTaxID("tax_id", billing.TaxIDChileRUT, s)
			if err != nil {
				v.fail("tax_id", billing.CodeTaxIDInvalid, "tax_id must be a RUT with its check digit, e.g. 76.086.428-5")
			}
			prof.TaxID = id.Value
		}
	}
	if p.Address != nil {
		a, err := billing.NormalizeAddress("address", *p.Address)
		v.take(err)
		prof.Address = a
	}
	if p.SupportEmail != nil {
		v.maxLen("support_email", *p.SupportEmail, 254)
		v.email("support_email", *p.SupportEmail)
		prof.SupportEmail = *p.SupportEmail
	}
	if p.SupportPhone != nil {
		s := strings.TrimSpace(*p.SupportPhone)
		if s != "" && (len(s) > maxPhoneLen || !phoneRE.MatchString(s)) {
			v.fail("support_phone", billing.CodeParameterInvalid, "support_phone must be a phone number such as +56 2 2345 6789")
		}
		prof.SupportPhone = s
	}
	if p.BrandColor != nil {
		prof.BrandColor = ""
		if *p.BrandColor != "" {
			c, err := billing.NormalizeColor("brand_color", *p.BrandColor)
			v.take(err)
			prof.BrandColor = c
		}
	}
}

// take records err when it is the first problem; err must be a
// *billing.Error or nil.
func (v *validator) take(err error) {
	if e := billing.AsError(err); e != nil && v.first == nil {
		v.first = e
	}
}

// SetMerchantLogo stores a merchant's logo, replacing the one it had. The
// content decides what it is (billing.SniffLogo); what the uploader
// declared does not count.
func (a *Merchants) SetMerchantLogo(ctx context.Context, merchantID string, data []byte) (billing.Merchant, error) {
	ct, err := billing.SniffLogo("logo", data)
	if err != nil {
		return billing.Merchant{}, err
	}
	sum := sha256.Sum256(data)
	logo := billing.Logo{LogoRef: billing.LogoRef{SHA256: hex.EncodeToString(sum[:]), ContentType: ct}, Data: data}
	return a.changeLogo(ctx, merchantID, "merchant.logo.update", func(tx billing.Tx, m *billing.Merchant) error {
		if err := tx.Merchants.PutMerchantLogo(ctx, merchantID, logo, a.Now()); err != nil {
			return fmt.Errorf("put logo: %w", err)
		}
		m.Profile.Logo = &logo.LogoRef
		return nil
	})
}

// DeleteMerchantLogo removes a merchant's logo.
func (a *Merchants) DeleteMerchantLogo(ctx context.Context, merchantID string) (billing.Merchant, error) {
	return a.changeLogo(ctx, merchantID, "merchant.logo.delete", func(tx billing.Tx, m *billing.Merchant) error {
		if err := tx.Merchants.DeleteMerchantLogo(ctx, merchantID); err != nil {
			return fmt.Errorf("delete logo: %w", err)
		}
		m.Profile.Logo = nil
		return nil
	})
}

// changeLogo runs one logo change on the merchant and records it.
func (a *Merchants) changeLogo(ctx context.Context, merchantID, action string, fn func(billing.Tx, *billing.Merchant) error) (billing.Merchant, error) {
	var after billing.Merchant
	err := a.store.InTx(ctx, func(tx billing.Tx) error {
		before, err := tx.Merchants.GetMerchant(ctx, merchantID)
		if err != nil {
			return notFound(err, "merchant", merchantID)
		}
		after = before
		if err := fn(tx, &after); err != nil {
			return err
		}
		if err := tx.Merchants.UpdateMerchant(ctx, after); err != nil {
			return fmt.Errorf("update merchant: %w", err)
		}
		return a.audit(ctx, tx, change{merchantID: merchantID, action: action, objectType: "merchant",
			objectID: merchantID, before: before.Profile.Logo, after: after.Profile.Logo})
	})
	return after, err
}

// GetLogo returns a stored logo by the SHA-256 its public address names;
// an address of no stored logo is not found.
func (a *Merchants) GetLogo(ctx context.Context, sha string) (billing.Logo, error) {
	return read(ctx, a.core, func(tx billing.Tx) (billing.Logo, error) {
		l, err := tx.Merchants.GetLogo(ctx, sha)
		if errors.Is(err, billing.ErrNotFound) {
			return l, billing.NotFound("logo", sha)
		}
		return l, err
	})
}

// LogoPath is the path, under the public URL, a logo is served at: its
// content's hash, so that a new logo is a new address and any copy of an
// old one stays right.
func LogoPath(ref *billing.LogoRef) string {
	if ref == nil {
		return ""
	}
	ext := ".png"
	if ref.ContentType == billing.LogoSVG {
		ext = ".svg"
	}
	return "/logos/" + ref.SHA256 + ext
}
