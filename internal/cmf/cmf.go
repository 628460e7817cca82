// Package cmf reads the UF's daily value from the CMF (Comisión para el
// Mercado Financiero), the official publisher, through its "API SBIF" v3
// (docs/uf.md). It implements app.UFSource and decides nothing: a day the
// CMF has no value for is reported as such, never filled in, and a value
// it answers is checked by billing's rule (ParseValor).
package cmf

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/cuota/cuota/internal/billing"
)

// DefaultBaseURL is the CMF API's address; CUOTA_CMF_BASE_URL replaces it
// (with cmfsim's, in tests and local development).
const DefaultBaseURL = "https://api.cmfchile.cl/api-sbifv3/recursos_api"

// Response is the body of a UF request: the values of the days asked for.
type Response struct {
	UFs []Value `json:"UFs"`
}

// Value is one day's value as the CMF writes it: the number in the Chilean
// format ("39.485,65": a point between thousands, a comma before the two
// decimals) and the day (YYYY-MM-DD).
type Value struct {
	Valor string `json:"Valor"`
	Fecha string `json:"Fecha"`
}

// ErrorBody is the body of the CMF's error answers.
type ErrorBody struct {
	CodigoHTTP  int    `json:"CodigoHTTP"`
	CodigoError int    `json:"CodigoError"`
	Mensaje     string `json:"Mensaje"`
}

// ErrRefused is matched by an answer that says the request itself is wrong
// (a 4xx other than "no data", usually a bad or missing API key): asking
// again will not help until the configuration changes.
var ErrRefused = errors.New("cmf: request refused")

// maxBody bounds an answer read (a day's value is a few dozen bytes).
const maxBody = 64 << 10

// Client asks the CMF for UF values.
type Client struct {
	// BaseURL is DefaultBaseURL when empty.
	BaseURL string
	// APIKey is the key the CMF gives on registration (CUOTA_CMF_API_KEY).
	APIKey string
	// HTTP is the client calls go through (a 10-second timeout when nil).
	HTTP *http.Client
}

var defaultHTTP = &http.Client{Timeout: 10 * time.Second}

// UFRate returns the UF's value on date (YYYY-MM-DD) in centavos. found
// is false when the CMF has no value for the day (a 404, or an answer
// without that day). A 4xx is ErrRefused; a 5xx, a bad body or no answer
// is another error.
func (c *Client) UFRate(ctx context.Context, date string) (int64, bool, error) {
	d, err := time.Parse(time.DateOnly, date)
	if err != nil {
		return 0, false, fmt.Errorf("cmf: bad date %q", date)
	}
	base := c.BaseURL
	if base == "" {
		base = DefaultBaseURL
	}
	u := fmt.Sprintf("%s/uf/%04d/%02d/dias/%02d?%s", strings.TrimRight(base, "/"), d.Year(), int(d.Month()), d.Day(),
		url.Values{"apikey": {c.APIKey}, "formato": {"json"}}.Encode())
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return 0, false, fmt.Errorf("cmf: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	hc := c.HTTP
	if hc == nil {
		hc = defaultHTTP
	}
	res, err := hc.Do(req)
	if err != nil {
		return 0, false, fmt.Errorf("cmf: uf %s: %w", date, redact(err, c.APIKey))
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, maxBody))
	if err != nil {
		return 0, false, fmt.Errorf("cmf: uf %s: read answer: %w", date, err)
	}
	switch {
	case res.StatusCode == http.StatusNotFound:
		return 0, false, nil // the CMF has no value for that day (yet)
	case res.StatusCode >= 400 && res.StatusCode < 500:
		return 0, false, fmt.Errorf("%w: uf %s: HTTP %d: %s", ErrRefused, date, res.StatusCode, message(body))
	case res.StatusCode != http.StatusOK:
		return 0, false, fmt.Errorf("cmf: uf %s: HTTP %d: %s", date, res.StatusCode, message(body))
	}
	var r Response
	if err := json.Unmarshal(body, &r); err != nil {
		return 0, false, fmt.Errorf("cmf: uf %s: bad answer: %w", date, err)
	}
	for _, v := range r.UFs {
		if v.Fecha != date {
			continue
		}
		cents, err := ParseValor(v.Valor)
		if err != nil {
			return 0, false, fmt.Errorf("cmf: uf %s: %w", date, err)
		}
		return cents, true, nil
	}
	return 0, false, nil
}

// message is the Mensaje of an error body, or the start of the body.
func message(body []byte) string {
	var e ErrorBody
	if json.Unmarshal(body, &e) == nil && e.Mensaje != "" {
		return e.Mensaje
	}
	if len(body) > 200 {
		body = body[:200]
	}
	return strings.TrimSpace(string(body))
}

// redact keeps the API key, which travels in the query, out of an error.
func redact(err error, key string) error {
	if key == "" {
		return err
	}
	return errors.New(strings.ReplaceAll(err.Error(), url.QueryEscape(key), "REDACTED"))
}

// ParseValor reads a value in the CMF's Chilean format ("39.485,65",
// "39.485,6", "39485,65", "39.485") and returns it in centavos. Writing
// a number the Chilean way is the CMF's wire format, so its translation
// lives here, in the adapter: points group thousands by three and a comma
// comes before at most two decimals, and the result is the API's form
// ("39485.65"). What a UF value is — its centavos, above zero, at most
// billing.MaxUFValue — is billing's one rule, billing.ParseUFValue, the
// same that reads a value set by hand with PUT /v1/uf_rates/{date}.
func ParseValor(s string) (int64, error) {
	d, ok := decimalOf(s)
	if !ok {
		return 0, fmt.Errorf("cmf: %q is not a value like 39.485,65", s)
	}
	v, err := billing.ParseUFValue("Valor", d)
	if err != nil {
		return 0, fmt.Errorf("cmf: %q: %w", s, err)
	}
	return v, nil
}

// decimalOf rewrites a number in the Chilean format as a plain decimal
// ("39.485,65" → "39485.65"); ok is false when the points do not group
// the whole part by three.
func decimalOf(s string) (string, bool) {
	whole, frac, hasComma := strings.Cut(s, ",")
	groups := strings.Split(whole, ".")
	for i, g := range groups {
		if g == "" || (i > 0 && len(g) != 3) || (i == 0 && len(groups) > 1 && len(g) > 3) {
			return "", false
		}
	}
	d := strings.Join(groups, "")
	if hasComma {
		d += "." + frac
	}
	return d, true
}
