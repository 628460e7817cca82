// Package sqlite is a billing.Store on SQLite, for cuota's embedded,
// single-process mode. It uses modernc.org/sqlite (pure Go, no cgo), the
// sqlc-generated queries in the packages under litedb/, goose migrations
// embedded from migrations/, and River's SQLite driver (riversqlite) for jobs.
//
// The database is used through one connection: SQLite allows one writer at a
// time, and River's SQLite driver recommends a pool of one to avoid
// SQLITE_BUSY. Transactions begin IMMEDIATE, so a transaction holds the write
// lock from its first statement. Nothing running inside InTx may ask for
// another connection (for example by calling InTx again): it would wait for
// itself forever.
//
// Times are stored as INTEGER unix microseconds in UTC, so they sort
// chronologically and round-trip exactly to the microsecond.
package sqlite
