package httpapi_test

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/httpapi"
)

// TestBadInputSweep walks every operation of the OpenAPI document the
// server serves and sends it bad input: each body property (nested ones
// too) replaced by a wrong type, null, NUL, invalid UTF-8, a huge string,
// deep nesting and extreme numbers; each path parameter and query
// parameter set to bad values; whole bodies that are not objects; wrong
// content types. Path parameters otherwise hold ids of objects that exist,
// and bodies otherwise hold plausible values, so the bad value reaches as
// deep as it can. No request may get a 5xx, on either store, and every
// error is problem+json with a code.
func TestBadInputSweep(t *testing.T) {
	for _, kind := range storeKinds {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			newSweep(t, kind).run(t)
		})
	}
}

// Markers stand for bytes that json.Marshal cannot produce; they are
// spliced into the encoded body.
const (
	markInvalidUTF8 = "@@sweep-invalid-utf8@@"
	markDeep        = "@@sweep-deep@@"
	markBigInt      = "@@sweep-big-int@@"
)

var markers = strings.NewReplacer(
	`"`+markInvalidUTF8+`"`, "\"a\xffb\xc3\"",
	`"`+markDeep+`"`, strings.Repeat("[", 20_000)+strings.Repeat("]", 20_000),
	`"`+markBigInt+`"`, "123456789012345678901234567890",
)

// badValues replace one body property at a time.
var badValues = []any{
	nil, "", "a\x00b", markInvalidUTF8, strings.Repeat("x", 100_000), markDeep, markBigInt,
	int64(9223372036854775807), int64(-9223372036854775808), 1e308, -1e308, -1, 0, 1.5,
	true, map[string]any{}, []any{}, map[string]any{"a\x00": 1},
}

// badPathValues replace one path parameter at a time (already escaped).
var badPathValues = []string{"%00", "%ff", "nope", "a%00b", strings.Repeat("x", 4000), "%2F", "..", "%20"}

// badQueryValues replace one query parameter at a time (already escaped).
var badQueryValues = []string{"%00", "%ff", "%zz", "", "-1", "0", "99999999999999999999", "1e308", "abc", "true", strings.Repeat("x", 10_000)}

// badBodies are whole bodies sent to operations that take one.
var badBodies = []string{"null", "[]", `"s"`, "1", "{", "{}", `{"a":1}`, strings.Repeat("[", 50_000), "\xff", "{\"\xff\":1}"}

type sweep struct {
	srv    *httpapi.Server
	bundle *testBundle
	doc    map[string]any
	// ids holds an id of an existing object by collection ("customers",
	// "subscriptions"…) and by body property name ("customer", "price"…).
	ids      map[string]string
	failures []string
	sent     int
}

func newSweep(t *testing.T, kind string) *sweep {
	srv, b := newServerOn(t, httpapi.Config{}, kind)
	b.withSim()
	s := &sweep{srv: srv, bundle: b, ids: map[string]string{}}
	res := s.send(t, http.MethodGet, "/openapi.json", "", nil, nil)
	require.Equal(t, http.StatusOK, res.Code)
	require.NoError(t, json.Unmarshal(res.Body.Bytes(), &s.doc))

	// The objects bodies and paths refer to, created with the good bodies.
	create := func(collection, path string) {
		res := s.send(t, http.MethodPost, path, "application/json", mustJSON(t, s.good("POST "+path)), nil)
		require.Equal(t, http.StatusOK, res.Code, "POST %s: %s", path, res.Body)
		var v struct{ ID string }
		require.NoError(t, json.Unmarshal(res.Body.Bytes(), &v))
		s.ids[collection] = v.ID
	}
	for _, c := range []string{"products", "prices", "customers"} {
		create(c, "/v1/"+c)
	}
	cus := "/v1/customers/" + s.ids["customers"]
	create("payment_methods", cus+"/payment_methods")
	for _, c := range []string{"subscriptions", "coupons", "promotion_codes", "test_clocks", "webhook_endpoints", "checkout_sessions", "publishable_keys"} {
		create(c, "/v1/"+c)
	}
	create("payment_method_setups", cus+"/payment_method_setups")
	for _, c := range []string{"invoices", "payments", "events", "emails"} {
		res := s.send(t, http.MethodGet, "/v1/"+c, "", nil, nil)
		require.Equal(t, http.StatusOK, res.Code, "GET %s: %s", c, res.Body)
		var page struct{ Data []struct{ ID string } }
		require.NoError(t, json.Unmarshal(res.Body.Bytes(), &page))
		if len(page.Data) > 0 {
			s.ids[c] = page.Data[0].ID
		}
	}
	s.ids["deliveries"] = "whd_nope" // no delivery exists without the jobs runner
	s.ids["gateways"] = "stripe"     // only sim is installed: nothing leaves the machine
	// Body properties that refer to objects.
	for _, ref := range []string{"product", "price", "customer", "payment_method", "subscription", "coupon", "invoice", "payment", "test_clock"} {
		s.ids[ref] = s.ids[ref+"s"]
	}
	s.ids["promotion_code"] = "SWEEP"
	return s
}

// good returns a body the operation ("POST /v1/products") accepts, so that
// a bad value added to it is what the request is refused for; nil if the
// sweep has none.
func (s *sweep) good(op string) map[string]any {
	cusPath := "/v1/customers/" + s.ids["customers"]
	switch op {
	case "POST /v1/products":
		return map[string]any{"name": "Plan"}
	case "POST /v1/prices":
		return map[string]any{"product": s.ids["products"], "unit_amount": 5000, "currency": "CLP", "recurring": map[string]any{"interval": "month"}}
	case "POST /v1/customers":
		return map[string]any{"email": "ana@example.com"}
	case "POST " + cusPath + "/payment_methods":
		return map[string]any{"gateway": "sim", "token": billing.SimTokVisa}
	case "POST " + cusPath + "/payment_method_setups":
		return map[string]any{"gateway": "sim", "return_url": "https://example.com/r"}
	case "POST /v1/subscriptions":
		return map[string]any{"customer": s.ids["customers"], "items": []any{map[string]any{"price": s.ids["prices"]}}, "payment_method": s.ids["payment_methods"]}
	case "POST /v1/coupons":
		return map[string]any{"percent_off": 10}
	case "POST /v1/promotion_codes":
		return map[string]any{"coupon": s.ids["coupons"], "code": "SWEEP"}
	case "POST /v1/test_clocks":
		return map[string]any{"frozen_time": 1772400000}
	case "POST /v1/webhook_endpoints":
		return map[string]any{"url": "http://127.0.0.1:1/hooks", "enabled_events": []any{"*"}}
	case "POST /v1/checkout_sessions":
		return map[string]any{"mode": "setup", "customer": s.ids["customers"], "success_url": "https://example.com/ok", "cancel_url": "https://example.com/no"}
	case "POST /v1/publishable_keys":
		return map[string]any{}
	case "POST /v1/invoices":
		return map[string]any{"customer": s.ids["customers"], "currency": "CLP", "items": []any{map[string]any{"amount": 1000, "description": "Setup"}}}
	case "POST /v1/refunds":
		return map[string]any{"payment": s.ids["payments"], "amount": 1}
	case "PUT /v1/merchant/gateways/stripe":
		return map[string]any{"api_key": "sk_test_sweep"}
	}
	return nil
}

func mustJSON(t *testing.T, v any) []byte {
	buf, err := json.Marshal(v)
	require.NoError(t, err)
	return buf
}

// destructive operations run late (deletions last) so the others find
// their objects alive.
var destructive = regexp.MustCompile(`(cancel|void|revoke|expire|mark_uncollectible|pause|rotate_secret|advance)$`)

func (s *sweep) run(t *testing.T) {
	type operation struct {
		method, path string
		op           map[string]any
	}
	var ops []operation
	paths, _ := s.doc["paths"].(map[string]any)
	for _, path := range slices.Sorted(maps.Keys(paths)) {
		methods, _ := paths[path].(map[string]any)
		for _, m := range slices.Sorted(maps.Keys(methods)) {
			op, _ := methods[m].(map[string]any)
			ops = append(ops, operation{strings.ToUpper(m), path, op})
		}
	}
	rank := func(o operation) int {
		switch {
		case o.method == http.MethodDelete:
			return 2
		case destructive.MatchString(o.path):
			return 1
		}
		return 0
	}
	slices.SortStableFunc(ops, func(a, b operation) int { return rank(a) - rank(b) })
	require.Greater(t, len(ops), 50, "the document lists the operations")
	for _, o := range ops {
		s.operation(t, o.method, o.path, o.op)
	}
	t.Logf("%d requests over %d operations", s.sent, len(ops))
	require.Zero(t, len(s.failures), "%d requests got a bad response:\n%s", len(s.failures), strings.Join(s.failures, "\n"))
}

// operation sends one operation its bad inputs.
func (s *sweep) operation(t *testing.T, method, path string, op map[string]any) {
	var pathParams, queryParams []string
	for _, p := range asSlice(op["parameters"]) {
		p, _ := p.(map[string]any)
		name, _ := p["name"].(string)
		switch p["in"] {
		case "path":
			pathParams = append(pathParams, name)
		case "query":
			queryParams = append(queryParams, name)
		}
	}
	// good fills the path with ids of existing objects; override replaces
	// one path parameter.
	fill := func(override map[string]string) string {
		out := path
		segs := strings.Split(path, "/")
		for i, seg := range segs {
			if !strings.HasPrefix(seg, "{") {
				continue
			}
			name := strings.Trim(seg, "{}")
			v, ok := override[name]
			if !ok {
				v = url.PathEscape(cmp.Or(s.ids[segs[i-1]], "nope"))
			}
			out = strings.Replace(out, seg, v, 1)
		}
		return out
	}
	var bodySchema map[string]any
	if rb, ok := op["requestBody"].(map[string]any); ok {
		content, _ := rb["content"].(map[string]any)
		media, _ := content["application/json"].(map[string]any)
		bodySchema = s.resolve(media["schema"])
	}
	// base is the good body of the operation, or the body with its
	// required properties only: optional ones often exclude each other,
	// and each is added, bad, on its own below.
	base := func() map[string]any {
		if bodySchema == nil {
			return nil
		}
		if v := s.good(method + " " + fill(nil)); v != nil {
			return v
		}
		v, _ := s.example("", bodySchema, 0).(map[string]any)
		required := asSlice(bodySchema["required"])
		for k := range v {
			if !slices.Contains(required, any(k)) {
				delete(v, k)
			}
		}
		return v
	}
	props, _ := bodySchema["properties"].(map[string]any)
	ct := ""
	if bodySchema != nil {
		ct = "application/json"
	}
	encode := func(body map[string]any) []byte {
		if body == nil {
			return nil
		}
		buf, err := json.Marshal(body)
		require.NoError(t, err)
		return []byte(markers.Replace(string(buf)))
	}

	// The plain request, then each path parameter and query parameter bad.
	if res := s.check(t, method, fill(nil), ct, encode(base()), nil); res.Code >= 300 && testing.Verbose() {
		t.Logf("plain %s %s: %d %.200s", method, path, res.Code, res.Body)
	}
	for _, p := range pathParams {
		for _, v := range badPathValues {
			s.check(t, method, fill(map[string]string{p: v}), ct, encode(base()), nil)
		}
	}
	for _, q := range queryParams {
		for _, v := range badQueryValues {
			s.check(t, method, fill(nil)+"?"+url.QueryEscape(q)+"="+v, ct, encode(base()), nil)
		}
	}
	if method == http.MethodPost {
		for _, k := range []string{"k\xff", strings.Repeat("k", 300)} {
			s.check(t, method, fill(nil), ct, encode(base()), map[string]string{"Idempotency-Key": k})
		}
	}
	if bodySchema == nil {
		return
	}
	// Each body property, at every depth, bad.
	for _, at := range s.properties(nil, bodySchema, 0) {
		for _, v := range badValues {
			body := base()
			if _, ok := body[at[0].key]; !ok {
				body[at[0].key] = s.example(at[0].key, s.resolve(props[at[0].key]), 1)
			}
			setAt(body, at, v)
			s.check(t, method, fill(nil), ct, encode(body), nil)
		}
	}
	for _, b := range badBodies {
		s.check(t, method, fill(nil), ct, []byte(b), nil)
	}
	for _, c := range []string{"text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/json; charset=latin1", "application/xml"} {
		s.check(t, method, fill(nil), c, encode(base()), nil)
	}
	s.check(t, method, fill(nil), "", nil, nil)
}

// step is one step into a body: an object key or an array index.
type step struct {
	key   string
	index int
}

// properties lists the paths of every property of schema, nested ones
// included (arrays through their first item).
func (s *sweep) properties(prefix []step, schema map[string]any, depth int) [][]step {
	if depth > 4 {
		return nil
	}
	var out [][]step
	props, _ := schema["properties"].(map[string]any)
	for _, name := range slices.Sorted(maps.Keys(props)) {
		at := append(slices.Clone(prefix), step{key: name})
		out = append(out, at)
		ps := s.resolve(props[name])
		if hasType(ps, "array") {
			out = append(out, s.properties(append(at, step{index: 0, key: ""}), s.resolve(ps["items"]), depth+1)...)
		} else {
			out = append(out, s.properties(at, ps, depth+1)...)
		}
	}
	return out
}

// setAt replaces the value at path in body.
func setAt(body map[string]any, path []step, v any) {
	var cur any = body
	for i, st := range path {
		lastStep := i == len(path)-1
		switch c := cur.(type) {
		case map[string]any:
			if lastStep {
				c[st.key] = v
				return
			}
			cur = c[st.key]
		case []any:
			if len(c) == 0 {
				return
			}
			if lastStep {
				c[0] = v
				return
			}
			cur = c[0]
		default:
			return
		}
	}
}

// resolve follows a $ref into the document's components.
func (s *sweep) resolve(v any) map[string]any {
	m, _ := v.(map[string]any)
	ref, ok := m["$ref"].(string)
	if !ok {
		return m
	}
	comps, _ := s.doc["components"].(map[string]any)
	schemas, _ := comps["schemas"].(map[string]any)
	out, _ := schemas[strings.TrimPrefix(ref, "#/components/schemas/")].(map[string]any)
	return out
}

func hasType(schema map[string]any, typ string) bool {
	switch t := schema["type"].(type) {
	case string:
		return t == typ
	case []any:
		return slices.Contains(t, any(typ))
	}
	return false
}

func asSlice(v any) []any {
	s, _ := v.([]any)
	return s
}

// example builds a plausible value for a property: an id of an existing
// object for a reference, a URL for a URL, the first value of an enum.
func (s *sweep) example(name string, schema map[string]any, depth int) any {
	if enum := asSlice(schema["enum"]); len(enum) > 0 {
		return enum[0]
	}
	switch {
	case hasType(schema, "object") || schema["properties"] != nil:
		out := map[string]any{}
		if depth > 4 {
			return out
		}
		props, _ := schema["properties"].(map[string]any)
		for k, p := range props {
			out[k] = s.example(k, s.resolve(p), depth+1)
		}
		if ap, ok := schema["additionalProperties"].(map[string]any); ok && len(props) == 0 {
			out["k"] = s.example("k", s.resolve(ap), depth+1)
		}
		return out
	case hasType(schema, "array"):
		if name == "enabled_events" {
			return []any{"*"}
		}
		return []any{s.example(name, s.resolve(schema["items"]), depth+1)}
	case hasType(schema, "integer"), hasType(schema, "number"):
		switch {
		case name == "frozen_time" || strings.HasSuffix(name, "_at") || strings.HasSuffix(name, "_date") ||
			name == "redeem_by" || name == "billing_cycle_anchor":
			return 1772500000 // a day after the test clock's start
		case name == "quantity" || name == "interval_count":
			return 1
		}
		return 10
	case hasType(schema, "boolean"):
		return false
	case hasType(schema, "string"):
		switch {
		case s.ids[name] != "":
			return s.ids[name]
		case strings.Contains(name, "url"):
			return "https://example.com/r"
		case strings.Contains(name, "email"):
			return "ana@example.com"
		case name == "currency":
			return "CLP"
		case name == "gateway":
			return "sim"
		case name == "token":
			return billing.SimTokVisa
		case name == "locale":
			return "es-CL"
		case name == "timezone":
			return "America/Santiago"
		}
		return "sweep"
	}
	return nil
}

// send serves one request directly (no network) with merchant A's test
// key.
func (s *sweep) send(t *testing.T, method, target, contentType string, body []byte, hdr map[string]string) *httptest.ResponseRecorder {
	req := httptest.NewRequestWithContext(t.Context(), method, "/", bytes.NewReader(body))
	// The target may hold escapes NewRequest would refuse; set it as sent.
	u, err := url.ParseRequestURI(target)
	if err != nil {
		u = &url.URL{Path: target}
	}
	req.URL, req.RequestURI = u, target
	req.Header.Set("Authorization", "Bearer "+s.bundle.a.Secret)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	s.srv.ServeHTTP(rec, req)
	s.sent++
	return rec
}

// check sends one request and records what is wrong with its response.
func (s *sweep) check(t *testing.T, method, target, contentType string, body []byte, hdr map[string]string) *httptest.ResponseRecorder {
	res := s.send(t, method, target, contentType, body, hdr)
	shown := string(body)
	if len(shown) > 200 {
		shown = shown[:200] + "…(" + strconv.Itoa(len(body)) + " bytes)"
	}
	shownTarget := target
	if len(shownTarget) > 200 {
		shownTarget = shownTarget[:200] + "…"
	}
	fail := func(why string) {
		s.failures = append(s.failures, fmt.Sprintf("%s %s %q %v [%s]: %s: %.300s", method, shownTarget, shown, hdr, contentType, why, res.Body))
	}
	switch {
	case res.Code >= 500:
		fail("status " + strconv.Itoa(res.Code))
	case res.Code >= 400:
		var p httpapi.Problem
		if res.Header().Get("Content-Type") != "application/problem+json" || json.Unmarshal(res.Body.Bytes(), &p) != nil || p.Code == "" || p.Status != res.Code {
			fail("status " + strconv.Itoa(res.Code) + " is not a problem with a code")
		}
	}
	return res
}
