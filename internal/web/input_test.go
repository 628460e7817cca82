package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/billing"
)

// TestTextNoStoreCanHold sends NUL characters and invalid UTF-8 in the path,
// the query and the form of hosted pages. PostgreSQL refuses such text
// (SQLite would store it): each is a 400 page on both stores, and the
// setup is left as it was.
func TestTextNoStoreCanHold(t *testing.T) {
	for _, kind := range []string{"sqlite", "postgres"} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			w := newWorldOn(t, "", kind)
			l := w.newSetup(t)
			for _, path := range []string{
				"/sim/setup/%00?secret=x", "/sim/setup/%ff?secret=x", l.path + "?secret=%00", l.path + "?secret=%ff",
				"/checkout/%00", "/checkout/cs_%ff", "/pricing/%00", "/portal/%ff", "/portal/%00/cancel/sub_1",
				"/invoice/%00/test/in_1", "/invoice/m_1/test/%ff", "/sim/pay/%ff/test/in_1", "/return/sim/setup/%00",
				"/return/pay/%00/test/in_1",
			} {
				res := w.get(t, path)
				require.Equal(t, http.StatusBadRequest, res.status, "GET %s: %s", path, res.body)
				requireSecure(t, res)
			}
			for _, form := range []url.Values{
				{"secret": {"\x00"}, "action": {"save"}, "token": {billing.SimTokVisa}},
				{"secret": {l.secret}, "action": {"save"}, "token": {"tok_\xff"}},
				{"secret": {l.secret}, "action": {"save"}, "token\x00": {billing.SimTokVisa}},
			} {
				res := w.submit(t, l, form)
				require.Equal(t, http.StatusBadRequest, res.status, "POST %q: %s", form, res.body)
				requireSecure(t, res)
			}
			for _, path := range []string{"/checkout/%00", "/pricing/%ff", "/portal/%00/card", "/invoice/%00/test/in_1"} {
				res := w.submit(t, link{path: path}, url.Values{"email": {"a@b.c"}})
				require.Equal(t, http.StatusBadRequest, res.status, "POST %s: %s", path, res.body)
			}
			res := w.submit(t, link{path: "/checkout/cs_1"}, url.Values{"email": {"a\x00@b.c"}})
			require.Equal(t, http.StatusBadRequest, res.status, res.body)
			require.True(t, strings.Contains(res.body, "<html") || strings.Contains(res.body, "<!DOCTYPE"), res.body)
			require.Empty(t, w.paymentMethods(t))
		})
	}
}
