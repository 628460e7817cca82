package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"reflect"

	"github.com/cuota/cuota/internal/billing"

	"github.com/danielgtaylor/huma/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// routes lists every route cuota serves. Merchant API operations are
// registered on apiMux through huma; /v1/ requests reach it through
// authentication, the rate limit, the body limit, the text check and
// idempotency.
func (s *Server) routes(root, apiMux *http.ServeMux) {
	root.HandleFunc("GET /healthz", s.healthz)
	root.HandleFunc("GET /readyz", s.readyz)
	root.Handle("GET /openapi.json", apiMux)
	root.Handle("GET /openapi.yaml", apiMux)
	root.Handle("/v1/", s.limitBody(s.authenticate(s.rateLimit(s.validText(apiMux, s.idempotent(s.knownRoutes(apiMux)))))))

	register(s, op("create-product", http.MethodPost, "/v1/products", "Create a product"), s.createProduct)
	register(s, op("list-products", http.MethodGet, "/v1/products", "List products"), s.listProducts)
	register(s, op("get-product", http.MethodGet, "/v1/products/{id}", "Retrieve a product"), s.getProduct)
	register(s, op("update-product", http.MethodPost, "/v1/products/{id}", "Update a product"), s.updateProduct)

	register(s, op("create-price", http.MethodPost, "/v1/prices", "Create a price"), s.createPrice)
	register(s, op("list-prices", http.MethodGet, "/v1/prices", "List prices"), s.listPrices)
	register(s, op("get-price", http.MethodGet, "/v1/prices/{id}", "Retrieve a price"), s.getPrice)
	register(s, op("update-price", http.MethodPost, "/v1/prices/{id}", "Update a price"), s.updatePrice)

	register(s, op("create-customer", http.MethodPost, "/v1/customers", "Create a customer"), s.createCustomer)
	register(s, op("list-customers", http.MethodGet, "/v1/customers", "List customers"), s.listCustomers)
	register(s, op("get-customer", http.MethodGet, "/v1/customers/{id}", "Retrieve a customer"), s.getCustomer)
	register(s, op("update-customer", http.MethodPost, "/v1/customers/{id}", "Update a customer"), s.updateCustomer)
	register(s, op("delete-customer", http.MethodDelete, "/v1/customers/{id}", "Delete a customer: cancels its live subscriptions at once and detaches its payment methods"), s.deleteCustomer)

	register(s, op("create-coupon", http.MethodPost, "/v1/coupons", "Create a coupon"), s.createCoupon)
	register(s, op("list-coupons", http.MethodGet, "/v1/coupons", "List coupons"), s.listCoupons)
	register(s, op("get-coupon", http.MethodGet, "/v1/coupons/{id}", "Retrieve a coupon"), s.getCoupon)
	register(s, op("update-coupon", http.MethodPost, "/v1/coupons/{id}", "Update a coupon"), s.updateCoupon)

	register(s, op("create-promotion-code", http.MethodPost, "/v1/promotion_codes", "Create a promotion code"), s.createPromotionCode)
	register(s, op("list-promotion-codes", http.MethodGet, "/v1/promotion_codes", "List promotion codes"), s.listPromotionCodes)
	register(s, op("get-promotion-code", http.MethodGet, "/v1/promotion_codes/{id}", "Retrieve a promotion code"), s.getPromotionCode)
	register(s, op("update-promotion-code", http.MethodPost, "/v1/promotion_codes/{id}", "Update a promotion code"), s.updatePromotionCode)

	register(s, op("create-test-clock", http.MethodPost, "/v1/test_clocks", "Create a test clock (test mode)"), s.createTestClock)
	register(s, op("list-test-clocks", http.MethodGet, "/v1/test_clocks", "List test clocks"), s.listTestClocks)
	register(s, op("get-test-clock", http.MethodGet, "/v1/test_clocks/{id}", "Retrieve a test clock"), s.getTestClock)
	register(s, op("advance-test-clock", http.MethodPost, "/v1/test_clocks/{id}/advance", "Advance a test clock and run the work due"), s.advanceTestClock)

	register(s, op("attach-payment-method", http.MethodPost, "/v1/customers/{id}/payment_methods", "Attach a payment method by gateway token"), s.attachPaymentMethod)
	register(s, op("list-payment-methods", http.MethodGet, "/v1/customers/{id}/payment_methods", "List a customer's payment methods"), s.listPaymentMethods)
	register(s, op("get-entitlements", http.MethodGet, "/v1/customers/{id}/entitlements", "What the customer is entitled to now"), s.entitlements)

	register(s, op("create-subscription", http.MethodPost, "/v1/subscriptions", "Create a subscription"), s.createSubscription)
	register(s, op("list-subscriptions", http.MethodGet, "/v1/subscriptions", "List subscriptions"), s.listSubscriptions)
	register(s, op("get-subscription", http.MethodGet, "/v1/subscriptions/{id}", "Retrieve a subscription"), s.getSubscription)
	register(s, op("cancel-subscription", http.MethodPost, "/v1/subscriptions/{id}/cancel", "Cancel a subscription now or at period end"), s.cancelSubscription)
	register(s, op("reactivate-subscription", http.MethodPost, "/v1/subscriptions/{id}/reactivate", "Undo a cancellation scheduled for period end"), s.reactivateSubscription)
	register(s, op("cancel-subscription-pending-update", http.MethodPost, "/v1/subscriptions/{id}/pending_update/cancel", "Cancel the change scheduled for period end"), s.cancelPendingUpdate)

	register(s, op("preview-subscription-change", http.MethodPost, "/v1/subscriptions/{id}/change/preview", "Preview a plan change: exact proration, amount due, features"), s.previewChange)
	register(s, op("change-subscription", http.MethodPost, "/v1/subscriptions/{id}/change", "Change a subscription's items"), s.changeSubscription)
	register(s, op("pause-subscription", http.MethodPost, "/v1/subscriptions/{id}/pause", "Pause a subscription"), s.pauseSubscription)
	register(s, op("resume-subscription", http.MethodPost, "/v1/subscriptions/{id}/resume", "Resume a paused subscription"), s.resumeSubscription)

	register(s, op("create-invoice", http.MethodPost, "/v1/invoices", "Create a one-off invoice"), s.createInvoice)
	register(s, op("finalize-invoice", http.MethodPost, "/v1/invoices/{id}/finalize", "Finalize a draft invoice and collect it"), s.finalizeInvoice)
	register(s, op("pay-invoice", http.MethodPost, "/v1/invoices/{id}/pay", "Try to collect an invoice now"), s.payInvoice)
	register(s, op("void-invoice", http.MethodPost, "/v1/invoices/{id}/void", "Void an invoice"), s.voidInvoice)
	register(s, op("mark-invoice-uncollectible", http.MethodPost, "/v1/invoices/{id}/mark_uncollectible", "Mark an invoice uncollectible"), s.markUncollectible)
	register(s, op("create-refund", http.MethodPost, "/v1/refunds", "Refund a payment, fully or partly"), s.createRefund)
	register(s, op("list-refunds", http.MethodGet, "/v1/refunds", "List refunds"), s.listRefunds)
	register(s, op("get-refund", http.MethodGet, "/v1/refunds/{id}", "Retrieve a refund"), s.getRefund)

	register(s, op("get-merchant", http.MethodGet, "/v1/merchant", "Your merchant settings"), s.getMerchant)
	register(s, op("update-merchant", http.MethodPatch, "/v1/merchant", "Change your merchant settings and policies"), s.updateMerchant)
	register(s, op("list-gateway-configs", http.MethodGet, "/v1/merchant/gateways", "Your gateway configurations (credentials redacted)"), s.listGatewayConfigs)
	register(s, op("put-gateway-config", http.MethodPut, "/v1/merchant/gateways/{gateway}", "Configure a gateway for this mode (credentials are checked with the gateway, then encrypted)"), s.putGatewayConfig)
	register(s, op("delete-gateway-config", http.MethodDelete, "/v1/merchant/gateways/{gateway}", "Remove a gateway's configuration"), s.deleteGatewayConfig)

	register(s, op("list-invoices", http.MethodGet, "/v1/invoices", "List invoices"), s.listInvoices)
	register(s, op("get-invoice", http.MethodGet, "/v1/invoices/{id}", "Retrieve an invoice"), s.getInvoice)
	register(s, op("list-payments", http.MethodGet, "/v1/payments", "List payments"), s.listPayments)
	register(s, op("get-payment", http.MethodGet, "/v1/payments/{id}", "Retrieve a payment attempt"), s.getPayment)
	register(s, op("list-events", http.MethodGet, "/v1/events", "List events"), s.listEvents)
	register(s, op("get-event", http.MethodGet, "/v1/events/{id}", "Retrieve an event"), s.getEvent)

	register(s, op("list-audit-log", http.MethodGet, "/v1/audit_log", "List audit log entries, oldest first"), s.listAuditLog)

	register(s, op("create-payment-method-setup", http.MethodPost, "/v1/customers/{id}/payment_method_setups", "Start saving a card on a hosted page"), s.createPaymentMethodSetup)
	register(s, op("get-payment-method-setup", http.MethodGet, "/v1/payment_method_setups/{id}", "Retrieve a payment method setup"), s.getPaymentMethodSetup)

	register(s, op("create-checkout-session", http.MethodPost, "/v1/checkout_sessions", "Start a hosted checkout (subscription or setup mode)"), s.createCheckoutSession)
	register(s, op("get-checkout-session", http.MethodGet, "/v1/checkout_sessions/{id}", "Retrieve a checkout session and its result"), s.getCheckoutSession)
	register(s, op("expire-checkout-session", http.MethodPost, "/v1/checkout_sessions/{id}/expire", "Expire an open checkout session"), s.expireCheckoutSession)
	register(s, op("create-portal-session", http.MethodPost, "/v1/portal_sessions", "Open the customer portal for one hour"), s.createPortalSession)
	register(s, op("create-publishable-key", http.MethodPost, "/v1/publishable_keys", "Create a publishable key for the pricing table"), s.createPublishableKey)
	register(s, op("list-publishable-keys", http.MethodGet, "/v1/publishable_keys", "List publishable keys"), s.listPublishableKeys)
	register(s, op("revoke-publishable-key", http.MethodPost, "/v1/publishable_keys/{id}/revoke", "Revoke a publishable key"), s.revokePublishableKey)

	register(s, pdfOperation(op("get-invoice-pdf", http.MethodGet, "/v1/invoices/{id}/pdf", "Download an invoice as a PDF (drafts carry a DRAFT stamp)")), s.invoicePDF)

	register(s, op("create-webhook-endpoint", http.MethodPost, "/v1/webhook_endpoints", "Create a webhook endpoint (its secret is shown once)"), s.createWebhookEndpoint)
	register(s, op("list-webhook-endpoints", http.MethodGet, "/v1/webhook_endpoints", "List webhook endpoints"), s.listWebhookEndpoints)
	register(s, op("get-webhook-endpoint", http.MethodGet, "/v1/webhook_endpoints/{id}", "Retrieve a webhook endpoint"), s.getWebhookEndpoint)
	register(s, op("update-webhook-endpoint", http.MethodPost, "/v1/webhook_endpoints/{id}", "Update a webhook endpoint, or disable or enable it"), s.updateWebhookEndpoint)
	register(s, op("delete-webhook-endpoint", http.MethodDelete, "/v1/webhook_endpoints/{id}", "Delete a webhook endpoint"), s.deleteWebhookEndpoint)
	register(s, op("rotate-webhook-secret", http.MethodPost, "/v1/webhook_endpoints/{id}/rotate_secret", "Rotate the signing secret (the old one signs too for 24 hours)"), s.rotateWebhookSecret)
	register(s, op("list-webhook-deliveries", http.MethodGet, "/v1/webhook_endpoints/{id}/deliveries", "List an endpoint's deliveries with every attempt"), s.listWebhookDeliveries)
	register(s, op("redeliver-webhook", http.MethodPost, "/v1/webhook_endpoints/{id}/deliveries/{delivery}/redeliver", "Send a delivery again now"), s.redeliverWebhook)

	register(s, op("list-emails", http.MethodGet, "/v1/emails", "List the email log, newest first"), s.listEmails)
	register(s, op("get-email", http.MethodGet, "/v1/emails/{id}", "Retrieve an email of the log"), s.getEmail)
}

// MetricsHandler serves Prometheus metrics from g.
func MetricsHandler(g prometheus.Gatherer) http.Handler {
	return promhttp.HandlerFor(g, promhttp.HandlerOpts{})
}

func op(id, method, path, summary string) huma.Operation {
	// MaxBodyBytes -1: limitBody is the only body limit, so Config.BodyLimit
	// is the one place that sets it.
	o := huma.Operation{OperationID: id, Method: method, Path: path, Summary: summary, MaxBodyBytes: -1}
	if method == http.MethodPost {
		o.Parameters = []*huma.Param{{Name: "Idempotency-Key", In: "header",
			Description: "Makes the request safe to retry: the first response is replayed for 24 hours.",
			Schema:      &huma.Schema{Type: "string", MaxLength: ptr(255)}}}
	}
	return o
}

func ptr[T any](v T) *T { return &v }

// register adds an operation whose handler errors become Problems.
func register[I, O any](s *Server, o huma.Operation, h func(context.Context, *I) (*O, error)) {
	if params := amountParamsOf(reflect.TypeFor[I]()); len(params) > 0 {
		if o.Metadata == nil {
			o.Metadata = map[string]any{}
		}
		o.Metadata[amountParamsMeta] = params
	}
	huma.Register(s.api, o, func(ctx context.Context, in *I) (*O, error) {
		out, err := h(ctx, in)
		if err != nil {
			return nil, s.problemFor(ctx, err)
		}
		return out, nil
	})
}

// knownRoutes answers requests that match no operation with problem+json
// instead of the mux's plain-text 404 and 405.
func (s *Server) knownRoutes(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, pattern := mux.Handler(r); pattern != "" {
			mux.ServeHTTP(w, r)
			return
		}
		probe := r.Clone(r.Context())
		for _, m := range []string{http.MethodGet, http.MethodPost} {
			probe.Method = m
			if _, pattern := mux.Handler(probe); pattern != "" {
				s.writeProblem(w, r, codeProblem(r.Context(), billing.CodeMethodNotAllowed,
					fmt.Sprintf("%s is not allowed on %s", r.Method, r.URL.Path)))
				return
			}
		}
		s.writeProblem(w, r, codeProblem(r.Context(), billing.CodeUnknownEndpoint,
			fmt.Sprintf("unrecognized request URL: %s %s", r.Method, r.URL.Path)))
	})
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, "application/json", map[string]string{"status": "ok"})
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	if err := s.store.Ping(r.Context()); err != nil {
		s.logger.WarnContext(r.Context(), "not ready: database", "error", err)
		writeJSON(w, http.StatusServiceUnavailable, "application/json", map[string]string{"status": "database unreachable"})
		return
	}
	current, err := s.store.MigrationsCurrent(r.Context())
	if err != nil || !current {
		writeJSON(w, http.StatusServiceUnavailable, "application/json", map[string]string{"status": "migrations pending"})
		return
	}
	writeJSON(w, http.StatusOK, "application/json", map[string]string{"status": "ready"})
}
