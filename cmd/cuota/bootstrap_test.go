package main

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/invoicepdf"
	"github.com/cuota/cuota/internal/mail"
	"github.com/cuota/cuota/internal/postgres"
	"github.com/cuota/cuota/internal/postgres/pgtest"
	"github.com/cuota/cuota/internal/webhookout"
)

// TestBootstrapRace: processes starting at once on an empty PostgreSQL
// database create one default merchant and print one key between them.
func TestBootstrapRace(t *testing.T) {
	t.Parallel()
	url := pgtest.URL(t)
	ctx := context.Background()
	const n = 4
	apps := make([]*app.App, n)
	for i := range n {
		s, err := postgres.Open(ctx, url, slog.New(slog.DiscardHandler))
		require.NoError(t, err)
		t.Cleanup(func() { _ = s.Close() })
		require.NoError(t, s.Migrate(ctx))
		apps[i], err = app.New(app.Config{
			Store: s,
			Now:   time.Now,
			Ports: app.Ports{InvoicePDF: invoicepdf.Renderer{}, EmailRenderer: mail.Renderer{}, Webhooks: &webhookout.Webhooks{}},
		})
		require.NoError(t, err)
	}
	secrets := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			_, secrets[i], errs[i] = apps[i].Merchants.Bootstrap(ctx)
		})
	}
	close(start)
	wg.Wait()
	printed := 0
	for i := range n {
		require.NoError(t, errs[i])
		if secrets[i] != "" {
			printed++
		}
	}
	require.Equal(t, 1, printed, "one process prints the key")
	ms, err := apps[0].Merchants.ListMerchants(ctx)
	require.NoError(t, err)
	require.Len(t, ms, 1)
	require.Equal(t, app.BootstrapMerchantID, ms[0].ID)
	_, secret, err := apps[1].Merchants.Bootstrap(ctx)
	require.NoError(t, err)
	require.Empty(t, secret, "a later start creates nothing")
}
