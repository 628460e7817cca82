package web

import (
	"bytes"
	"io"
	"mime"
	"net/http"
	"net/url"

	"github.com/cuota/cuota/internal/billing"
)

// validText refuses, with a 400 page, a request whose path, query or form
// holds text no store can hold (billing.ValidText: NUL characters or
// invalid UTF-8). PostgreSQL fails on such text where SQLite stores it, so
// the check runs before any handler, and both stores answer alike. A form
// larger than maxForm is passed on whole: its handler answers 413.
func (h *handler) validText(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		l := pickLang(r)
		query, _ := url.ParseQuery(r.URL.RawQuery) // pairs it cannot decode, no handler reads either
		if !billing.ValidText(r.URL.Path) || !validValues(query) {
			h.hostedMessage(w, r, http.StatusBadRequest, l, l.BadTitle, l.NotFoundBody)
			return
		}
		if r.Method == http.MethodPost && r.Body != nil {
			if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "application/x-www-form-urlencoded" {
				head, err := io.ReadAll(io.LimitReader(r.Body, maxForm+1))
				if err != nil {
					h.hostedMessage(w, r, http.StatusBadRequest, l, l.BadTitle, l.BadForm)
					return
				}
				r.Body = struct {
					io.Reader
					io.Closer
				}{io.MultiReader(bytes.NewReader(head), r.Body), r.Body}
				form, _ := url.ParseQuery(string(head))
				if len(head) <= maxForm && !validValues(form) {
					h.hostedMessage(w, r, http.StatusBadRequest, l, l.BadTitle, l.BadForm)
					return
				}
			}
		}
		next.ServeHTTP(w, r)
	})
}

// validValues reports whether every name and value of v is ValidText.
func validValues(v url.Values) bool {
	for name, values := range v {
		if !billing.ValidText(name) {
			return false
		}
		for _, s := range values {
			if !billing.ValidText(s) {
				return false
			}
		}
	}
	return true
}
