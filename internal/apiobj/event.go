package apiobj

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/cuota/cuota/internal/billing"
)

// EventObject renders an event byte for byte as GET /v1/events/{id} does
// (huma's JSON: no HTML escaping, no trailing newline here). It is the
// "data" of a webhook delivery, so that a receiver gets the event exactly
// as the API would show it.
func EventObject(e billing.Event) (json.RawMessage, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(Event(e)); err != nil {
		return nil, fmt.Errorf("render event %s: %w", e.ID, err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
