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
// (compact, map keys sorted), which is what both are expected to be; ok is
// false when either does not scan as a JSON object.
func ChangedFields(before, after json.RawMessage) (changed json.RawMessage, ok bool) {
	was, ok := objectMembers(before)
	if !ok {
		return nil, false
	}
	is, ok := objectMembers(after)
	if !ok {
		return nil, false
	}
	out := make([]byte, 0, 256)
	out = append(out, '{')
	add := func(key, value []byte) {
		if len(out) > 1 {
			out = append(out, ',')
		}
		out = append(out, key...)
		out = append(out, ':')
		out = append(out, value...)
	}
	// Two encodings of one type list their fields in the same order: walk
	// them side by side, and look a key up only where they part.
	for i, m := range was {
		if i < len(is) && bytes.Equal(is[i].key, m.key) {
			if !bytes.Equal(is[i].value, m.value) {
				add(m.key, m.value)
			}
			continue
		}
		if v, ok := memberValue(is, m.key); !ok || !bytes.Equal(v, m.value) {
			add(m.key, m.value)
		}
	}
	for i, m := range is {
		if i < len(was) && bytes.Equal(was[i].key, m.key) {
			continue
		}
		if _, ok := memberValue(was, m.key); !ok {
			add(m.key, []byte("null"))
		}
	}
	return append(out, '}'), true
}

// memberValue is the value of the member with the given key.
func memberValue(ms []member, key []byte) ([]byte, bool) {
	for _, m := range ms {
		if bytes.Equal(m.key, key) {
			return m.value, true
		}
	}
	return nil, false
}

// member is one top-level field of a JSON object: its key (quoted, as
// written) and its value's encoding.
type member struct{ key, value []byte }

// objectMembers splits a JSON object into its top-level members in one
// pass, without decoding the values; ok is false for anything that does
// not scan as an object (it checks the structure, not every literal).
func objectMembers(b []byte) ([]member, bool) {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return nil, false
	}
	out := make([]member, 0, 48)
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return out, skipSpace(b, i+1) == len(b)
	}
	for i < len(b) {
		if b[i] != '"' {
			return nil, false
		}
		end, ok := stringEnd(b, i)
		if !ok {
			return nil, false
		}
		key := b[i:end]
		if i = skipSpace(b, end); i >= len(b) || b[i] != ':' {
			return nil, false
		}
		start := skipSpace(b, i+1)
		if i, ok = valueEnd(b, start); !ok || i == start {
			return nil, false
		}
		out = append(out, member{key: key, value: b[start:i]})
		if i = skipSpace(b, i); i >= len(b) {
			return nil, false
		}
		switch b[i] {
		case '}':
			return out, skipSpace(b, i+1) == len(b)
		case ',':
			i = skipSpace(b, i+1)
		default:
			return nil, false
		}
	}
	return nil, false
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// stringEnd is the index after the JSON string starting at b[i] (a quote);
// ok is false when it does not end.
func stringEnd(b []byte, i int) (int, bool) {
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1, true
		}
	}
	return i, false
}

// valueEnd is the index after the JSON value starting at b[i]; ok is false
// when its brackets or strings do not close.
func valueEnd(b []byte, i int) (int, bool) {
	depth := 0
	for i < len(b) {
		switch b[i] {
		case '"':
			end, ok := stringEnd(b, i)
			if !ok {
				return end, false
			}
			if i = end; depth == 0 {
				return i, true
			}
			continue
		case '{', '[':
			depth++
		case '}', ']':
			if depth == 0 {
				return i, true
			}
			if depth--; depth == 0 {
				return i + 1, true
			}
		case ',', ' ', '\t', '\n', '\r':
			if depth == 0 {
				return i, true
			}
		}
		i++
	}
	return i, depth == 0
}
