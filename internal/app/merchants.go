package app

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cuota/cuota/internal/billing"
)

// CreateMerchantParams are the inputs of CreateMerchant.
type CreateMerchantParams struct {
	Name     string
	Timezone string // default UTC
	Locale   string // default es-CL
}

// CreateMerchant creates a merchant and the head of its audit chain.
func (a *Merchants) CreateMerchant(ctx context.Context, p CreateMerchantParams) (billing.Merchant, error) {
	m, err := a.newMerchant(billing.NewID(billing.PrefixMerchant, a.Now()), p)
	if err != nil {
		return billing.Merchant{}, err
	}
	err = a.store.InTx(ctx, func(tx billing.Tx) error { return a.writeMerchant(ctx, tx, m) })
	return m, err
}

// newMerchant validates p and builds the merchant with id.
func (a *Merchants) newMerchant(id string, p CreateMerchantParams) (billing.Merchant, error) {
	if p.Timezone == "" {
		p.Timezone = "UTC"
	}
	if p.Locale == "" {
		p.Locale = "es-CL"
	}
	var v validator
	v.required("name", p.Name)
	v.maxLen("name", p.Name, maxNameLen)
	v.timezone("timezone", p.Timezone)
	v.supportedLocale("locale", p.Locale)
	if err := v.err(); err != nil {
		return billing.Merchant{}, err
	}
	return billing.Merchant{
		ID:            id,
		Name:          p.Name,
		Timezone:      p.Timezone,
		Locale:        p.Locale,
		InvoicePrefix: invoicePrefix(p.Name),
		LinkKey:       newLinkKey(),
		Created:       a.Now(),
	}, nil
}

func (a *Merchants) writeMerchant(ctx context.Context, tx billing.Tx, m billing.Merchant) error {
	if err := tx.Merchants.CreateMerchant(ctx, m); err != nil {
		return fmt.Errorf("create merchant: %w", err)
	}
	return a.audit(ctx, tx, change{merchantID: m.ID, action: "merchant.create", objectType: "merchant", objectID: m.ID, after: m})
}

// invoicePrefix derives a short upper-case prefix from a merchant's name.
func invoicePrefix(name string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(name) {
		if r >= 'A' && r <= 'Z' {
			b.WriteRune(r)
		}
		if b.Len() == 4 {
			break
		}
	}
	if b.Len() == 0 {
		return "INV"
	}
	return b.String()
}

// GetMerchant returns a merchant.
func (a *Merchants) GetMerchant(ctx context.Context, id string) (billing.Merchant, error) {
	return read(ctx, a.core, func(tx billing.Tx) (billing.Merchant, error) {
		m, err := tx.Merchants.GetMerchant(ctx, id)
		return m, notFound(err, "merchant", id)
	})
}

// ListMerchants returns every merchant.
func (a *Merchants) ListMerchants(ctx context.Context) ([]billing.Merchant, error) {
	return read(ctx, a.core, func(tx billing.Tx) ([]billing.Merchant, error) {
		return tx.Merchants.ListMerchants(ctx)
	})
}

// HashAPIKey returns the stored form of a secret key.
func HashAPIKey(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// CreateAPIKey creates a secret key for a merchant and mode. The secret is
// returned once and only its hash is stored.
func (a *Merchants) CreateAPIKey(ctx context.Context, merchantID string, mode billing.Mode) (billing.APIKey, string, error) {
	k, secret, err := a.newAPIKey(merchantID, mode)
	if err != nil {
		return billing.APIKey{}, "", err
	}
	err = a.store.InTx(ctx, func(tx billing.Tx) error {
		if _, err := tx.Merchants.GetMerchant(ctx, merchantID); err != nil {
			return notFound(err, "merchant", merchantID)
		}
		return a.writeAPIKey(ctx, tx, k)
	})
	if err != nil {
		return billing.APIKey{}, "", err
	}
	return k, secret, nil
}

// newAPIKey makes a key and its secret (shown once; only its hash is kept).
func (a *Merchants) newAPIKey(merchantID string, mode billing.Mode) (billing.APIKey, string, error) {
	if !mode.Valid() {
		return billing.APIKey{}, "", billing.Invalid("mode", billing.CodeParameterInvalid, "mode must be test or live")
	}
	secret := "sk_" + string(mode) + "_" + rand.Text() + rand.Text()[:6]
	now := a.Now()
	return billing.APIKey{
		ID:         billing.NewID(billing.PrefixAPIKey, now),
		MerchantID: merchantID,
		Mode:       mode,
		Hash:       HashAPIKey(secret),
		Redacted:   secret[:len("sk_"+string(mode)+"_")] + "…" + secret[len(secret)-4:],
		Created:    now,
	}, secret, nil
}

func (a *Merchants) writeAPIKey(ctx context.Context, tx billing.Tx, k billing.APIKey) error {
	if err := tx.Merchants.CreateAPIKey(ctx, k); err != nil {
		return fmt.Errorf("create api key: %w", err)
	}
	return a.audit(ctx, tx, change{merchantID: k.MerchantID, mode: k.Mode, action: "api_key.create", objectType: "api_key", objectID: k.ID, after: k})
}

// ListAPIKeys lists a merchant's keys (redacted; revoked ones too), oldest
// first, with when each was last used.
func (a *Merchants) ListAPIKeys(ctx context.Context, merchantID string) ([]billing.APIKey, error) {
	return read(ctx, a.core, func(tx billing.Tx) ([]billing.APIKey, error) {
		if _, err := tx.Merchants.GetMerchant(ctx, merchantID); err != nil {
			return nil, notFound(err, "merchant", merchantID)
		}
		keys, err := tx.Merchants.ListAPIKeys(ctx, merchantID)
		if err != nil {
			return nil, fmt.Errorf("list api keys: %w", err)
		}
		return keys, nil
	})
}

// RevokeAPIKey revokes a key; later requests with it get 401.
func (a *Merchants) RevokeAPIKey(ctx context.Context, keyID string) (billing.APIKey, error) {
	var k billing.APIKey
	err := a.store.InTx(ctx, func(tx billing.Tx) error {
		before, err := tx.Merchants.GetAPIKey(ctx, keyID)
		if err != nil {
			return notFound(err, "api_key", keyID)
		}
		if err := tx.Merchants.RevokeAPIKey(ctx, keyID, a.Now()); err != nil {
			return fmt.Errorf("revoke api key %s: %w", keyID, err)
		}
		if k, err = tx.Merchants.GetAPIKey(ctx, keyID); err != nil {
			return fmt.Errorf("reload api key %s: %w", keyID, err)
		}
		return a.audit(ctx, tx, change{merchantID: k.MerchantID, mode: k.Mode, action: "api_key.revoke", objectType: "api_key", objectID: k.ID, before: before, after: k})
	})
	return k, err
}

// lastUsedResolution bounds how often authentication writes last_used.
const lastUsedResolution = time.Minute

// Authenticate returns the key for a secret, or invalid_api_key. It records
// the key's last use at most once a minute, to keep reads cheap.
func (a *Merchants) Authenticate(ctx context.Context, secret string) (billing.APIKey, error) {
	invalid := invalidAPIKey()
	if !strings.HasPrefix(secret, "sk_test_") && !strings.HasPrefix(secret, "sk_live_") {
		return billing.APIKey{}, invalid
	}
	var k billing.APIKey
	err := a.store.InTx(ctx, func(tx billing.Tx) error {
		var err error
		k, err = tx.Merchants.GetAPIKeyByHash(ctx, HashAPIKey(secret))
		if err != nil {
			return err
		}
		if k.Revoked != nil {
			return billing.ErrNotFound
		}
		now := a.Now()
		if k.LastUsed == nil || now.Sub(*k.LastUsed) >= lastUsedResolution {
			k.LastUsed = &now
			return tx.Merchants.TouchAPIKey(ctx, k.ID, now)
		}
		return nil
	})
	if err != nil {
		if errors.Is(err, billing.ErrNotFound) {
			return billing.APIKey{}, invalid
		}
		return billing.APIKey{}, fmt.Errorf("authenticate: %w", err)
	}
	return k, nil
}

// BootstrapMerchantID is the id of the merchant serve creates on an empty
// database.
const BootstrapMerchantID = billing.PrefixMerchant + "default"

// Bootstrap creates a default merchant with a test-mode key when the
// database has no merchant yet, so a fresh `cuota serve` is usable at once.
// It returns the secret, or "" when merchants already existed.
func (a *Merchants) Bootstrap(ctx context.Context) (billing.Merchant, string, error) {
	// One transaction and a fixed id: two processes starting at once on an
	// empty database cannot both create a merchant (the second one's insert
	// fails on the id and it finds the first one's merchant).
	m, err := a.newMerchant(BootstrapMerchantID, CreateMerchantParams{Name: "Default merchant"})
	if err != nil {
		return billing.Merchant{}, "", err
	}
	k, secret, err := a.newAPIKey(m.ID, billing.ModeTest)
	if err != nil {
		return billing.Merchant{}, "", err
	}
	created := false
	err = a.store.InTx(ctx, func(tx billing.Tx) error {
		ms, err := tx.Merchants.ListMerchants(ctx)
		if err != nil || len(ms) > 0 {
			return err
		}
		if err := a.writeMerchant(ctx, tx, m); err != nil {
			return err
		}
		created = true
		return a.writeAPIKey(ctx, tx, k)
	})
	var uv *billing.ErrUniqueViolation
	if errors.As(err, &uv) {
		return billing.Merchant{}, "", nil // another process bootstrapped first
	}
	if err != nil || !created {
		return billing.Merchant{}, "", err
	}
	return m, secret, nil
}
