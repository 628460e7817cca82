package sqlite

import (
	"context"
	"fmt"
	"reflect"
	"time"

	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/sqlite/litedb/accountsdb"
)

// merchantTx is the billing.MerchantTx of one transaction.
type merchantTx struct{ *base }

var _ billing.MerchantTx = merchantTx{}

// Merchants and API keys.

// CreateMerchant inserts m and its empty audit chain head. Zero settings
// are stored as "{}", which reads back as the default settings.
func (t merchantTx) CreateMerchant(ctx context.Context, m billing.Merchant) error {
	settings := "{}"
	if !reflect.DeepEqual(m.Settings, billing.MerchantSettings{}) {
		var err error
		if settings, err = billing.MerchantSettingsJSON(m.Settings); err != nil {
			return fmt.Errorf("create merchant %s: %w", m.ID, err)
		}
	}
	profile, err := billing.ProfileJSON(m.Profile)
	if err != nil {
		return fmt.Errorf("create merchant %s: %w", m.ID, err)
	}
	err = t.accounts.CreateMerchant(ctx, accountsdb.CreateMerchantParams{
		Profile:       profile,
		ID:            m.ID,
		Name:          m.Name,
		Timezone:      m.Timezone,
		Locale:        m.Locale,
		InvoicePrefix: m.InvoicePrefix,
		Settings:      settings,
		LinkKey:       m.LinkKey,
		Created:       micros(m.Created),
	})
	if err != nil {
		return dbError(err, "create merchant %s", m.ID)
	}
	if err := t.accounts.CreateAuditHead(ctx, m.ID); err != nil {
		return dbError(err, "create audit head of merchant %s", m.ID)
	}
	return nil
}

// GetMerchant returns the merchant with id.
func (t merchantTx) GetMerchant(ctx context.Context, id string) (billing.Merchant, error) {
	row, err := t.accounts.GetMerchant(ctx, id)
	if err != nil {
		return billing.Merchant{}, dbError(err, "get merchant %s", id)
	}
	return merchantFromRow(row)
}

// ListMerchants returns every merchant, by id.
func (t merchantTx) ListMerchants(ctx context.Context) ([]billing.Merchant, error) {
	rows, err := t.accounts.ListMerchants(ctx)
	if err != nil {
		return nil, dbError(err, "list merchants")
	}
	return convertRows(rows, merchantFromRow)
}

// UpdateMerchantSettings replaces the merchant's settings.
func (t merchantTx) UpdateMerchantSettings(ctx context.Context, merchantID string, s billing.MerchantSettings) error {
	settings, err := billing.MerchantSettingsJSON(s)
	if err != nil {
		return fmt.Errorf("update settings of merchant %s: %w", merchantID, err)
	}
	n, err := t.accounts.UpdateMerchantSettings(ctx, accountsdb.UpdateMerchantSettingsParams{Settings: settings, ID: merchantID})
	return notFoundIfNone(n, err, "update settings of merchant %s", merchantID)
}

// UpdateMerchant writes a merchant's name, time zone, locale, invoice
// prefix and settings.
func (t merchantTx) UpdateMerchant(ctx context.Context, m billing.Merchant) error {
	settings, err := billing.MerchantSettingsJSON(m.Settings)
	if err != nil {
		return fmt.Errorf("update merchant %s: %w", m.ID, err)
	}
	profile, err := billing.ProfileJSON(m.Profile)
	if err != nil {
		return fmt.Errorf("update merchant %s: %w", m.ID, err)
	}
	n, err := t.accounts.UpdateMerchant(ctx, accountsdb.UpdateMerchantParams{Name: m.Name, Timezone: m.Timezone, Locale: m.Locale,
		InvoicePrefix: m.InvoicePrefix, Settings: settings, Profile: profile, ID: m.ID})
	return notFoundIfNone(n, err, "update merchant %s", m.ID)
}

func merchantFromRow(row accountsdb.Merchant) (billing.Merchant, error) {
	settings, err := billing.ParseMerchantSettings(row.Settings)
	if err != nil {
		return billing.Merchant{}, fmt.Errorf("merchant %s: %w", row.ID, err)
	}
	profile, err := billing.ParseProfile[billing.MerchantProfile](row.Profile)
	if err != nil {
		return billing.Merchant{}, fmt.Errorf("merchant %s: %w", row.ID, err)
	}
	return billing.Merchant{
		Profile:       profile,
		ID:            row.ID,
		Name:          row.Name,
		Timezone:      row.Timezone,
		Locale:        row.Locale,
		InvoicePrefix: row.InvoicePrefix,
		Settings:      settings,
		LinkKey:       row.LinkKey,
		Created:       fromMicros(row.Created),
	}, nil
}

// PutMerchantLogo stores a merchant's logo, replacing the one it had.
func (t merchantTx) PutMerchantLogo(ctx context.Context, merchantID string, l billing.Logo, at time.Time) error {
	err := t.accounts.PutMerchantLogo(ctx, accountsdb.PutMerchantLogoParams{MerchantID: merchantID, Sha256: l.SHA256,
		ContentType: l.ContentType, Data: l.Data, Created: micros(at)})
	if err != nil {
		return dbError(err, "put logo of merchant %s", merchantID)
	}
	return nil
}

// DeleteMerchantLogo removes a merchant's logo.
func (t merchantTx) DeleteMerchantLogo(ctx context.Context, merchantID string) error {
	if err := t.accounts.DeleteMerchantLogo(ctx, merchantID); err != nil {
		return dbError(err, "delete logo of merchant %s", merchantID)
	}
	return nil
}

// GetLogo returns the logo whose content hashes to sha256.
func (t merchantTx) GetLogo(ctx context.Context, sha256 string) (billing.Logo, error) {
	row, err := t.accounts.GetLogo(ctx, sha256)
	if err != nil {
		return billing.Logo{}, dbError(err, "get logo")
	}
	return billing.Logo{LogoRef: billing.LogoRef{SHA256: row.Sha256, ContentType: row.ContentType}, Data: row.Data}, nil
}

// CreateAPIKey inserts k, neither used nor revoked.
func (t merchantTx) CreateAPIKey(ctx context.Context, k billing.APIKey) error {
	// The insert query has no last_used or revoked: a new key is neither
	// used nor revoked, which is what the column defaults (NULL) say.
	err := t.accounts.CreateAPIKey(ctx, accountsdb.CreateAPIKeyParams{
		ID:         k.ID,
		MerchantID: k.MerchantID,
		Mode:       string(k.Mode),
		Hash:       k.Hash,
		Redacted:   k.Redacted,
		Created:    micros(k.Created),
	})
	if err != nil {
		return dbError(err, "create api key %s", k.ID)
	}
	return nil
}

// GetAPIKey returns the API key with id, of any merchant.
func (t merchantTx) GetAPIKey(ctx context.Context, id string) (billing.APIKey, error) {
	row, err := t.accounts.GetAPIKey(ctx, id)
	if err != nil {
		return billing.APIKey{}, dbError(err, "get api key %s", id)
	}
	return apiKeyFromRow(row), nil
}

// GetAPIKeyByHash returns the API key whose secret hashes to hash.
func (t merchantTx) GetAPIKeyByHash(ctx context.Context, hash string) (billing.APIKey, error) {
	row, err := t.accounts.GetAPIKeyByHash(ctx, hash)
	if err != nil {
		return billing.APIKey{}, dbError(err, "get api key by hash")
	}
	return apiKeyFromRow(row), nil
}

// ListAPIKeys returns a merchant's keys, oldest first.
func (t merchantTx) ListAPIKeys(ctx context.Context, merchantID string) ([]billing.APIKey, error) {
	rows, err := t.accounts.ListAPIKeys(ctx, merchantID)
	if err != nil {
		return nil, dbError(err, "list api keys of %s", merchantID)
	}
	out := make([]billing.APIKey, 0, len(rows))
	for _, row := range rows {
		out = append(out, apiKeyFromRow(row))
	}
	return out, nil
}

// TouchAPIKey sets the key's last use to at.
func (t merchantTx) TouchAPIKey(ctx context.Context, id string, at time.Time) error {
	n, err := t.accounts.TouchAPIKey(ctx, accountsdb.TouchAPIKeyParams{LastUsed: nullMicros(&at), ID: id})
	return notFoundIfNone(n, err, "touch api key %s", id)
}

// RevokeAPIKey sets the key's revocation time to at unless already set.
func (t merchantTx) RevokeAPIKey(ctx context.Context, id string, at time.Time) error {
	n, err := t.accounts.RevokeAPIKey(ctx, accountsdb.RevokeAPIKeyParams{Revoked: nullMicros(&at), ID: id})
	return notFoundIfNone(n, err, "revoke api key %s", id)
}

func apiKeyFromRow(row accountsdb.ApiKey) billing.APIKey {
	return billing.APIKey{
		ID:         row.ID,
		MerchantID: row.MerchantID,
		Mode:       billing.Mode(row.Mode),
		Hash:       row.Hash,
		Redacted:   row.Redacted,
		Created:    fromMicros(row.Created),
		LastUsed:   fromNullMicros(row.LastUsed),
		Revoked:    fromNullMicros(row.Revoked),
	}
}
