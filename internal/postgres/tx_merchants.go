package postgres

import (
	"context"
	"fmt"
	"reflect"
	"time"

	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/postgres/pgdb/accountsdb"
)

// merchantTx is the billing.MerchantTx of one transaction.
type merchantTx struct{ *base }

var _ billing.MerchantTx = merchantTx{}

// CreateMerchant inserts m and the empty head of its audit chain. Zero
// settings are stored as "{}", which reads back as the defaults.
func (t merchantTx) CreateMerchant(ctx context.Context, m billing.Merchant) error {
	settings := "{}"
	if !reflect.ValueOf(m.Settings).IsZero() {
		var err error
		if settings, err = billing.MerchantSettingsJSON(m.Settings); err != nil {
			return fmt.Errorf("postgres: create merchant %s: %w", m.ID, err)
		}
	}
	profile, err := billing.ProfileJSON(m.Profile)
	if err != nil {
		return fmt.Errorf("postgres: create merchant %s: %w", m.ID, err)
	}
	return t.writeAccounts(ctx, "create merchant "+m.ID, func(q *accountsdb.Queries) error {
		if err := q.CreateMerchant(ctx, accountsdb.CreateMerchantParams{
			Profile:       profile,
			ID:            m.ID,
			Name:          m.Name,
			Timezone:      m.Timezone,
			Locale:        m.Locale,
			InvoicePrefix: m.InvoicePrefix,
			Settings:      settings,
			LinkKey:       m.LinkKey,
			Created:       ts(m.Created),
		}); err != nil {
			return err
		}
		return q.CreateAuditHead(ctx, m.ID)
	})
}

// GetMerchant returns the merchant with id.
func (t merchantTx) GetMerchant(ctx context.Context, id string) (billing.Merchant, error) {
	row, err := t.accounts.GetMerchant(ctx, id)
	if err != nil {
		return billing.Merchant{}, dbError("get merchant "+id, err)
	}
	m, err := merchantFromRow(row)
	if err != nil {
		return billing.Merchant{}, fmt.Errorf("postgres: get merchant %s: %w", id, err)
	}
	return m, nil
}

// ListMerchants returns every merchant, ordered by id.
func (t merchantTx) ListMerchants(ctx context.Context) ([]billing.Merchant, error) {
	rows, err := t.accounts.ListMerchants(ctx)
	if err != nil {
		return nil, dbError("list merchants", err)
	}
	out, err := convertRows(rows, merchantFromRow)
	if err != nil {
		return nil, fmt.Errorf("postgres: list merchants: %w", err)
	}
	return out, nil
}

// UpdateMerchantSettings replaces the settings of merchant merchantID.
func (t merchantTx) UpdateMerchantSettings(ctx context.Context, merchantID string, s billing.MerchantSettings) error {
	settings, err := billing.MerchantSettingsJSON(s)
	if err != nil {
		return fmt.Errorf("postgres: update settings of merchant %s: %w", merchantID, err)
	}
	return t.writeAccounts(ctx, "update settings of merchant "+merchantID, func(q *accountsdb.Queries) error {
		return updated(q.UpdateMerchantSettings(ctx, accountsdb.UpdateMerchantSettingsParams{Settings: settings, ID: merchantID}))
	})
}

// UpdateMerchant writes a merchant's name, time zone, locale, invoice
// prefix and settings.
func (t merchantTx) UpdateMerchant(ctx context.Context, m billing.Merchant) error {
	settings, err := billing.MerchantSettingsJSON(m.Settings)
	if err != nil {
		return fmt.Errorf("postgres: update merchant %s: %w", m.ID, err)
	}
	profile, err := billing.ProfileJSON(m.Profile)
	if err != nil {
		return fmt.Errorf("postgres: update merchant %s: %w", m.ID, err)
	}
	return t.writeAccounts(ctx, "update merchant "+m.ID, func(q *accountsdb.Queries) error {
		return updated(q.UpdateMerchant(ctx, accountsdb.UpdateMerchantParams{Name: m.Name, Timezone: m.Timezone, Locale: m.Locale,
			InvoicePrefix: m.InvoicePrefix, Settings: settings, Profile: profile, ID: m.ID}))
	})
}

func merchantFromRow(r accountsdb.Merchant) (billing.Merchant, error) {
	settings, err := billing.ParseMerchantSettings(r.Settings)
	if err != nil {
		return billing.Merchant{}, fmt.Errorf("merchant %s: %w", r.ID, err)
	}
	profile, err := billing.ParseProfile[billing.MerchantProfile](r.Profile)
	if err != nil {
		return billing.Merchant{}, fmt.Errorf("merchant %s: %w", r.ID, err)
	}
	return billing.Merchant{
		Profile:       profile,
		ID:            r.ID,
		Name:          r.Name,
		Timezone:      r.Timezone,
		Locale:        r.Locale,
		InvoicePrefix: r.InvoicePrefix,
		Settings:      settings,
		LinkKey:       r.LinkKey,
		Created:       r.Created.UTC(),
	}, nil
}

// PutMerchantLogo stores a merchant's logo, replacing the one it had.
func (t merchantTx) PutMerchantLogo(ctx context.Context, merchantID string, l billing.Logo, at time.Time) error {
	return t.writeAccounts(ctx, "put logo of merchant "+merchantID, func(q *accountsdb.Queries) error {
		return q.PutMerchantLogo(ctx, accountsdb.PutMerchantLogoParams{MerchantID: merchantID, Sha256: l.SHA256,
			ContentType: l.ContentType, Data: l.Data, Created: ts(at)})
	})
}

// DeleteMerchantLogo removes a merchant's logo.
func (t merchantTx) DeleteMerchantLogo(ctx context.Context, merchantID string) error {
	return t.writeAccounts(ctx, "delete logo of merchant "+merchantID, func(q *accountsdb.Queries) error {
		return q.DeleteMerchantLogo(ctx, merchantID)
	})
}

// GetLogo returns the logo whose content hashes to sha256.
func (t merchantTx) GetLogo(ctx context.Context, sha256 string) (billing.Logo, error) {
	row, err := t.accounts.GetLogo(ctx, sha256)
	if err != nil {
		return billing.Logo{}, dbError("get logo", err)
	}
	return billing.Logo{LogoRef: billing.LogoRef{SHA256: row.Sha256, ContentType: row.ContentType}, Data: row.Data}, nil
}

// CreateAPIKey inserts k. LastUsed and Revoked start empty.
func (t merchantTx) CreateAPIKey(ctx context.Context, k billing.APIKey) error {
	return t.writeAccounts(ctx, "create api key "+k.ID, func(q *accountsdb.Queries) error {
		return q.CreateAPIKey(ctx, accountsdb.CreateAPIKeyParams{
			ID:         k.ID,
			MerchantID: k.MerchantID,
			Mode:       string(k.Mode),
			Hash:       k.Hash,
			Redacted:   k.Redacted,
			Created:    ts(k.Created),
		})
	})
}

// GetAPIKey returns the API key with id.
func (t merchantTx) GetAPIKey(ctx context.Context, id string) (billing.APIKey, error) {
	row, err := t.accounts.GetAPIKey(ctx, id)
	if err != nil {
		return billing.APIKey{}, dbError("get api key "+id, err)
	}
	return apiKeyFromRow(row), nil
}

// GetAPIKeyByHash returns the API key whose secret hashes to hash.
func (t merchantTx) GetAPIKeyByHash(ctx context.Context, hash string) (billing.APIKey, error) {
	row, err := t.accounts.GetAPIKeyByHash(ctx, hash)
	if err != nil {
		return billing.APIKey{}, dbError("get api key by hash", err)
	}
	return apiKeyFromRow(row), nil
}

// ListAPIKeys returns a merchant's keys, oldest first.
func (t merchantTx) ListAPIKeys(ctx context.Context, merchantID string) ([]billing.APIKey, error) {
	rows, err := t.accounts.ListAPIKeys(ctx, merchantID)
	if err != nil {
		return nil, dbError("list api keys of "+merchantID, err)
	}
	out := make([]billing.APIKey, 0, len(rows))
	for _, r := range rows {
		out = append(out, apiKeyFromRow(r))
	}
	return out, nil
}

// TouchAPIKey sets the key's LastUsed to at.
func (t merchantTx) TouchAPIKey(ctx context.Context, id string, at time.Time) error {
	return t.writeAccounts(ctx, "touch api key "+id, func(q *accountsdb.Queries) error {
		return updated(q.TouchAPIKey(ctx, accountsdb.TouchAPIKeyParams{ID: id, LastUsed: new(ts(at))}))
	})
}

// RevokeAPIKey sets the key's Revoked to at unless it is already set.
func (t merchantTx) RevokeAPIKey(ctx context.Context, id string, at time.Time) error {
	return t.writeAccounts(ctx, "revoke api key "+id, func(q *accountsdb.Queries) error {
		return updated(q.RevokeAPIKey(ctx, accountsdb.RevokeAPIKeyParams{ID: id, Revoked: new(ts(at))}))
	})
}

func apiKeyFromRow(r accountsdb.ApiKey) billing.APIKey {
	return billing.APIKey{
		ID:         r.ID,
		MerchantID: r.MerchantID,
		Mode:       billing.Mode(r.Mode),
		Hash:       r.Hash,
		Redacted:   r.Redacted,
		Created:    r.Created.UTC(),
		LastUsed:   utcPtr(r.LastUsed),
		Revoked:    utcPtr(r.Revoked),
	}
}
