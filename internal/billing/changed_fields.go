package billing

import (
	"bytes"
	"encoding/json"
)

// ChangedFields is what an update changed, as an audit entry keeps it:
// the top-level fields of the JSON object before whose encoding differs in
// after, each with its value in before, and the fields only after has, as
// null. Laying it over after gives before back, so an entry that stores
// after whole and before as ChangedFields loses nothing, at a fraction of
// the bytes (a renewal changes a handful of a subscription's fields). The
// encodings are compared byte for byte, as encoding/json writes them
// (compact, map keys sorted); ok is false when either is not a JSON
// object.
func ChangedFields(before, after json.RawMessage) (changed json.RawMessage, ok bool) {
	was, ok := objectMembers(before)
	if !ok {
		return nil, false
	}
	is, ok := objectMembers(after)
	if !ok {
		return nil, false
	}
	now := make(map[string][]byte, len(is))
	for _, m := range is {
		now[string(m.key)] = m.value
	}
	var out bytes.Buffer
	out.WriteByte('{')
	add := func(key, value []byte) {
		if out.Len() > 1 {
			out.WriteByte(',')
		}
		out.Write(key)
		out.WriteByte(':')
		out.Write(value)
	}
	seen := make(map[string]bool, len(was))
	for _, m := range was {
		seen[string(m.key)] = true
		if v, ok := now[string(m.key)]; !ok || !bytes.Equal(v, m.value) {
			add(m.key, m.value)
		}
	}
	for _, m := range is {
		if !seen[string(m.key)] {
			add(m.key, []byte("null"))
		}
	}
	out.WriteByte('}')
	return out.Bytes(), true
}

// member is one top-level field of a JSON object: its key (quoted, as
// written) and its value's encoding.
type member struct{ key, value []byte }

// objectMembers splits a JSON object into its top-level members in one
// pass, without decoding the values; ok is false for anything that is not
// a well-formed object.
func objectMembers(b []byte) ([]member, bool) {
	if !json.Valid(b) {
		return nil, false
	}
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return nil, false
	}
	var out []member
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return out, true
	}
	for i < len(b) {
		end := stringEnd(b, i)
		key := b[i:end]
		i = skipSpace(b, end)
		i = skipSpace(b, i+1) // the colon
		start := i
		i = valueEnd(b, i)
		out = append(out, member{key: key, value: b[start:i]})
		i = skipSpace(b, i)
		if b[i] == '}' {
			return out, true
		}
		i = skipSpace(b, i+1) // the comma
	}
	return nil, false
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// stringEnd is the index after the JSON string starting at b[i] (a quote).
func stringEnd(b []byte, i int) int {
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return i
}

// valueEnd is the index after the JSON value starting at b[i] (b is known
// to be valid JSON).
func valueEnd(b []byte, i int) int {
	depth := 0
	for i < len(b) {
		switch b[i] {
		case '"':
			i = stringEnd(b, i)
			if depth == 0 {
				return i
			}
			continue
		case '{', '[':
			depth++
		case '}', ']':
			if depth == 0 {
				return i
			}
			depth--
			if depth == 0 {
				return i + 1
			}
		case ',':
			if depth == 0 {
				return i
			}
		case ' ', '\t', '\n', '\r':
			if depth == 0 {
				return i
			}
		}
		i++
	}
	return i
}
