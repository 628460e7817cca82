package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/riverqueue/river"

	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/sqlite/litedb/accountsdb"
	"github.com/cuota/cuota/internal/sqlite/litedb/alertsdb"
	"github.com/cuota/cuota/internal/sqlite/litedb/analyticsdb"
	"github.com/cuota/cuota/internal/sqlite/litedb/auditdb"
	"github.com/cuota/cuota/internal/sqlite/litedb/checkoutdb"
	"github.com/cuota/cuota/internal/sqlite/litedb/consoledb"
	"github.com/cuota/cuota/internal/sqlite/litedb/creditsdb"
	"github.com/cuota/cuota/internal/sqlite/litedb/dtedb"
	"github.com/cuota/cuota/internal/sqlite/litedb/eventsdb"
	"github.com/cuota/cuota/internal/sqlite/litedb/lifecycledb"
	"github.com/cuota/cuota/internal/sqlite/litedb/opsdb"
	"github.com/cuota/cuota/internal/sqlite/litedb/ufdb"
)

// base is what every area of one InTx call shares: the transaction, the
// generated queries on it (one Queries per query group, see sqlc.yaml) and
// River's inserter. Every statement runs on sqlTx. Each area type (auditTx,
// invoiceTx…, one per tx_*.go file) embeds it, so the areas stay small and
// still work on the same transaction. An area mostly uses its own group's
// queries, and another group's for the rows that group owns (gatewayTx
// reads refunds through lifecycle, say).
type base struct {
	accounts  *accountsdb.Queries
	analytics *analyticsdb.Queries
	audit     *auditdb.Queries
	lifecycle *lifecycledb.Queries
	ops       *opsdb.Queries
	credits   *creditsdb.Queries
	events    *eventsdb.Queries
	checkout  *checkoutdb.Queries
	console   *consoledb.Queries
	alerts    *alertsdb.Queries
	dte       *dtedb.Queries
	uf        *ufdb.Queries
	sqlTx     *sql.Tx
	inserter  *river.Client[*sql.Tx]
}

// newBase returns the base of a transaction.
// With st (the store's prepared statements) its queries run prepared;
// with nil (a schema not migrated yet) they are compiled on each call.
func newBase(sqlTx *sql.Tx, inserter *river.Client[*sql.Tx], st *statements) *base {
	if st == nil {
		return &base{accounts: accountsdb.New(sqlTx), analytics: analyticsdb.New(sqlTx), audit: auditdb.New(sqlTx),
			alerts: alertsdb.New(sqlTx), checkout: checkoutdb.New(sqlTx), console: consoledb.New(sqlTx), credits: creditsdb.New(sqlTx),
			dte: dtedb.New(sqlTx), uf: ufdb.New(sqlTx), events: eventsdb.New(sqlTx), lifecycle: lifecycledb.New(sqlTx), ops: opsdb.New(sqlTx),
			sqlTx: sqlTx, inserter: inserter}
	}
	return &base{accounts: st.accounts.WithTx(sqlTx), analytics: st.analytics.WithTx(sqlTx), audit: st.audit.WithTx(sqlTx),
		alerts: st.alerts.WithTx(sqlTx), checkout: st.checkout.WithTx(sqlTx), console: st.console.WithTx(sqlTx), credits: st.credits.WithTx(sqlTx),
		dte: st.dte.WithTx(sqlTx), uf: st.uf.WithTx(sqlTx), events: st.events.WithTx(sqlTx), lifecycle: st.lifecycle.WithTx(sqlTx), ops: st.ops.WithTx(sqlTx),
		sqlTx: sqlTx, inserter: inserter}
}

// newTx returns the billing.Tx of a transaction: every area on one base.
// The area values are one pointer wide, so building them allocates nothing.
func newTx(b *base) billing.Tx {
	return billing.Tx{
		Merchants:      merchantTx{b},
		Catalog:        catalogTx{b},
		TaxRates:       taxRateTx{b},
		Customers:      customerTx{b},
		PaymentMethods: paymentMethodTx{b},
		Coupons:        couponTx{b},
		Setups:         setupTx{b},
		Clocks:         clockTx{b},
		Subscriptions:  subscriptionTx{b},
		Invoices:       invoiceTx{b},
		Payments:       paymentTx{b},
		Events:         eventTx{b},
		Audit:          auditTx{b},
		Idempotency:    idempotencyTx{b},
		Jobs:           jobTx{b},
		Batch:          batchTx{b},
		Checkout:       checkoutTx{b},
		Notify:         notifyTx{b},
		Gateways:       gatewayTx{b},
		Analytics:      analyticsTx{b},
		Credits:        creditTx{b},
		Console:        consoleTx{b},
		Alerts:         alertTx{b},
		DTE:            dteTx{b},
		UF:             ufTx{b},
	}
}

// jobTx is the billing.JobTx of one transaction.
type jobTx struct{ *base }

var _ billing.JobTx = jobTx{}

// Jobs.

// Enqueue inserts job with River in this transaction, so it runs only if the transaction commits.
func (t jobTx) Enqueue(ctx context.Context, job billing.Job) error {
	if _, err := t.inserter.InsertTx(ctx, t.sqlTx, job, nil); err != nil {
		return fmt.Errorf("enqueue %s job: %w", job.Kind(), err)
	}
	return nil
}
