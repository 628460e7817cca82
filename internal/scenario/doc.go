// Package scenario holds cuota's lifecycle scenario tests
// (docs/architecture.md, "Testing"): whole subscription lives driven through
// the app use cases on a test clock, against both stores (SQLite and
// PostgreSQL), asserting the exact invoices, payments, subscription fields and
// events, and comparing the simulated gateway's ledger with cuota's payments at
// the end of each one.
//
// The package has no exported API; everything is in its _test.go files.
package scenario
