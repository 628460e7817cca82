// Package archtest checks the direction of cuota's imports (ports and
// adapters). The rules pure code (billing, money) and the use cases (app)
// must keep are easy to break with one convenient import, and nothing else
// would notice: Check states them once, and its test runs it over the real
// import graph on every `go test ./...`.
//
// The layers:
//
//   - money: no internal imports.
//   - billing: the rules, pure; of cuota's packages only money.
//   - app: the use cases. It declares the ports it needs (sending an email,
//     rendering a PDF, delivering a webhook, sealing a secret…) and never
//     imports an adapter nor net/http: adapters are wired in by cmd/cuota.
//   - adapters (every other internal package but the neutral helpers):
//     they may use the core and the neutral helpers, and another adapter
//     only through an entry of allowedAdapterImports, each with its reason.
//   - cmd/… and internal/wiring: the wiring; they may import anything, and
//     only cmd/… (and tests) import internal/wiring.
package archtest

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Module is cuota's module path.
const Module = "github.com/cuota/cuota"

// Graph maps a package's import path to the packages it imports (its
// non-test imports: a test may use whatever it needs to set a scene).
type Graph map[string][]string

// Violation is one import that breaks a rule.
type Violation struct {
	From, To string
	Rule     string
}

func (v Violation) String() string { return fmt.Sprintf("%s imports %s: %s", v.From, v.To, v.Rule) }

// neutral packages are small helpers with no I/O of their own that any
// package may import; they themselves import only the core.
var neutral = map[string]string{
	"internal/textcut":  "cuts text between characters; used by gateways, webhooks and the pages alike",
	"internal/riverlog": "adapts River's logger to slog for both stores",
	"internal/apiobj":   "the API's object shapes, shared by the REST API and the webhook payloads the jobs render",
}

// appForbidden are the packages app must never import, whatever they are
// called (the adapters and the HTTP stack). Every internal package that is
// neither core nor neutral is an adapter as well; these are named so that
// app's rule reads as the issue states it.
var appForbidden = []string{
	"internal/mail", "internal/invoicepdf", "internal/webhookout", "internal/secretbox",
	"internal/httpapi", "internal/web", "internal/gateway", "internal/sqlite", "internal/postgres",
	"internal/jobs", "internal/webhookin", "internal/flowsim", "internal/dte", "internal/dtesim", "net/http",
}

// allowedAdapterImports lists the adapter-to-adapter imports that are by
// design, "from → to", each with why. Keep it short: a new entry is a
// design decision, not a way to make the test pass.
var allowedAdapterImports = map[string]string{
	"internal/gateway/flowgw → internal/gateway/flow":      "flowgw is billing.Gateway over flow, Flow's API client",
	"internal/gateway/flowgw → internal/gateway/breaker":   "the circuit breaker every real gateway shares",
	"internal/gateway/flowgw → internal/gateway/gwref":     "the gateway references (idempotency keys ↔ gateway ids) every real gateway shares",
	"internal/gateway/stripegw → internal/gateway/breaker": "the circuit breaker every real gateway shares",
	"internal/gateway/stripegw → internal/gateway/gwref":   "the gateway references every real gateway shares",
	"internal/webhookin → internal/gateway/flow":           "Flow's notifications are verified and read with Flow's own client",
	"internal/webhookin → internal/gateway/stripegw":       "Stripe's events are verified and read with the Stripe gateway's own code",
	"internal/flowsim → internal/gateway/flow":             "the Flow simulator answers in Flow's wire types, defined once by its client",
	"internal/dtesim → internal/dte":                       "the OpenFactura simulator answers in OpenFactura's wire types, defined once by its adapter",
	"internal/cmfsim → internal/cmf":                       "the CMF simulator answers in the CMF's wire types, defined once by its adapter",
	"internal/sqlite → internal/gateway/sim":               "the stores keep the simulated gateway's ledger in cuota's database",
	"internal/postgres → internal/gateway/sim":             "the stores keep the simulated gateway's ledger in cuota's database",
	"internal/storetest → internal/gateway/sim":            "the conformance suite checks the ledger both stores keep for the simulated gateway",
}

// unit is the architectural unit of an internal package: internal/<name>,
// or internal/gateway/<name> for a gateway, so that sub-packages
// (sqlite/litedb, mail/mailtest…) belong to their adapter. ok is false for
// packages outside internal/ of the module.
func unit(pkg string) (string, bool) {
	rel, ok := strings.CutPrefix(pkg, Module+"/")
	if !ok || !strings.HasPrefix(rel, "internal/") {
		return "", false
	}
	parts := strings.Split(rel, "/")
	if parts[1] == "gateway" && len(parts) > 2 {
		return strings.Join(parts[:3], "/"), true
	}
	return strings.Join(parts[:2], "/"), true
}

// Check returns every import of g that breaks a rule, sorted.
func Check(g Graph) []Violation {
	var out []Violation
	for from, imports := range g {
		fu, ok := unit(from)
		if !ok || fu == wiring {
			continue // cmd/… and wiring wire; the module root has no code
		}
		for _, to := range imports {
			if v, bad := checkImport(fu, to); bad {
				v.From, v.To = from, to
				out = append(out, v)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].From != out[j].From {
			return out[i].From < out[j].From
		}
		return out[i].To < out[j].To
	})
	return out
}

// wiring is the part of the composition root cmd/cuota shares with tests.
const wiring = "internal/wiring"

func checkImport(fu, to string) (Violation, bool) {
	tu, internal := unit(to)
	if tu == wiring {
		return Violation{Rule: "only cmd/… (and tests) use the wiring"}, true
	}
	if fu == "internal/app" {
		for _, f := range appForbidden {
			name := tu
			if !internal {
				name = to
			}
			if name == f || strings.HasPrefix(name, f+"/") {
				return Violation{Rule: "app declares ports and never imports an adapter or net/http"}, true
			}
		}
	}
	if !internal || tu == fu {
		return Violation{}, false
	}
	switch {
	case fu == "internal/money":
		return Violation{Rule: "money imports nothing of cuota's"}, true
	case fu == "internal/billing":
		if tu != "internal/money" {
			return Violation{Rule: "billing is pure: of cuota's packages it imports money only"}, true
		}
		return Violation{}, false
	case neutral[fu] != "":
		if !isCore(tu) && neutral[tu] == "" {
			return Violation{Rule: "a neutral helper imports only the core (billing, money) and other helpers"}, true
		}
		return Violation{}, false
	case fu == "internal/app":
		return Violation{}, false // checked above
	}
	// fu is an adapter.
	if isCore(tu) || tu == "internal/app" || neutral[tu] != "" {
		return Violation{}, false
	}
	if _, ok := allowedAdapterImports[fu+" → "+tu]; ok {
		return Violation{}, false
	}
	return Violation{Rule: "an adapter imports another adapter only through allowedAdapterImports"}, true
}

func isCore(u string) bool { return slices.Contains([]string{"internal/billing", "internal/money"}, u) }
