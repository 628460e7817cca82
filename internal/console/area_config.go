package console

import (
	"net/http"
	"strings"

	"github.com/cuota/cuota/internal/billing"
)

// The console's catalog, webhooks, emails and the merchant's settings: its templates, strings and routes.

// configPages are this area's templates (templates/<name>.html).
var configPages = []string{"catalog", "product", "coupons", "webhooks", "webhook", "emails", "email",
	"profile", "dunning", "gateways", "taxdocs"}

// configRoutes registers this area's pages and actions. Every action names
// the permission it needs: catalog, webhooks, dunning, gateways, and
// profile (the merchant's profile, locale and time zone: admins and
// owners, docs/console.md).
func (h *handler) configRoutes(mux *http.ServeMux) {
	c := configArea{h}
	mux.HandleFunc("GET /console/catalog", h.page(c.catalog))
	mux.HandleFunc("GET /console/catalog/products/{id}", h.page(c.product))
	mux.HandleFunc("GET /console/catalog/coupons", h.page(c.coupons))
	mux.HandleFunc("POST /console/catalog/products", h.action(billing.PermCatalog, c.createProduct))
	mux.HandleFunc("POST /console/catalog/products/{id}", h.action(billing.PermCatalog, c.updateProduct))
	mux.HandleFunc("POST /console/catalog/products/{id}/active", h.action(billing.PermCatalog, c.setProductActive))
	mux.HandleFunc("POST /console/catalog/products/{id}/prices", h.action(billing.PermCatalog, c.createPrice))
	mux.HandleFunc("POST /console/catalog/prices/{id}", h.action(billing.PermCatalog, c.updatePrice))
	mux.HandleFunc("POST /console/catalog/prices/{id}/active", h.action(billing.PermCatalog, c.setPriceActive))
	mux.HandleFunc("POST /console/catalog/coupons", h.action(billing.PermCatalog, c.createCoupon))
	mux.HandleFunc("POST /console/catalog/coupons/{id}", h.action(billing.PermCatalog, c.renameCoupon))
	mux.HandleFunc("POST /console/catalog/promotion-codes", h.action(billing.PermCatalog, c.createPromotionCode))
	mux.HandleFunc("POST /console/catalog/promotion-codes/{id}/active", h.action(billing.PermCatalog, c.setPromotionCodeActive))

	mux.HandleFunc("GET /console/webhooks", h.page(c.webhooks))
	mux.HandleFunc("GET /console/webhooks/{id}", h.page(c.webhook))
	mux.HandleFunc("POST /console/webhooks", h.action(billing.PermWebhooks, c.createWebhook))
	mux.HandleFunc("POST /console/webhooks/{id}/rotate", h.action(billing.PermWebhooks, c.rotateWebhookSecret))
	mux.HandleFunc("POST /console/webhooks/{id}/enabled", h.action(billing.PermWebhooks, c.setWebhookEnabled))
	mux.HandleFunc("POST /console/webhooks/{id}/deliveries/{delivery}/redeliver", h.action(billing.PermWebhooks, c.redeliver))

	mux.HandleFunc("GET /console/emails", h.page(c.emails))
	mux.HandleFunc("GET /console/emails/{id}", h.page(c.email))
	mux.HandleFunc("GET /console/emails/{id}/html", h.page(c.emailHTML))

	mux.HandleFunc("GET /console/settings/profile", h.page(c.profile))
	mux.HandleFunc("POST /console/settings/profile", h.action(billing.PermProfile, c.saveProfile))
	mux.HandleFunc("GET /console/settings/dunning", h.page(c.dunning))
	mux.HandleFunc("POST /console/settings/dunning", h.action(billing.PermDunning, c.saveDunning))
	mux.HandleFunc("GET /console/settings/gateways", h.page(c.gateways))
	mux.HandleFunc("POST /console/settings/gateways/{gateway}", h.action(billing.PermGateways, c.saveGateway))
	mux.HandleFunc("POST /console/settings/gateways/{gateway}/delete", h.action(billing.PermGateways, c.deleteGateway))
	// Tax documents: the provider's key is a credential like a gateway's.
	mux.HandleFunc("GET /console/settings/tax-documents", h.page(c.taxDocs))
	mux.HandleFunc("POST /console/settings/tax-documents", h.action(billing.PermGateways, c.saveTaxDocs))
}

// configArea is the handler of this area's pages and actions: their
// methods live on a type of their own, so that no type of the console
// gathers every area's methods.
type configArea struct{ *handler }

// formFailed answers an action whose use case refused the input: the
// page again (redo) with the reason in the user's language and the
// error's status; a missing object or an internal error goes to fail.
func (h configArea) formFailed(q *req, err error, redo func(status int, msg string)) {
	e := billing.AsError(err)
	if e == nil || e.Kind == billing.KindNotFound {
		h.fail(q, err)
		return
	}
	redo(e.Kind.HTTPStatus(), configMessage(q.l, err))
}

// formValue is a field of the posted form, trimmed of surrounding spaces.
func formValue(q *req, name string) string { return strings.TrimSpace(q.r.PostForm.Get(name)) }
