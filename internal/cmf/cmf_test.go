package cmf_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/cmf"
	"github.com/cuota/cuota/internal/cmfsim"
)

// The CMF's published example body for one day, as clients of the API
// read it.
const publishedBody = `{"UFs":[{"Valor":"39.485,65","Fecha":"2026-12-07"}]}`

func TestUFRateReadsThePublishedBody(t *testing.T) {
	var path, query string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path, query = r.URL.Path, r.URL.RawQuery
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, publishedBody)
	}))
	defer srv.Close()
	c := &cmf.Client{BaseURL: srv.URL + "/api-sbifv3/recursos_api", APIKey: "k3y"}
	v, found, err := c.UFRate(context.Background(), "2026-12-07")
	require.NoError(t, err)
	require.True(t, found)
	require.Equal(t, int64(3948565), v)
	require.Equal(t, "/api-sbifv3/recursos_api/uf/2026/12/dias/07", path)
	require.Equal(t, "apikey=k3y&formato=json", query)

	// An answer about another day is no value for this one.
	_, found, err = c.UFRate(context.Background(), "2026-12-08")
	require.NoError(t, err)
	require.False(t, found)
}

func TestUFRateAgainstTheFake(t *testing.T) {
	fake := cmfsim.New("good")
	fake.Set("2026-12-07", "39.485,65")
	srv := httptest.NewServer(fake.Handler())
	defer srv.Close()
	ctx := context.Background()
	c := &cmf.Client{BaseURL: srv.URL, APIKey: "good"}

	v, found, err := c.UFRate(ctx, "2026-12-07")
	require.NoError(t, err)
	require.True(t, found)
	require.Equal(t, int64(3948565), v)

	_, found, err = c.UFRate(ctx, "2026-12-08")
	require.NoError(t, err, "a day without a value is not an error")
	require.False(t, found)

	bad := &cmf.Client{BaseURL: srv.URL, APIKey: "wrong"}
	_, _, err = bad.UFRate(ctx, "2026-12-07")
	require.ErrorIs(t, err, cmf.ErrRefused)
	require.Contains(t, err.Error(), "apikey")
	require.NotContains(t, err.Error(), "wrong")

	fake.FailNext(1)
	_, found, err = c.UFRate(ctx, "2026-12-07")
	require.Error(t, err)
	require.False(t, errors.Is(err, cmf.ErrRefused), "a 5xx is worth asking again")
	require.False(t, found)
	v, found, err = c.UFRate(ctx, "2026-12-07")
	require.NoError(t, err)
	require.True(t, found)
	require.Equal(t, int64(3948565), v)
}

func TestUFRateUnreachable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close()
	_, found, err := (&cmf.Client{BaseURL: srv.URL, APIKey: "secret-key"}).UFRate(context.Background(), "2026-12-07")
	require.Error(t, err)
	require.False(t, found)
	require.NotContains(t, err.Error(), "secret-key")
}

func TestParseValor(t *testing.T) {
	for in, want := range map[string]int64{"39.485,65": 3948565, "39.485,6": 3948560, "39485,65": 3948565,
		"39.485": 3948500, "1.039.485,65": 103948565, "0,01": 1} {
		got, err := cmf.ParseValor(in)
		require.NoError(t, err, in)
		require.Equal(t, want, got, in)
	}
	for _, in := range []string{"", "39,485.65", "39.48,65", "39.485,655", "39485.65", "-1,00", "0,00", "3.9485,65", ",65", "39.485,", "abc",
		"39.485,6a", "+39.485,65", "10.000.000,01"} {
		_, err := cmf.ParseValor(in)
		require.Error(t, err, in)
	}
	// The translated value is checked by billing's rule, the one that reads
	// a value set by hand: the same bound, the same centavos.
	v, err := billing.ParseUFValue("value", "10000000")
	require.NoError(t, err)
	got, err := cmf.ParseValor("10.000.000")
	require.NoError(t, err)
	require.Equal(t, v, got)
}
