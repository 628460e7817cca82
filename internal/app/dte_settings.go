package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/cuota/cuota/internal/billing"
)

// DTESettingsParams change a merchant's electronic tax document setup in
// one mode (docs/dte.md); nil fields are kept. APIKey and BaseURL are
// the provider credentials, sealed before they are stored.
type DTESettingsParams struct {
	Enabled      *bool
	Provider     *string
	APIKey       *string
	BaseURL      *string // test mode only (dtesim)
	ActivityCode *int64
	IssueOn      *string
}

// DTESettingsView is the setup as the API shows it: the key redacted.
type DTESettingsView struct {
	Livemode     bool   `json:"livemode"`
	Enabled      bool   `json:"enabled"`
	Provider     string `json:"provider"`
	APIKey       string `json:"api_key"` // the last 4 characters
	BaseURL      string `json:"base_url,omitempty"`
	ActivityCode int64  `json:"activity_code"`
	IssueOn      string `json:"issue_on"`
	Encrypted    bool   `json:"encrypted"`
}

// dteCredentials are what is sealed.
type dteCredentials struct {
	APIKey  string `json:"api_key"`
	BaseURL string `json:"base_url,omitempty"`
}

// maxActivityCode bounds an SII activity code (six digits).
const maxActivityCode = 999999

// SetDTESettings creates or changes the scope's DTE setup. Enabling needs
// a provider key, an SII activity code and the merchant's legal profile
// (RUT, legal name, giro, address), which every document names; live
// mode needs CUOTA_SECRET_KEY and takes no base_url.
func (a *Merchants) SetDTESettings(ctx context.Context, s billing.Scope, p DTESettingsParams) (DTESettingsView, error) {
	var view DTESettingsView
	err := a.store.InTx(ctx, func(tx billing.Tx) error {
		m, err := tx.Merchants.GetMerchant(ctx, s.MerchantID)
		if err != nil {
			return fmt.Errorf("read merchant: %w", err)
		}
		now := a.Now()
		cur := billing.DTESettings{Scope: s, Provider: billing.DTEProviderOpenFactura, IssueOn: billing.DTEIssueOnPaid, Created: now}
		var creds dteCredentials
		var before any
		prev, err := tx.DTE.GetDTESettings(ctx, s)
		switch {
		case err == nil:
			cur = prev
			if creds, err = a.openDTECredentials(prev); err != nil {
				return err
			}
			before = dteView(prev, creds)
		case !errors.Is(err, billing.ErrNotFound):
			return fmt.Errorf("read dte settings: %w", err)
		}
		if err := applyDTESettings(s, m, &cur, &creds, p, a.ports.DTE != nil); err != nil {
			return err
		}
		if cur.Sealed, err = a.sealDTECredentials(s, creds); err != nil {
			return err
		}
		cur.Updated = now
		if err := tx.DTE.PutDTESettings(ctx, cur); err != nil {
			return fmt.Errorf("save dte settings: %w", err)
		}
		view = dteView(cur, creds)
		view.Encrypted = a.gw.box.HasKey()
		return a.audit(ctx, tx, change{merchantID: s.MerchantID, mode: s.Mode, action: "dte_settings.put",
			objectType: "dte_settings", objectID: s.MerchantID, before: before, after: view})
	})
	return view, err
}

// GetDTESettings returns the scope's DTE setup (resource_missing when
// there is none).
func (a *Merchants) GetDTESettings(ctx context.Context, s billing.Scope) (DTESettingsView, error) {
	return read(ctx, a.core, func(tx billing.Tx) (DTESettingsView, error) {
		cur, err := tx.DTE.GetDTESettings(ctx, s)
		if err != nil {
			return DTESettingsView{}, notFound(err, "dte_settings", s.MerchantID)
		}
		creds, err := a.openDTECredentials(cur)
		if err != nil {
			return DTESettingsView{}, err
		}
		v := dteView(cur, creds)
		v.Encrypted = a.gw.box.IsSealed(cur.Sealed)
		return v, nil
	})
}

// applyDTESettings validates p and writes it over cur and creds.
func applyDTESettings(s billing.Scope, m billing.Merchant, cur *billing.DTESettings, creds *dteCredentials, p DTESettingsParams, hasProvider bool) error {
	var v validator
	if p.Provider != nil {
		if *p.Provider != billing.DTEProviderOpenFactura {
			v.fail("provider", billing.CodeParameterInvalid, "provider must be %s", billing.DTEProviderOpenFactura)
		}
		cur.Provider = billing.DTEProviderOpenFactura
	}
	if p.APIKey != nil {
		creds.APIKey = strings.TrimSpace(*p.APIKey)
		v.maxLen("api_key", creds.APIKey, 500)
	}
	if p.BaseURL != nil {
		creds.BaseURL = strings.TrimRight(strings.TrimSpace(*p.BaseURL), "/")
		if creds.BaseURL != "" {
			if s.Mode == billing.ModeLive {
				v.fail("base_url", billing.CodeParameterInvalid, "live mode always talks to the provider's own address")
			} else if u, err := url.Parse(creds.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				v.fail("base_url", billing.CodeParameterInvalid, "base_url must be an absolute http or https URL")
			}
		}
	}
	if p.ActivityCode != nil {
		if *p.ActivityCode <= 0 || *p.ActivityCode > maxActivityCode {
			v.fail("activity_code", billing.CodeParameterInvalid, "activity_code is the SII's economic activity code, 1 to 999999")
		}
		cur.ActivityCode = *p.ActivityCode
	}
	if p.IssueOn != nil {
		if !billing.ValidDTEIssueOn(*p.IssueOn) {
			v.fail("issue_on", billing.CodeParameterInvalid, "issue_on must be %s or %s", billing.DTEIssueOnPaid, billing.DTEIssueOnFinalized)
		} else {
			cur.IssueOn = *p.IssueOn
		}
	}
	if p.Enabled != nil {
		cur.Enabled = *p.Enabled
	}
	if err := v.err(); err != nil {
		return err
	}
	if !cur.Enabled {
		return nil
	}
	switch {
	case !hasProvider:
		return billing.Invalid("enabled", billing.CodeDTENotConfigured, "this server has no DTE provider adapter")
	case creds.APIKey == "":
		return billing.Invalid("api_key", billing.CodeParameterMissing, "enabling tax documents needs the provider's api_key")
	case cur.ActivityCode == 0:
		return billing.Invalid("activity_code", billing.CodeParameterMissing, "enabling tax documents needs the SII activity_code (Acteco)")
	case m.Profile.TaxID == "" || m.Profile.LegalName == "" || m.Profile.Activity == "" || m.Profile.Address.Line1 == "" || m.Profile.Address.District == "":
		return billing.Invalid("enabled", billing.CodeDTENotConfigured,
			"every tax document names the issuer: set the merchant's tax_id, legal_name, activity and address (line1, district) first")
	}
	return nil
}

func dteView(cur billing.DTESettings, creds dteCredentials) DTESettingsView {
	return DTESettingsView{Livemode: cur.Scope.Mode == billing.ModeLive, Enabled: cur.Enabled, Provider: cur.Provider,
		APIKey: redactKey(creds.APIKey), BaseURL: creds.BaseURL, ActivityCode: cur.ActivityCode, IssueOn: cur.IssueOn}
}

// dteSealAD binds sealed DTE credentials to their row.
func dteSealAD(s billing.Scope) string { return "dte_settings/" + s.MerchantID + "/" + string(s.Mode) }

// sealDTECredentials turns credentials into what the store keeps, as
// gateway credentials are: sealed with CUOTA_SECRET_KEY, or in the clear
// in test mode on a server without a key.
func (a *core) sealDTECredentials(s billing.Scope, c dteCredentials) (string, error) {
	raw, err := json.Marshal(c)
	if err != nil {
		return "", fmt.Errorf("encode dte credentials: %w", err)
	}
	if !a.gw.box.HasKey() {
		if s.Mode == billing.ModeLive {
			return "", billing.Invalid("api_key", billing.CodeSecretKeyMissing,
				"live-mode provider credentials are encrypted at rest: start cuota with CUOTA_SECRET_KEY (32 bytes, e.g. `openssl rand -hex 32`)")
		}
		return plainPrefix + string(raw), nil
	}
	sealed, err := a.gw.box.Seal(raw, dteSealAD(s))
	if err != nil {
		return "", fmt.Errorf("seal dte credentials: %w", err)
	}
	return sealed, nil
}

// openDTECredentials reads stored credentials.
func (a *core) openDTECredentials(cur billing.DTESettings) (dteCredentials, error) {
	var raw []byte
	if plain, ok := strings.CutPrefix(cur.Sealed, plainPrefix); ok && cur.Scope.Mode == billing.ModeTest {
		raw = []byte(plain)
	} else {
		var err error
		what := fmt.Sprintf("the DTE provider credentials of %s (%s mode)", cur.Scope.MerchantID, cur.Scope.Mode)
		if raw, err = a.openSealed(cur.Sealed, dteSealAD(cur.Scope), what); err != nil {
			return dteCredentials{}, err
		}
	}
	var c dteCredentials
	if err := json.Unmarshal(raw, &c); err != nil {
		return dteCredentials{}, fmt.Errorf("decode dte credentials of %s: %w", cur.Scope.MerchantID, err)
	}
	return c, nil
}
