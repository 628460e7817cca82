package sqlite

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestConstraintName(t *testing.T) {
	tests := []struct {
		msg        string
		primaryKey bool
		want       string
	}{
		{"constraint failed: UNIQUE constraint failed: prices.merchant_id, prices.mode, prices.lookup_key (2067)", false, "prices_lookup_key_key"},
		{"UNIQUE constraint failed: customers.merchant_id, customers.mode, customers.external_id", false, "customers_external_id_key"},
		{"UNIQUE constraint failed: promotion_codes.merchant_id, promotion_codes.mode, promotion_codes.code", false, "promotion_codes_code_key"},
		{"UNIQUE constraint failed: api_keys.hash", false, "api_keys_hash_key"},
		{"UNIQUE constraint failed: audit_entries.merchant_id, audit_entries.seq", false, "audit_entries_seq_key"},
		{"constraint failed: UNIQUE constraint failed: products.id (1555)", true, "products_pkey"},
		{"UNIQUE constraint failed: audit_heads.merchant_id", true, "audit_heads_pkey"},
		{"UNIQUE constraint failed: idempotency_keys.merchant_id, idempotency_keys.mode, idempotency_keys.key", true, "idempotency_keys_pkey"},
		{"UNIQUE constraint failed: things.merchant_id, things.mode", false, "things_merchant_id_mode_key"},
		// Lifecycle indexes, named like their Postgres counterparts.
		{"constraint failed: UNIQUE constraint failed: invoices.subscription_id, invoices.period_start (2067)", false, "invoices_subscription_period_key"},
		{"UNIQUE constraint failed: invoices.merchant_id, invoices.mode, invoices.number", false, "invoices_number_key"},
		{"UNIQUE constraint failed: payments.invoice_id", false, "payments_one_success_key"},
		{"UNIQUE constraint failed: payments.merchant_id, payments.mode, payments.idempotency_key", false, "payments_idempotency_key_key"},
		{"UNIQUE constraint failed: trial_redemptions.merchant_id, trial_redemptions.mode, trial_redemptions.kind, trial_redemptions.value (1555)", true, "trial_redemptions_pkey"},
		{"UNIQUE constraint failed: invoice_counters.merchant_id, invoice_counters.mode", true, "invoice_counters_pkey"},
		{"UNIQUE constraint failed: sim_charges.key", true, "sim_charges_pkey"},
		{"UNIQUE constraint failed: invoices.id", true, "invoices_pkey"},
		// The table is matched on the whole column list, in order.
		{"UNIQUE constraint failed: invoices.period_start, invoices.subscription_id", false, "invoices_period_start_subscription_id_key"},
		{"UNIQUE constraint failed: refunds.invoice_id", false, "refunds_invoice_id_key"},
		{"something else entirely", false, "unknown"},
		{"UNIQUE constraint failed: a.x, b.y", false, "unknown"},
		{"UNIQUE constraint failed: index 'idx'", false, "unknown"},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, constraintName(tt.primaryKey, tt.msg), tt.msg)
	}
}

func TestDSNEscapesPath(t *testing.T) {
	require.Equal(t,
		"file:/tmp/a%3fb%23c%25d.db?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)"+
			"&_pragma=foreign_keys(ON)&_pragma=synchronous(NORMAL)&_txlock=immediate",
		dsn("/tmp/a?b#c%d.db"))
}
