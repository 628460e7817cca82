package storetest

import (
	"crypto/sha256"
	"encoding/hex"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/billing"
)

// exerciseProfiles checks the merchant profile, the customer tax profile
// and merchant logos.
func exerciseProfiles(t *testing.T, setup setupFunc) {
	t.Helper()

	t.Run("MerchantProfileRoundTrip", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		m := buildMerchant(b.clock.next())
		m.Profile = sampleMerchantProfile()
		require.NoError(t, tx.Merchants.CreateMerchant(ctx, m))
		tx.commit(t)

		tx = begin(t, b.store)
		got, err := tx.Merchants.GetMerchant(ctx, m.ID)
		require.NoError(t, err)
		require.Equal(t, m, got)

		got.Profile.Activity = "Venta de software"
		got.Profile.Logo = nil
		got.Profile.Address.Line2 = ""
		require.NoError(t, tx.Merchants.UpdateMerchant(ctx, got))
		tx.commit(t)

		tx = begin(t, b.store)
		again, err := tx.Merchants.GetMerchant(ctx, m.ID)
		require.NoError(t, err)
		require.Equal(t, got, again)
		tx.commit(t)
	})

	t.Run("CustomerTaxProfileRoundTrip", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		c := newCustomer(t, tx.Tx, b.scope, b.clock.next(), func(c *billing.Customer) {
			c.TaxProfile = billing.CustomerTaxProfile{
				LegalName: "Inmobiliaria Los Aromos SpA",
				Address:   billing.Address{Line1: "Los Aromos 55", District: "Ñuñoa", City: "Santiago", Country: "CL"},
				TaxIDs:    []billing.TaxID{{Type: billing.TaxIDChileRUT, Value: "76086428-5"}, {Type: "ar_cuit", Value: "20-12345678-9"}},
			}
		})
		plain := newCustomer(t, tx.Tx, b.scope, b.clock.next())
		tx.commit(t)

		tx = begin(t, b.store)
		got, err := tx.Customers.GetCustomer(ctx, b.scope, c.ID)
		require.NoError(t, err)
		require.Equal(t, c, got)
		gotPlain, err := tx.Customers.GetCustomer(ctx, b.scope, plain.ID)
		require.NoError(t, err)
		require.Equal(t, plain, gotPlain)

		got.TaxProfile.TaxIDs = nil
		got.TaxProfile.LegalName = "Los Aromos"
		require.NoError(t, tx.Customers.UpdateCustomer(ctx, got))
		tx.commit(t)

		tx = begin(t, b.store)
		again, err := tx.Customers.GetCustomer(ctx, b.scope, c.ID)
		require.NoError(t, err)
		require.Equal(t, got, again)
		tx.commit(t)
	})

	t.Run("Logos", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()
		first, second := sampleLogo("first"), sampleLogo("second")

		tx := begin(t, b.store)
		require.NoError(t, tx.Merchants.PutMerchantLogo(ctx, b.merchantA.ID, first, b.clock.next()))
		tx.commit(t)

		tx = begin(t, b.store)
		got, err := tx.Merchants.GetLogo(ctx, first.SHA256)
		require.NoError(t, err)
		require.Equal(t, first, got)
		// A new logo replaces the merchant's old one.
		require.NoError(t, tx.Merchants.PutMerchantLogo(ctx, b.merchantA.ID, second, b.clock.next()))
		_, err = tx.Merchants.GetLogo(ctx, first.SHA256)
		require.ErrorIs(t, err, billing.ErrNotFound)
		got, err = tx.Merchants.GetLogo(ctx, second.SHA256)
		require.NoError(t, err)
		require.Equal(t, second, got)
		// Two merchants may use the same bytes.
		require.NoError(t, tx.Merchants.PutMerchantLogo(ctx, b.merchantB.ID, second, b.clock.next()))
		require.NoError(t, tx.Merchants.DeleteMerchantLogo(ctx, b.merchantA.ID))
		got, err = tx.Merchants.GetLogo(ctx, second.SHA256)
		require.NoError(t, err)
		require.Equal(t, second, got)
		require.NoError(t, tx.Merchants.DeleteMerchantLogo(ctx, b.merchantB.ID))
		_, err = tx.Merchants.GetLogo(ctx, second.SHA256)
		require.ErrorIs(t, err, billing.ErrNotFound)
		// Deleting when there is none is no error.
		require.NoError(t, tx.Merchants.DeleteMerchantLogo(ctx, b.merchantB.ID))
		tx.commit(t)
	})
}

func sampleMerchantProfile() billing.MerchantProfile {
	return billing.MerchantProfile{
		LegalName: "Agente Inmobiliario SpA",
		TaxID:     "76086428-5",
		Activity:  "Servicios de software",
		Address: billing.Address{Line1: "Av. Providencia 1234", Line2: "Of. 501", District: "Providencia",
			City: "Santiago", State: "Región Metropolitana", Country: "CL"},
		SupportEmail: "soporte@agente.cl",
		SupportPhone: "+56 2 2345 6789",
		BrandColor:   "#0b5fff",
		Logo:         &billing.LogoRef{SHA256: hex.EncodeToString(make([]byte, 32)), ContentType: billing.LogoPNG},
	}
}

// sampleLogo is stored bytes (binary, NUL included) named by their hash.
func sampleLogo(seed string) billing.Logo {
	data := append([]byte("\x89PNG\r\n\x1a\n\x00"), seed...)
	sum := sha256.Sum256(data)
	return billing.Logo{LogoRef: billing.LogoRef{SHA256: hex.EncodeToString(sum[:]), ContentType: billing.LogoPNG}, Data: data}
}
