package console

import "net/http"

// The console's subscription actions, customers' details, alerts and exports: its templates, strings and routes.

// opsPages are this area's templates (templates/<name>.html).
var opsPages = []string{}

// opsLang holds this area's strings in one language.
type opsLang struct{}

var (
	spanishOps = opsLang{}
	englishOps = opsLang{}
)

// opsRoutes registers this area's pages and actions.
func (h *handler) opsRoutes(mux *http.ServeMux) {}
