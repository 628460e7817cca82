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

	r := registrar{api: s.api, problemFor: s.problemFor}
	(&catalogHandlers{app: s.app}).routes(r)
	(&customerHandlers{app: s.app}).routes(r)
	(&subscriptionHandlers{app: s.app}).routes(r)
	(&invoiceHandlers{app: s.app}).routes(r)
	(&hostedHandlers{app: s.app}).routes(r)
	(&accountHandlers{app: s.app}).routes(r)
	(&analyticsHandlers{app: s.app}).routes(r)
	(&alertHandlers{app: s.app}).routes(r)
	(&ufHandlers{app: s.app}).routes(r)
	(&exportHandlers{app: s.app, logger: s.logger}).routes(r)
}

// routes registers the operations of the catalog: products, prices, coupons and
// promotion codes.
func (h *catalogHandlers) routes(r registrar) {
	register(r, op("create-product", http.MethodPost, "/v1/products", "Create a product"), h.createProduct)
	register(r, op("list-products", http.MethodGet, "/v1/products", "List products"), h.listProducts)
	register(r, op("get-product", http.MethodGet, "/v1/products/{id}", "Retrieve a product"), h.getProduct)
	register(r, op("update-product", http.MethodPost, "/v1/products/{id}", "Update a product"), h.updateProduct)

	register(r, op("create-price", http.MethodPost, "/v1/prices", "Create a price"), h.createPrice)
	register(r, op("list-prices", http.MethodGet, "/v1/prices", "List prices"), h.listPrices)
	register(r, op("get-price", http.MethodGet, "/v1/prices/{id}", "Retrieve a price"), h.getPrice)
	register(r, op("update-price", http.MethodPost, "/v1/prices/{id}", "Update a price"), h.updatePrice)

	register(r, op("create-coupon", http.MethodPost, "/v1/coupons", "Create a coupon"), h.createCoupon)
	register(r, op("list-coupons", http.MethodGet, "/v1/coupons", "List coupons"), h.listCoupons)
	register(r, op("get-coupon", http.MethodGet, "/v1/coupons/{id}", "Retrieve a coupon"), h.getCoupon)
	register(r, op("update-coupon", http.MethodPost, "/v1/coupons/{id}", "Update a coupon"), h.updateCoupon)

	register(r, op("create-promotion-code", http.MethodPost, "/v1/promotion_codes", "Create a promotion code"), h.createPromotionCode)
	register(r, op("list-promotion-codes", http.MethodGet, "/v1/promotion_codes", "List promotion codes"), h.listPromotionCodes)
	register(r, op("get-promotion-code", http.MethodGet, "/v1/promotion_codes/{id}", "Retrieve a promotion code"), h.getPromotionCode)
	register(r, op("update-promotion-code", http.MethodPost, "/v1/promotion_codes/{id}", "Update a promotion code"), h.updatePromotionCode)

	register(r, op("create-tax-rate", http.MethodPost, "/v1/tax_rates", "Create a tax rate"), h.createTaxRate)
	register(r, op("list-tax-rates", http.MethodGet, "/v1/tax_rates", "List tax rates"), h.listTaxRates)
	register(r, op("get-tax-rate", http.MethodGet, "/v1/tax_rates/{id}", "Retrieve a tax rate"), h.getTaxRate)
	register(r, op("update-tax-rate", http.MethodPost, "/v1/tax_rates/{id}", "Update a tax rate (percentage and inclusive never change)"), h.updateTaxRate)
}

// routes registers the operations of customers, their payment methods and
// entitlements, and payment method setups.
func (h *customerHandlers) routes(r registrar) {
	register(r, op("create-customer", http.MethodPost, "/v1/customers", "Create a customer"), h.createCustomer)
	register(r, op("list-customers", http.MethodGet, "/v1/customers", "List customers"), h.listCustomers)
	register(r, op("get-customer", http.MethodGet, "/v1/customers/{id}", "Retrieve a customer"), h.getCustomer)
	register(r, op("update-customer", http.MethodPost, "/v1/customers/{id}", "Update a customer"), h.updateCustomer)
	register(r, op("delete-customer", http.MethodDelete, "/v1/customers/{id}", "Delete a customer: cancels its live subscriptions at once and detaches its payment methods"), h.deleteCustomer)

	register(r, op("attach-payment-method", http.MethodPost, "/v1/customers/{id}/payment_methods", "Attach a payment method by gateway token"), h.attachPaymentMethod)
	register(r, op("list-payment-methods", http.MethodGet, "/v1/customers/{id}/payment_methods", "List a customer's payment methods"), h.listPaymentMethods)
	register(r, op("get-entitlements", http.MethodGet, "/v1/customers/{id}/entitlements", "What the customer is entitled to now"), h.entitlements)
	register(r, op("create-customer-balance-transaction", http.MethodPost, "/v1/customers/{id}/balance_transactions", "Adjust a customer's balance"), h.createBalanceTransaction)
	register(r, op("list-customer-balance-transactions", http.MethodGet, "/v1/customers/{id}/balance_transactions", "List the changes of a customer's balance"), h.listBalanceTransactions)

	register(r, op("create-payment-method-setup", http.MethodPost, "/v1/customers/{id}/payment_method_setups", "Start saving a card on a hosted page"), h.createPaymentMethodSetup)
	register(r, op("get-payment-method-setup", http.MethodGet, "/v1/payment_method_setups/{id}", "Retrieve a payment method setup"), h.getPaymentMethodSetup)
}

// routes registers the operations of test clocks, subscriptions and their plan
// changes.
func (h *subscriptionHandlers) routes(r registrar) {
	register(r, op("create-test-clock", http.MethodPost, "/v1/test_clocks", "Create a test clock (test mode)"), h.createTestClock)
	register(r, op("list-test-clocks", http.MethodGet, "/v1/test_clocks", "List test clocks"), h.listTestClocks)
	register(r, op("get-test-clock", http.MethodGet, "/v1/test_clocks/{id}", "Retrieve a test clock"), h.getTestClock)
	register(r, op("advance-test-clock", http.MethodPost, "/v1/test_clocks/{id}/advance", "Advance a test clock and run the work due"), h.advanceTestClock)

	register(r, op("create-subscription", http.MethodPost, "/v1/subscriptions", "Create a subscription"), h.createSubscription)
	register(r, op("list-subscriptions", http.MethodGet, "/v1/subscriptions", "List subscriptions"), h.listSubscriptions)
	register(r, op("get-subscription", http.MethodGet, "/v1/subscriptions/{id}", "Retrieve a subscription"), h.getSubscription)
	register(r, op("cancel-subscription", http.MethodPost, "/v1/subscriptions/{id}/cancel", "Cancel a subscription now or at period end"), h.cancelSubscription)
	register(r, op("reactivate-subscription", http.MethodPost, "/v1/subscriptions/{id}/reactivate", "Undo a cancellation scheduled for period end"), h.reactivateSubscription)
	register(r, op("cancel-subscription-pending-update", http.MethodPost, "/v1/subscriptions/{id}/pending_update/cancel", "Cancel the change scheduled for period end"), h.cancelPendingUpdate)

	register(r, op("preview-subscription-change", http.MethodPost, "/v1/subscriptions/{id}/change/preview", "Preview a plan change: exact proration, amount due, features"), h.previewChange)
	register(r, op("change-subscription", http.MethodPost, "/v1/subscriptions/{id}/change", "Change a subscription's items"), h.changeSubscription)
	register(r, op("pause-subscription", http.MethodPost, "/v1/subscriptions/{id}/pause", "Pause a subscription"), h.pauseSubscription)
	register(r, op("resume-subscription", http.MethodPost, "/v1/subscriptions/{id}/resume", "Resume a paused subscription"), h.resumeSubscription)
}

// routes registers the operations of invoices, payments, refunds and
// credit notes.
func (h *invoiceHandlers) routes(r registrar) {
	register(r, op("create-invoice", http.MethodPost, "/v1/invoices", "Create a one-off invoice"), h.createInvoice)
	register(r, op("list-invoices", http.MethodGet, "/v1/invoices", "List invoices"), h.listInvoices)
	register(r, op("get-invoice", http.MethodGet, "/v1/invoices/{id}", "Retrieve an invoice"), h.getInvoice)
	register(r, op("finalize-invoice", http.MethodPost, "/v1/invoices/{id}/finalize", "Finalize a draft invoice and collect it"), h.finalizeInvoice)
	register(r, op("pay-invoice", http.MethodPost, "/v1/invoices/{id}/pay", "Try to collect an invoice now"), h.payInvoice)
	register(r, op("void-invoice", http.MethodPost, "/v1/invoices/{id}/void", "Void an invoice"), h.voidInvoice)
	register(r, op("mark-invoice-uncollectible", http.MethodPost, "/v1/invoices/{id}/mark_uncollectible", "Mark an invoice uncollectible"), h.markUncollectible)
	register(r, pdfOperation(op("get-invoice-pdf", http.MethodGet, "/v1/invoices/{id}/pdf", "Download an invoice as a PDF (drafts carry a DRAFT stamp)")), h.invoicePDF)
	register(r, op("issue-invoice-tax-document", http.MethodPost, "/v1/invoices/{id}/tax_document", "Issue a paid invoice's Chilean tax document, or issue it again after a rejection (docs/dte.md)"), h.issueTaxDocument)
	register(r, taxDocumentFileOperation(op("get-invoice-tax-document-file", http.MethodGet, "/v1/invoices/{id}/tax_document/{format}", "Download an invoice's tax document as the provider issued it (pdf or xml)")), h.taxDocumentFile)
	register(r, taxDocumentFileOperation(op("get-credit-note-tax-document-file", http.MethodGet, "/v1/credit_notes/{id}/tax_document/{format}", "Download a credit note's nota de crédito as the provider issued it (pdf or xml)")), h.creditNoteTaxDocumentFile)

	register(r, op("list-payments", http.MethodGet, "/v1/payments", "List payments"), h.listPayments)
	register(r, op("get-payment", http.MethodGet, "/v1/payments/{id}", "Retrieve a payment attempt"), h.getPayment)

	register(r, op("create-refund", http.MethodPost, "/v1/refunds", "Refund a payment, fully or partly"), h.createRefund)
	register(r, op("list-refunds", http.MethodGet, "/v1/refunds", "List refunds"), h.listRefunds)
	register(r, op("get-refund", http.MethodGet, "/v1/refunds/{id}", "Retrieve a refund"), h.getRefund)

	register(r, op("create-credit-note", http.MethodPost, "/v1/credit_notes", "Credit a paid invoice: refund, customer balance or out of band"), h.createCreditNote)
	register(r, op("preview-credit-note", http.MethodPost, "/v1/credit_notes/preview", "Preview a credit note without issuing it"), h.previewCreditNote)
	register(r, op("list-credit-notes", http.MethodGet, "/v1/credit_notes", "List credit notes"), h.listCreditNotes)
	register(r, op("get-credit-note", http.MethodGet, "/v1/credit_notes/{id}", "Retrieve a credit note"), h.getCreditNote)
	register(r, pdfOperation(op("get-credit-note-pdf", http.MethodGet, "/v1/credit_notes/{id}/pdf", "Download a credit note as a PDF")), h.creditNotePDF)
	register(r, op("void-credit-note", http.MethodPost, "/v1/credit_notes/{id}/void", "Void a credit note (not one refunded to the card)"), h.voidCreditNote)
}

// routes registers the operations of checkout sessions, portal sessions and
// publishable keys.
func (h *hostedHandlers) routes(r registrar) {
	register(r, op("create-checkout-session", http.MethodPost, "/v1/checkout_sessions", "Start a hosted checkout (subscription or setup mode)"), h.createCheckoutSession)
	register(r, op("get-checkout-session", http.MethodGet, "/v1/checkout_sessions/{id}", "Retrieve a checkout session and its result"), h.getCheckoutSession)
	register(r, op("expire-checkout-session", http.MethodPost, "/v1/checkout_sessions/{id}/expire", "Expire an open checkout session"), h.expireCheckoutSession)
	register(r, op("create-portal-session", http.MethodPost, "/v1/portal_sessions", "Open the customer portal for one hour"), h.createPortalSession)

	register(r, op("create-publishable-key", http.MethodPost, "/v1/publishable_keys", "Create a publishable key for the pricing table"), h.createPublishableKey)
	register(r, op("list-publishable-keys", http.MethodGet, "/v1/publishable_keys", "List publishable keys"), h.listPublishableKeys)
	register(r, op("revoke-publishable-key", http.MethodPost, "/v1/publishable_keys/{id}/revoke", "Revoke a publishable key"), h.revokePublishableKey)
}

// routes registers the operations of the merchant account: settings, gateways,
// webhook endpoints, events, the email log and the audit log.
func (h *accountHandlers) routes(r registrar) {
	register(r, op("get-merchant", http.MethodGet, "/v1/merchant", "Your merchant settings"), h.getMerchant)
	register(r, op("update-merchant", http.MethodPatch, "/v1/merchant", "Change your merchant settings, policies and profile"), h.updateMerchant)
	register(r, op("put-merchant-logo", http.MethodPut, "/v1/merchant/logo", "Upload your logo: a PNG or SVG of at most 256 KiB, sent as the raw body"), h.putLogo)
	register(r, op("delete-merchant-logo", http.MethodDelete, "/v1/merchant/logo", "Remove your logo"), h.deleteLogo)
	register(r, op("get-dte-settings", http.MethodGet, "/v1/merchant/dte", "Your Chilean tax document setup for this mode (provider key redacted)"), h.getDTESettings)
	register(r, op("put-dte-settings", http.MethodPut, "/v1/merchant/dte", "Set up Chilean tax documents for this mode: provider, key (encrypted), SII activity code"), h.putDTESettings)
	register(r, op("list-gateway-configs", http.MethodGet, "/v1/merchant/gateways", "Your gateway configurations (credentials redacted)"), h.listGatewayConfigs)
	register(r, op("put-gateway-config", http.MethodPut, "/v1/merchant/gateways/{gateway}", "Configure a gateway for this mode (credentials are checked with the gateway, then encrypted)"), h.putGatewayConfig)
	register(r, op("delete-gateway-config", http.MethodDelete, "/v1/merchant/gateways/{gateway}", "Remove a gateway's configuration"), h.deleteGatewayConfig)

	register(r, op("create-webhook-endpoint", http.MethodPost, "/v1/webhook_endpoints", "Create a webhook endpoint (its secret is shown once)"), h.createWebhookEndpoint)
	register(r, op("list-webhook-endpoints", http.MethodGet, "/v1/webhook_endpoints", "List webhook endpoints"), h.listWebhookEndpoints)
	register(r, op("get-webhook-endpoint", http.MethodGet, "/v1/webhook_endpoints/{id}", "Retrieve a webhook endpoint"), h.getWebhookEndpoint)
	register(r, op("update-webhook-endpoint", http.MethodPost, "/v1/webhook_endpoints/{id}", "Update a webhook endpoint, or disable or enable it"), h.updateWebhookEndpoint)
	register(r, op("delete-webhook-endpoint", http.MethodDelete, "/v1/webhook_endpoints/{id}", "Delete a webhook endpoint"), h.deleteWebhookEndpoint)
	register(r, op("rotate-webhook-secret", http.MethodPost, "/v1/webhook_endpoints/{id}/rotate_secret", "Rotate the signing secret (the old one signs too for 24 hours)"), h.rotateWebhookSecret)
	register(r, op("list-webhook-deliveries", http.MethodGet, "/v1/webhook_endpoints/{id}/deliveries", "List an endpoint's deliveries with every attempt"), h.listWebhookDeliveries)
	register(r, op("redeliver-webhook", http.MethodPost, "/v1/webhook_endpoints/{id}/deliveries/{delivery}/redeliver", "Send a delivery again now"), h.redeliverWebhook)

	register(r, op("list-events", http.MethodGet, "/v1/events", "List events"), h.listEvents)
	register(r, op("get-event", http.MethodGet, "/v1/events/{id}", "Retrieve an event"), h.getEvent)

	register(r, op("list-emails", http.MethodGet, "/v1/emails", "List the email log, newest first"), h.listEmails)
	register(r, op("get-email", http.MethodGet, "/v1/emails/{id}", "Retrieve an email of the log"), h.getEmail)

	register(r, op("list-audit-log", http.MethodGet, "/v1/audit_log", "List audit log entries, oldest first"), h.listAuditLog)
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

// registrar is what an area's handlers need of the Server to register their
// operations: the huma API, and the mapping of errors to Problems.
type registrar struct {
	api        huma.API
	problemFor func(context.Context, error) *Problem
}

// register adds an operation whose handler errors become Problems.
func register[I, O any](r registrar, o huma.Operation, h func(context.Context, *I) (*O, error)) {
	if params := amountParamsOf(reflect.TypeFor[I]()); len(params) > 0 {
		if o.Metadata == nil {
			o.Metadata = map[string]any{}
		}
		o.Metadata[amountParamsMeta] = params
	}
	huma.Register(r.api, o, func(ctx context.Context, in *I) (*O, error) {
		out, err := h(ctx, in)
		if err != nil {
			return nil, r.problemFor(ctx, err)
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
