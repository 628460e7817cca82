package console

import "net/http"

// The console's invoices, payments and refunds: its templates, strings and routes.

// moneyPages are this area's templates (templates/<name>.html).
var moneyPages = []string{}

// moneyLang holds this area's strings in one language.
type moneyLang struct{}

var (
	spanishMoney = moneyLang{}
	englishMoney = moneyLang{}
)

// moneyRoutes registers this area's pages and actions.
func (h *handler) moneyRoutes(mux *http.ServeMux) {}
