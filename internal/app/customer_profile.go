package app

import (
	"strconv"
	"strings"

	"github.com/cuota/cuota/internal/billing"
)

// maxPreferredLocales bounds a customer's preferred_locales.
const maxPreferredLocales = 10

// TaxProfileParams change who a customer's documents are made out to; nil
// fields are kept. Address replaces the whole address and TaxIDs all the
// customer's tax ids (an empty list removes them).
type TaxProfileParams struct {
	LegalName *string
	Activity  *string // giro
	Address   *billing.Address
	TaxIDs    *[]TaxIDParams
}

// TaxIDParams are one tax id: its type (cl_rut, or another country's
// "<country>_<kind>") and its value.
type TaxIDParams struct {
	Type, Value string
}

// applyTaxProfile validates p and writes it over prof; a RUT with a wrong
// check digit is tax_id_invalid, naming the entry.
func applyTaxProfile(prof *billing.CustomerTaxProfile, p TaxProfileParams) error {
	var v validator
	if p.LegalName != nil {
		s := strings.TrimSpace(*p.LegalName)
		v.maxLen("legal_name", s, maxNameLen)
		prof.LegalName = s
	}
	if p.Activity != nil {
		s := strings.TrimSpace(*p.Activity)
		v.maxLen("activity", s, maxNameLen)
		prof.Activity = s
	}
	if p.Address != nil {
		a, err := billing.NormalizeAddress("address", *p.Address)
		v.take(err)
		prof.Address = a
	}
	if p.TaxIDs != nil {
		ids := *p.TaxIDs
		if len(ids) > billing.MaxTaxIDs {
			v.fail("tax_id_data", billing.CodeParameterInvalid, "a customer can have at most %d tax ids", billing.MaxTaxIDs)
		}
		prof.TaxIDs = nil
		for i, in := range ids {
			id, err := billing.NormalizeTaxID("tax_id_data["+strconv.Itoa(i)+"]", in.Type, in.Value)
			v.take(err)
			prof.TaxIDs = append(prof.TaxIDs, id)
		}
	}
	return v.err()
}

// preferredLocale applies p.PreferredLocales to c.
func preferredLocale(c *billing.Customer, p CustomerParams) {
	if p.PreferredLocales == nil {
		return
	}
	c.Locale = ""
	if l := *p.PreferredLocales; len(l) > 0 {
		c.Locale = l[0]
	}
}
