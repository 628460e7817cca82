package main

import (
	"errors"
	"fmt"
	"strings"
)

// errLocked is what tryLock returns when another process holds the lock.
var errLocked = errors.New("locked by another process")

// lockSQLite makes `cuota serve` on SQLite the only serving process of its
// database: SQLite mode is single-process (one writer, River's leader
// election and the sweep assume it), so a second serve on the same file is
// refused instead of starting silently next to the first. The lock is an
// OS lock on the file DATABASE.lock beside the database: the kernel
// releases it when the process ends, however it ends, so a crash never
// blocks the next start. Admin commands do not take it; they run beside a
// serving process. On PostgreSQL, where several processes may serve one
// database, it does nothing.
func lockSQLite(databaseURL string) (release func(), err error) {
	if !strings.HasPrefix(databaseURL, "sqlite:") {
		return func() {}, nil
	}
	path, err := sqlitePath(databaseURL)
	if err != nil {
		return nil, err
	}
	lockPath := path + ".lock"
	release, err = tryLock(lockPath)
	if errors.Is(err, errLocked) {
		return nil, fmt.Errorf("another cuota serve is already running on the SQLite database %s (it holds %s): SQLite mode serves from one process only; stop the other one, or use PostgreSQL to run several", path, lockPath)
	}
	if err != nil {
		return nil, fmt.Errorf("lock the SQLite database %s: %w", path, err)
	}
	return release, nil
}
