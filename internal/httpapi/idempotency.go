package httpapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"unicode/utf8"
)

// idempotent implements Idempotency-Key on POST (docs/api.md): the first
// successful response is stored and replayed for 24 h; the same key with
// other parameters is rejected; a concurrent duplicate gets 409. Error
// responses are not stored: a failed request has rolled back whatever it
// wrote, so it may be retried with the same key.
func (s *Server) idempotent(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := r.Header.Get("Idempotency-Key")
		if r.Method != http.MethodPost || key == "" {
			next.ServeHTTP(w, r)
			return
		}
		r, body, err := s.bufferBody(r)
		if err != nil {
			s.writeProblem(w, r, err)
			return
		}
		scope := scopeOf(r.Context())
		ctx := r.Context()
		// Records stored before canonical hashing hold the raw hash; it
		// still matches the very same bytes until those records expire.
		replay, err := s.app.Merchants.BeginIdempotent(ctx, scope, key, canonicalRequestHash(r, body), rawRequestHash(r, body))
		if err != nil {
			s.writeProblem(w, r, err)
			return
		}
		if replay != nil {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Idempotent-Replayed", "true")
			w.Header().Set("Content-Length", strconv.Itoa(len(replay.ResponseBody)))
			w.WriteHeader(replay.ResponseStatus)
			_, _ = w.Write(replay.ResponseBody)
			return
		}
		rec := &capture{ResponseWriter: w, status: http.StatusOK}
		finished := false
		defer func() {
			// Finish even if the client went away: the work is done and a
			// retry must see its result. If the handler panicked, release the
			// key (its transaction rolled back) before the panic goes on.
			ctx := context.WithoutCancel(ctx)
			var err error
			if finished && rec.status < 400 {
				err = s.app.Merchants.FinishIdempotent(ctx, scope, key, rec.status, rec.body.Bytes())
			} else {
				err = s.app.Merchants.AbandonIdempotent(ctx, scope, key)
			}
			if err != nil {
				s.logger.ErrorContext(ctx, "record idempotent response", "request_id", requestIDFrom(ctx), "error", err)
			}
		}()
		next.ServeHTTP(rec, r)
		finished = true
	})
}

// canonicalRequestHash identifies a request's parameters, so that the same
// parameters sent again replay even when the JSON is spelled differently:
// object keys in another order, other whitespace or escapes. The body is
// re-encoded with sorted keys and numbers kept as written (1999 and 1999.0
// are different parameters, nothing goes through a float). A body that is
// not valid JSON is hashed as sent; such a request fails anyway. The
// "canonical/1" prefix keeps these hashes apart from raw ones.
func canonicalRequestHash(r *http.Request, body []byte) string {
	query := r.URL.RawQuery
	if v, err := url.ParseQuery(query); err == nil {
		query = v.Encode() // sorted by key
	}
	h := sha256.New()
	h.Write([]byte("canonical/1\n" + r.Method + " " + r.URL.Path + "?" + query + "\n"))
	if c, ok := canonicalJSON(body); ok {
		h.Write([]byte("json\n"))
		h.Write(c)
	} else {
		h.Write([]byte("raw\n"))
		h.Write(body)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// canonicalJSON re-encodes one JSON value with sorted object keys and exact
// numbers. Invalid UTF-8 is refused so that two different invalid bodies
// cannot become equal through the decoder's replacement characters.
func canonicalJSON(body []byte) ([]byte, bool) {
	if !utf8.Valid(body) {
		return nil, false
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, false
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, false // trailing data
	}
	out, err := json.Marshal(v) // map keys are sorted; json.Number is written as is
	if err != nil {
		return nil, false
	}
	return out, true
}

// rawRequestHash is the hash of method, path and body bytes that records
// stored before canonicalRequestHash hold.
func rawRequestHash(r *http.Request, body []byte) string {
	h := sha256.New()
	h.Write([]byte(r.Method + " " + r.URL.Path + "?" + r.URL.RawQuery + "\n"))
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}

// capture tees a response so it can be stored.
type capture struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
	wrote  bool
}

func (c *capture) WriteHeader(code int) {
	if !c.wrote {
		c.status, c.wrote = code, true
	}
	c.ResponseWriter.WriteHeader(code)
}

func (c *capture) Write(b []byte) (int, error) {
	c.wrote = true
	c.body.Write(b)
	return c.ResponseWriter.Write(b)
}
