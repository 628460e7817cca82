// Package billing holds cuota's domain: the objects a merchant owns, the
// rules that govern them and the interfaces the adapters implement.
//
// It performs no I/O and imports nothing else from cuota. Adapters
// (sqlite, postgres, gateways) implement its interfaces; use cases in
// package app orchestrate them; transports (httpapi) speak its types.
package billing
