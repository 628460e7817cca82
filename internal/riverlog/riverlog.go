// Package riverlog gives River (the job queue) a quieter view of cuota's
// logger. River reports routine work at INFO ("Producer job counts" every
// few seconds, "No migrations to apply" on every start, client started and
// stopped): at an operator's INFO level that buries cuota's own lines, such
// as the one-time API key printed on first start. River's warnings and
// errors still come through; cuota logs what it migrates itself.
package riverlog

import (
	"context"
	"log/slog"
)

// MinLevel is the lowest level of River's records that reach the log.
const MinLevel = slog.LevelWarn

// Logger returns a logger for River's configuration that writes to l's
// handler only records at MinLevel or above. A nil l gives a nil logger
// (River's own default).
func Logger(l *slog.Logger) *slog.Logger {
	if l == nil {
		return nil
	}
	return slog.New(filter{l.Handler()})
}

// filter drops records below MinLevel before its handler sees them.
type filter struct{ h slog.Handler }

func (f filter) Enabled(ctx context.Context, lvl slog.Level) bool {
	return lvl >= MinLevel && f.h.Enabled(ctx, lvl)
}

func (f filter) Handle(ctx context.Context, r slog.Record) error { return f.h.Handle(ctx, r) }

func (f filter) WithAttrs(attrs []slog.Attr) slog.Handler { return filter{f.h.WithAttrs(attrs)} }

func (f filter) WithGroup(name string) slog.Handler { return filter{f.h.WithGroup(name)} }
