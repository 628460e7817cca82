package console

import "net/http"

// The console's catalog, webhooks, emails and the merchant's settings: its templates, strings and routes.

// configPages are this area's templates (templates/<name>.html).
var configPages = []string{}

// configLang holds this area's strings in one language.
type configLang struct{}

var (
	spanishConfig = configLang{}
	englishConfig = configLang{}
)

// configRoutes registers this area's pages and actions.
func (h *handler) configRoutes(mux *http.ServeMux) {}
