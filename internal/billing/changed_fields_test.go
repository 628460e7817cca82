package billing

import (
	"encoding/json"
	"maps"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestChangedFields(t *testing.T) {
	tests := []struct {
		name, before, after, want string
		ok                        bool
	}{
		{"nothing changed", `{"a":1,"b":"x"}`, `{"a":1,"b":"x"}`, `{}`, true},
		{"one field", `{"a":1,"b":"x"}`, `{"a":2,"b":"x"}`, `{"a":1}`, true},
		{"a field only after has is null", `{"a":1}`, `{"a":1,"c":[1,2]}`, `{"c":null}`, true},
		{"a field only before has keeps its value", `{"a":1,"c":{"d":[1,{"e":null}]}}`, `{"a":1}`, `{"c":{"d":[1,{"e":null}]}}`, true},
		{"nested objects compare whole", `{"m":{"k":"v","l":"w"},"n":true}`, `{"m":{"k":"v","l":"z"},"n":true}`, `{"m":{"k":"v","l":"w"}}`, true},
		{"strings with quotes, braces and commas", `{"s":"a\"},{b","t":"]"}`, `{"s":"a\"},{c","t":"]"}`, `{"s":"a\"},{b"}`, true},
		{"whitespace", "{ \"a\" : 1 ,\n \"b\" : [ 1 , 2 ] }", `{"a":1,"b":[1,3]}`, `{"b":[ 1 , 2 ]}`, true},
		{"empty objects", `{}`, `{}`, `{}`, true},
		{"numbers and literals", `{"a":-1.5e3,"b":false,"c":null}`, `{"a":-1.5e3,"b":true,"c":null}`, `{"b":false}`, true},
		{"not an object", `[1]`, `{"a":1}`, ``, false},
		{"null", `null`, `{"a":1}`, ``, false},
		{"invalid JSON", `{"a":1`, `{"a":1}`, ``, false},
		{"after invalid", `{"a":1}`, `{"a":}`, ``, false},
		{"unterminated string", `{"a":"x}`, `{"a":1}`, ``, false},
		{"unclosed array", `{"a":[1,2}`, `{"a":1}`, ``, false},
		{"trailing garbage", `{"a":1}x`, `{"a":1}`, ``, false},
		{"missing colon", `{"a" 1}`, `{"a":1}`, ``, false},
		{"fields in another order", `{"a":1,"b":2,"c":3}`, `{"c":3,"a":9,"d":4}`, `{"a":1,"b":2,"d":null}`, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := ChangedFields(json.RawMessage(tc.before), json.RawMessage(tc.after))
			require.Equal(t, tc.ok, ok)
			if tc.ok {
				require.Equal(t, tc.want, string(got))
			}
		})
	}
}

// Laying the changed fields over after gives before back.
func TestChangedFieldsRebuildsBefore(t *testing.T) {
	before := map[string]any{"id": "sub_1", "status": "active", "cycle_index": 3.0, "metadata": map[string]any{"k": "v"}, "gone": "x"}
	after := map[string]any{"id": "sub_1", "status": "past_due", "cycle_index": 4.0, "metadata": map[string]any{"k": "v"}, "new": true}
	b, err := json.Marshal(before)
	require.NoError(t, err)
	a, err := json.Marshal(after)
	require.NoError(t, err)
	changed, ok := ChangedFields(b, a)
	require.True(t, ok)
	var delta map[string]any
	require.NoError(t, json.Unmarshal(changed, &delta))
	rebuilt := maps.Clone(after)
	for k, v := range delta {
		if v == nil {
			delete(rebuilt, k) // null: a field before did not have
			continue
		}
		rebuilt[k] = v
	}
	require.Equal(t, before, rebuilt)
}

// Whatever the input, ChangedFields does not panic, and what it returns
// is a JSON object.
func FuzzChangedFields(f *testing.F) {
	f.Add(`{"a":1,"b":"x"}`, `{"a":2,"b":"x"}`)
	f.Add(`{"s":"a\"},{b"}`, `{"t":[{"u":null}]}`)
	f.Add(`{"a":[1,2}`, `{}`)
	f.Fuzz(func(t *testing.T, before, after string) {
		got, ok := ChangedFields(json.RawMessage(before), json.RawMessage(after))
		if ok && json.Valid([]byte(before)) && json.Valid([]byte(after)) {
			var m map[string]json.RawMessage
			require.NoError(t, json.Unmarshal(got, &m), "%s", got)
		}
	})
}
