package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"reflect"
	"regexp"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/cuota/cuota/internal/app"
)

// Amount is the one input type of every money amount in a request body
// (unit_amount, amount_off, a refund's or an invoice item's amount): an
// integer of minor units from 0 to app.MaxAmount. Any other value — a
// fraction (1.5), a negative, a number too large (1e20,
// 9223372036854775808), a string — is 400 amount_invalid with the
// parameter's name, wherever the field is. An integral value written with a
// fraction or an exponent (1999.0, 1.999e3) is that integer: JSON numbers
// have no integer type, and its value is not fractional.
//
// The schema states the rule, so huma's validation rejects most bad values
// with the field's location; UnmarshalJSON parses the literal exactly (never
// through a float64) and Resolve reports what a float64 could not tell
// apart (1999.0000000000001). humaError turns both into amount_invalid for
// every field of this type, found by amountParamsOf.
type Amount struct {
	minor int64
	bad   string // why the literal is not an amount; "" when it is one
}

// Minor returns the amount in minor units.
func (a Amount) Minor() int64 { return a.minor }

// amountMinor converts an optional amount for the app layer.
func amountMinor(a *Amount) *int64 {
	if a == nil {
		return nil
	}
	m := a.minor
	return &m
}

// Schema implements huma.SchemaProvider: what the OpenAPI document says and
// huma validates.
func (Amount) Schema(huma.Registry) *huma.Schema {
	return &huma.Schema{Type: huma.TypeInteger, Format: "int64",
		Minimum: ptr(0.0), Maximum: ptr(float64(app.MaxAmount)),
		Description: fmt.Sprintf("An amount in minor units of the currency, 0 to %d.", app.MaxAmount)}
}

// UnmarshalJSON implements json.Unmarshaler. It never fails on a JSON
// number: Resolve reports a number that is not an amount, with its location.
func (a *Amount) UnmarshalJSON(b []byte) error {
	*a = Amount{}
	b = bytes.TrimSpace(b)
	if len(b) == 0 || !(b[0] == '-' || (b[0] >= '0' && b[0] <= '9')) {
		return &json.UnmarshalTypeError{Value: "non-number", Type: reflect.TypeFor[Amount]()}
	}
	a.minor, a.bad = parseAmount(string(b))
	return nil
}

// jsonNumberRE is JSON's number grammar (RFC 8259 §6).
var jsonNumberRE = regexp.MustCompile(`^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$`)

// parseAmount reads a JSON number literal exactly. The exponent is bounded
// before big.Rat sees it, so 1e999999999 costs nothing.
func parseAmount(lit string) (int64, string) {
	m := jsonNumberRE.FindStringSubmatch(lit)
	if m == nil {
		return 0, "must be an integer of minor units"
	}
	if exp := m[3]; exp != "" {
		var e int64
		if _, err := fmt.Sscan(strings.TrimLeft(exp[1:], "+"), &e); err != nil || e > 40 || e < -40 {
			return 0, "must be an integer of minor units, at most " + fmt.Sprint(app.MaxAmount)
		}
	}
	r, ok := new(big.Rat).SetString(lit)
	switch {
	case !ok:
		return 0, "must be an integer of minor units"
	case !r.IsInt():
		return 0, "must be an integer of minor units, not a fraction"
	case r.Sign() < 0:
		return 0, "must not be negative"
	case r.Num().Cmp(big.NewInt(app.MaxAmount)) > 0:
		return 0, fmt.Sprintf("must be at most %d", app.MaxAmount)
	}
	return r.Num().Int64(), ""
}

var _ huma.ResolverWithPath = (*Amount)(nil)

// Resolve implements huma.ResolverWithPath: it reports a literal the schema
// let through but that is not an exact amount.
func (a *Amount) Resolve(_ huma.Context, prefix *huma.PathBuffer) []error {
	if a.bad == "" {
		return nil
	}
	return []error{&huma.ErrorDetail{Location: prefix.String(), Message: a.bad}}
}

// amountParamsMeta is the Operation.Metadata key of the operation's amount
// parameters.
const amountParamsMeta = "cuota.amountParams"

// amountParamsOf lists the body fields of input type t that are Amounts, as
// "unit_amount" or "items[].amount" (indexes elided).
func amountParamsOf(t reflect.Type) map[string]bool {
	out := map[string]bool{}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return out
	}
	if f, ok := t.FieldByName("Body"); ok {
		collectAmountParams(f.Type, "", out, map[reflect.Type]bool{})
	}
	return out
}

var amountType = reflect.TypeFor[Amount]()

func collectAmountParams(t reflect.Type, prefix string, out map[string]bool, seen map[reflect.Type]bool) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == amountType:
		out[prefix] = true
	case t.Kind() == reflect.Slice || t.Kind() == reflect.Array:
		collectAmountParams(t.Elem(), prefix+"[]", out, seen)
	case t.Kind() == reflect.Map:
		collectAmountParams(t.Elem(), prefix+".*", out, seen)
	case t.Kind() == reflect.Struct && !seen[t]:
		seen[t] = true
		defer delete(seen, t)
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			switch {
			case name == "-":
				continue
			case f.Anonymous && name == "":
				collectAmountParams(f.Type, prefix, out, seen)
				continue
			case name == "":
				name = f.Name
			}
			collectAmountParams(f.Type, joinParam(prefix, name), out, seen)
		}
	}
}

var paramIndexRE = regexp.MustCompile(`\[[0-9]+\]`)

// isAmountParam reports whether param ("items[2].amount") is an Amount
// field of the operation.
func isAmountParam(op *huma.Operation, param string) bool {
	if op == nil || param == "" {
		return false
	}
	params, _ := op.Metadata[amountParamsMeta].(map[string]bool)
	return params[paramIndexRE.ReplaceAllString(param, "[]")]
}

// jsonFormats are huma's JSON formats, except that a body decoded for
// validation keeps its numbers as json.Number: a number beyond float64
// (1e400) is then reported on its field instead of failing the whole body.
func jsonFormats() map[string]huma.Format {
	f := huma.DefaultJSONFormat
	f.Unmarshal = func(data []byte, v any) error {
		if p, ok := v.(*any); ok {
			dec := json.NewDecoder(bytes.NewReader(data))
			dec.UseNumber()
			if err := dec.Decode(p); err != nil {
				return err
			}
			if _, err := dec.Token(); err != io.EOF {
				return errors.New("invalid data after the top-level JSON value")
			}
			return nil
		}
		return json.Unmarshal(data, v)
	}
	return map[string]huma.Format{"application/json": f, "json": f}
}
