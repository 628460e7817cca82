package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/danielgtaylor/huma/v2"

	"github.com/cuota/cuota/internal/billing"
)

// validText is the one place where the API refuses text no store can hold
// (billing.ValidText): in a path parameter, a query parameter, the
// Idempotency-Key header, or any key or string value of a JSON body. It
// runs before idempotency and the handlers, so no store ever sees such a
// value and both stores answer 400 parameter_invalid naming the parameter.
// mux is the operations' mux: its pattern names the path parameters.
func (s *Server) validText(mux *http.ServeMux, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := checkPath(mux, r); err != nil {
			s.writeProblem(w, r, err)
			return
		}
		if err := checkQuery(r.URL.RawQuery); err != nil {
			s.writeProblem(w, r, err)
			return
		}
		if err := billing.CheckText("Idempotency-Key", r.Header.Get("Idempotency-Key")); err != nil {
			s.writeProblem(w, r, err)
			return
		}
		if r.Body != nil && r.Body != http.NoBody && jsonContent(r.Header.Get("Content-Type")) {
			var body []byte
			var err error
			if r, body, err = s.bufferBody(r); err != nil {
				s.writeProblem(w, r, err)
				return
			}
			if err := checkJSON(body); err != nil {
				s.writeProblem(w, r, err)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// bufferBody reads r's whole body once and keeps it for the request's
// later readers: r.Body reads it again, and the context holds it for the
// checks that look at the bytes (strictCasing, idempotency). A read that
// fails is the client's fault: a body over the limit, or one that could
// not be read (a broken chunked encoding, a dropped connection).
func (s *Server) bufferBody(r *http.Request) (*http.Request, []byte, error) {
	if body, ok := r.Context().Value(keyBody).([]byte); ok {
		return r, body, nil
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return r, nil, tooLarge(s.cfg.BodyLimit)
		}
		return r, nil, billing.Errorf(billing.KindInvalid, billing.CodeBodyInvalid, "the request body could not be read")
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	return r.WithContext(context.WithValue(r.Context(), keyBody, body)), body, nil
}

// jsonContent reports whether huma would read a body of this content type
// as JSON (it assumes JSON when none is given). Other bodies are refused
// with 415 before anything reads them.
func jsonContent(contentType string) bool {
	if contentType == "" {
		return true
	}
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json"))
}

// checkPath checks each segment of the path; a segment that holds a
// parameter of the route is named by it, any other by "path". Requests that
// match no route are left to knownRoutes' 404.
func checkPath(mux *http.ServeMux, r *http.Request) error {
	_, pattern := mux.Handler(r)
	if pattern == "" {
		return nil
	}
	if _, p, ok := strings.Cut(pattern, " "); ok {
		pattern = p
	}
	names := strings.Split(pattern, "/")
	for i, seg := range strings.Split(r.URL.EscapedPath(), "/") {
		v, err := url.PathUnescape(seg)
		if err != nil {
			v = seg
		}
		param := "path"
		if i < len(names) && strings.HasPrefix(names[i], "{") {
			param = strings.TrimSuffix(strings.TrimSuffix(strings.TrimPrefix(names[i], "{"), "}"), "...")
		}
		if err := billing.CheckText(param, v); err != nil {
			return err
		}
	}
	return nil
}

// checkQuery checks every query parameter's name and values. Pairs that are
// not valid percent-encoding are skipped: url.ParseQuery drops them, so
// no handler reads them.
func checkQuery(rawQuery string) error {
	q, _ := url.ParseQuery(rawQuery)
	for name, values := range q {
		param := billing.PrintableParam(name)
		if err := billing.CheckText(param, name); err != nil {
			return err
		}
		for _, v := range values {
			if err := billing.CheckText(param, v); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkJSON walks a JSON body token by token and checks every object key
// and string value. The raw bytes are checked too: encoding/json silently
// replaces invalid UTF-8 with U+FFFD, so only the raw token shows it. The
// bad string is named like huma names body parameters: "items[0].price",
// "metadata.key". A body that is not valid JSON is left to huma, which
// reports it as body_invalid.
func checkJSON(body []byte) error {
	// Almost every body is clean: valid UTF-8 holds no NUL but as the
	// escape \u0000 (a raw NUL is not JSON). Only the others are walked,
	// to name the parameter.
	if utf8.Valid(body) && !bytes.Contains(body, []byte(`\u0000`)) {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	// stack holds one frame per open object or array: the key or the
	// index of the current member. A string outside any object is not a
	// body huma accepts, so it is left to huma.
	type frame struct {
		array bool
		key   string
		index int
		// wantKey is true in an object when the next string is a key.
		wantKey bool
	}
	var stack []frame
	name := func(last string) string {
		var b strings.Builder
		for i, f := range stack {
			switch {
			case f.array:
				b.WriteString("[" + strconv.Itoa(f.index) + "]")
			case i == len(stack)-1 && last != "":
				if b.Len() > 0 {
					b.WriteByte('.')
				}
				b.WriteString(last)
			default:
				if b.Len() > 0 {
					b.WriteByte('.')
				}
				b.WriteString(f.key)
			}
		}
		return b.String()
	}
	// value records that a value ended in the innermost container.
	value := func() {
		if len(stack) == 0 {
			return
		}
		f := &stack[len(stack)-1]
		if f.array {
			f.index++
		} else {
			f.wantKey = true
		}
	}
	prev := int64(0)
	for {
		tok, err := dec.Token()
		if err != nil {
			return nil // end of input, or not JSON: huma reports it
		}
		off := dec.InputOffset()
		rawValid := utf8.Valid(body[prev:off])
		prev = off
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{':
				stack = append(stack, frame{wantKey: true})
			case '[':
				stack = append(stack, frame{array: true})
			default:
				stack = stack[:len(stack)-1]
				value()
			}
		case string:
			if n := len(stack); n > 0 && !stack[n-1].array && stack[n-1].wantKey {
				key := billing.PrintableParam(t)
				if !rawValid || !billing.ValidText(t) {
					return billing.TextInvalid(name(key))
				}
				stack[n-1].key, stack[n-1].wantKey = key, false
				continue
			}
			if len(stack) > 0 && (!rawValid || !billing.ValidText(t)) {
				return billing.TextInvalid(name(""))
			}
			value()
		default:
			value()
		}
	}
}

// strictCasing is huma middleware that refuses a JSON body key that names a
// field of the operation's body in other letter case ("NAME" for "name"):
// huma's validation and encoding/json would both take it for the field.
// Such a key is an unknown parameter, reported as huma reports one (so
// humaError makes it 400 parameter_unknown naming the key). huma has a
// switch for this, huma.ValidateStrictCasing, but it is process-wide.
func (s *Server) strictCasing(hctx huma.Context, next func(huma.Context)) {
	body, _ := hctx.Context().Value(keyBody).([]byte)
	rb := hctx.Operation().RequestBody
	if len(body) == 0 || rb == nil || rb.Content["application/json"] == nil {
		next(hctx)
		return
	}
	var v any
	if json.Unmarshal(body, &v) != nil {
		next(hctx) // not JSON: huma reports it
		return
	}
	reg := s.api.OpenAPI().Components.Schemas
	if loc := miscasedKey(reg, rb.Content["application/json"].Schema, v, "body"); loc != "" {
		_ = huma.WriteErr(s.api, hctx, http.StatusUnprocessableEntity, "validation failed",
			&huma.ErrorDetail{Location: loc, Message: "unexpected property"})
		return
	}
	next(hctx)
}

// miscasedKey returns the location (huma's "body.recurring.Interval_Count"
// form) of the first key of v, in key order, that is not a property of
// schema but equals one in other letter case; "" when there is none. Keys
// of free-form maps (metadata) are never compared.
func miscasedKey(reg huma.Registry, schema *huma.Schema, v any, loc string) string {
	if schema != nil && schema.Ref != "" {
		schema = reg.SchemaFromRef(schema.Ref)
	}
	if schema == nil {
		return ""
	}
	switch v := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			sub, ok := schema.Properties[k]
			if !ok {
				for name := range schema.Properties {
					if strings.EqualFold(name, k) {
						return loc + "." + k
					}
				}
				sub, _ = schema.AdditionalProperties.(*huma.Schema)
			}
			if l := miscasedKey(reg, sub, v[k], loc+"."+k); l != "" {
				return l
			}
		}
	case []any:
		for i, e := range v {
			if l := miscasedKey(reg, schema.Items, e, loc+"["+strconv.Itoa(i)+"]"); l != "" {
				return l
			}
		}
	}
	return ""
}
