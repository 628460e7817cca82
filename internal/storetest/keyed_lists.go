package storetest

import (
	"context"

	"github.com/cuota/cuota/internal/billing"
)

// KeyedList is one list read filtered by a key that has an index of its
// own, and the index it must read through. A list filtered by a customer,
// subscription, invoice, object, email or external id that walked the
// merchant's whole scope instead would cost in proportion to the merchant's
// size (attaching a card lists the customer's subscriptions, so every
// signup would).
type KeyedList struct {
	Name  string
	Index string
	List  func(ctx context.Context, tx billing.Tx) error
}

// KeyedLists are the keyed list reads both stores check against their
// planner (each store's listplan test asks its engine for the plan of the
// query these run).
func KeyedLists() []KeyedList {
	scope := billing.Scope{MerchantID: "mer_1", Mode: billing.ModeTest}
	page := billing.Page{Limit: 10}
	return []KeyedList{
		{"subscriptions of a customer", "subscriptions_customer_idx", func(ctx context.Context, tx billing.Tx) error {
			_, _, err := tx.Subscriptions.ListSubscriptions(ctx, scope, billing.SubscriptionFilter{CustomerID: "cus_1", Status: billing.SubscriptionActive}, page)
			return err
		}},
		{"invoices of a subscription", "invoices_subscription_idx", func(ctx context.Context, tx billing.Tx) error {
			_, _, err := tx.Invoices.ListInvoices(ctx, scope, billing.InvoiceFilter{SubscriptionID: "sub_1", Status: billing.InvoiceOpen}, page)
			return err
		}},
		{"invoices of a customer", "invoices_customer_idx", func(ctx context.Context, tx billing.Tx) error {
			_, _, err := tx.Invoices.ListInvoices(ctx, scope, billing.InvoiceFilter{CustomerID: "cus_1"}, page)
			return err
		}},
		{"payments of an invoice", "payments_invoice_idx", func(ctx context.Context, tx billing.Tx) error {
			_, _, err := tx.Payments.ListPayments(ctx, scope, billing.PaymentFilter{InvoiceID: "in_1"}, page)
			return err
		}},
		{"payments of a customer", "payments_customer_idx", func(ctx context.Context, tx billing.Tx) error {
			_, _, err := tx.Payments.ListPayments(ctx, scope, billing.PaymentFilter{CustomerID: "cus_1"}, page)
			return err
		}},
		{"events of an object", "events_object_idx", func(ctx context.Context, tx billing.Tx) error {
			_, _, err := tx.Events.ListEvents(ctx, scope, billing.EventFilter{ObjectID: "sub_1"}, page)
			return err
		}},
		{"customers by email", "customers_email_idx", func(ctx context.Context, tx billing.Tx) error {
			_, _, err := tx.Customers.ListCustomers(ctx, scope, billing.CustomerFilter{Email: "ana@example.com"}, page)
			return err
		}},
		{"customers by external id", "customers_external_id_key", func(ctx context.Context, tx billing.Tx) error {
			_, _, err := tx.Customers.ListCustomers(ctx, scope, billing.CustomerFilter{ExternalID: "crm-1"}, page)
			return err
		}},
		{"credit notes of an invoice", "credit_notes_invoice_idx", func(ctx context.Context, tx billing.Tx) error {
			_, _, err := tx.Credits.ListCreditNotes(ctx, scope, billing.CreditNoteFilter{InvoiceID: "in_1"}, page)
			return err
		}},
		{"subscriptions by status", "subscriptions_status_idx", func(ctx context.Context, tx billing.Tx) error {
			_, _, err := tx.Subscriptions.ListSubscriptions(ctx, scope, billing.SubscriptionFilter{Status: billing.SubscriptionPastDue}, page)
			return err
		}},
		{"subscriptions unfiltered", "subscriptions_scope_idx", func(ctx context.Context, tx billing.Tx) error {
			_, _, err := tx.Subscriptions.ListSubscriptions(ctx, scope, billing.SubscriptionFilter{}, page)
			return err
		}},
	}
}
