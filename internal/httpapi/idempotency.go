package httpapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"strconv"
)

// idempotent implements Idempotency-Key on POST (DESIGN §9): the first
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
		body, err := io.ReadAll(r.Body)
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				s.writeProblem(w, r, tooLarge(s.cfg.BodyLimit))
				return
			}
			s.writeProblem(w, r, err)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		h := sha256.New()
		h.Write([]byte(r.Method + " " + r.URL.Path + "?" + r.URL.RawQuery + "\n"))
		h.Write(body)
		scope := scopeOf(r.Context())
		ctx := r.Context()
		replay, err := s.app.BeginIdempotent(ctx, scope, key, hex.EncodeToString(h.Sum(nil)))
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
				err = s.app.FinishIdempotent(ctx, scope, key, rec.status, rec.body.Bytes())
			} else {
				err = s.app.AbandonIdempotent(ctx, scope, key)
			}
			if err != nil {
				s.logger.ErrorContext(ctx, "record idempotent response", "request_id", requestIDFrom(ctx), "error", err)
			}
		}()
		next.ServeHTTP(rec, r)
		finished = true
	})
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
