package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// consoleSeed is what `cuota bench console` writes: one merchant's test
// mode with subs subscriptions over about months months, about ten
// invoices each.
type consoleSeed struct {
	merchant string
	subs     int
	months   float64 // how far back the oldest subscription started
	now      time.Time
}

// seedMonths is the history (in months) that gives about invoices
// invoices to subs subscriptions with the status mix of consoleSeedSQL:
// 77 % bill every month since they started (uniformly spread over the
// history), 15 % were canceled half-way, 2 % have one invoice, 5 % are
// in trial; so an average of 0.4225 × months + 0.52 invoices each.
func seedMonths(subs, invoices int) float64 {
	per := float64(invoices) / float64(subs)
	return max(1, (per-0.52)/0.4225)
}

// consoleSeedSQL writes the data set-based (INSERT … SELECT over
// generate_series), cloning the JSON columns of the template objects the
// benchmark made through the API, so that pages render real rows. The
// statements run in order on one connection whose search_path is the
// benchmark's schema; $1 is the merchant, $2 the number of subscriptions,
// $3 the history in days, $4 now.
var consoleSeedSQL = []struct{ what, sql string }{
	// An id of the right length and alphabet whose order is the time's
	// (hex digits are Crockford base32 digits too, so such ids sort
	// before every id NewID makes today); n makes it unique.
	{"id function", `
CREATE FUNCTION bench_id(prefix text, at timestamptz, n bigint) RETURNS text LANGUAGE sql IMMUTABLE AS $f$
SELECT prefix || lpad(to_hex(floor(extract(epoch FROM at) * 1000)::bigint), 12, '0') || lpad(to_hex(n), 14, '0')
$f$`},
	// One row per subscription: when it started, its status, its price
	// (one of the three templates) and how many monthly invoices it has.
	{"plan", `
CREATE TEMP TABLE bench_plan AS
WITH base AS (
  SELECT i,
         CASE WHEN i % 100 < 70 THEN 'active' WHEN i % 100 < 85 THEN 'canceled' WHEN i % 100 < 90 THEN 'past_due'
              WHEN i % 100 < 95 THEN 'trialing' WHEN i % 100 < 97 THEN 'paused' WHEN i % 100 = 97 THEN 'unpaid'
              WHEN i % 100 = 98 THEN 'incomplete' ELSE 'incomplete_expired' END AS status,
         (i % 3) AS price_no,
         CAST($4 AS timestamptz) - make_interval(secs => $3::float8 * 86400 * ($2 - i + 0.5) / $2) AS started
  FROM generate_series(1, $2::bigint) i
), timed AS (
  SELECT i, status, price_no,
         CASE WHEN status = 'trialing' THEN CAST($4 AS timestamptz) - make_interval(secs => 86400 * (i % 13) + i % 86400)
              WHEN status IN ('incomplete', 'incomplete_expired') THEN CAST($4 AS timestamptz) - make_interval(secs => 86400 * (i % 60) + i % 86400)
              ELSE started END AS created
  FROM base
)
SELECT i, status, price_no, created,
       CASE status WHEN 'trialing' THEN 0 WHEN 'incomplete' THEN 1 WHEN 'incomplete_expired' THEN 1
            WHEN 'canceled' THEN greatest(1, (months + 1) / 2) ELSE months + 1 END AS cycles
FROM (SELECT *, (extract(year FROM age(CAST($4 AS timestamptz), created)) * 12 + extract(month FROM age(CAST($4 AS timestamptz), created)))::int AS months
      FROM timed) t`},
	{"customers", `
INSERT INTO customers (id, merchant_id, mode, email, name, external_id, locale, metadata, created, updated)
SELECT bench_id('cus_', p.created - interval '1 minute', p.i), $1, 'test', 'cliente' || p.i || '@example.cl',
       CASE WHEN p.i % 10000 = 7 THEN 'Zuleta Quiroga ' || p.i
            ELSE (ARRAY['Ana','Benjamín','Camila','Diego','Elena','Felipe','Gabriela','Hugo','Isidora','Joaquín',
                        'Karen','Lucas','Martina','Nicolás','Olivia','Pablo','Renata','Sebastián','Trinidad','Vicente'])[p.i % 20 + 1]
              || ' ' || (ARRAY['González','Muñoz','Rojas','Díaz','Pérez','Soto','Contreras','Silva','Martínez','Sepúlveda',
                        'Morales','Rodríguez','López','Fuentes','Hernández','Torres','Araya','Flores','Espinoza','Valenzuela',
                        'Castillo','Tapia','Reyes','Gutiérrez','Castro'])[(p.i / 20) % 25 + 1]
              || ' ' || (ARRAY['Vera','Ruiz','Núñez','Ortiz','Pizarro','Cortés','Vargas','Carrasco','Sánchez','Alvarado',
                        'Molina','Figueroa','Jara','Bravo','Vidal','Campos','Ríos','Saavedra','Orellana','Olivares',
                        'Riquelme','Salazar','Miranda','Toro','Cárdenas'])[(p.i / 500) % 25 + 1] END,
       'crm-' || p.i, 'es-CL', '{}', p.created - interval '1 minute', p.created - interval '1 minute'
FROM bench_plan p`},
	{"payment methods", `
INSERT INTO payment_methods (id, merchant_id, mode, customer_id, gateway, token, brand, last4, exp_month, exp_year, status, created, updated)
SELECT bench_id('pm_', p.created - interval '30 seconds', p.i), $1, 'test', bench_id('cus_', p.created - interval '1 minute', p.i),
       t.gateway, t.token, t.brand, t.last4, t.exp_month, t.exp_year, 'active', p.created - interval '30 seconds', p.created - interval '30 seconds'
FROM bench_plan p, (SELECT * FROM payment_methods WHERE merchant_id = $1 ORDER BY id LIMIT 1) t`},
	{"subscriptions", `
INSERT INTO subscriptions (id, merchant_id, mode, version, customer_id, test_clock_id, status, items, price_ids, currency, interval,
  interval_count, payment_method_id, billing_anchor, cycle_index, current_period_start, current_period_end, trial_start, trial_end,
  trial_will_end_sent, cancel_at_period_end, cancel_at, canceled_at, cancellation_reason, ended_at, max_cycles, end_date,
  pending_change, coupon_id, discount_end, discount_used, next_action_at, metadata, created, updated, pending_lines, default_tax_rates)
SELECT bench_id('sub_', p.created, p.i), $1, 'test', 1, bench_id('cus_', p.created - interval '1 minute', p.i), '', p.status,
       t.items, t.price_ids, t.currency, t.interval, t.interval_count, bench_id('pm_', p.created - interval '30 seconds', p.i),
       p.created, greatest(p.cycles, 1), p.created + make_interval(months => greatest(p.cycles, 1) - 1),
       p.created + make_interval(months => greatest(p.cycles, 1)),
       CASE WHEN p.status = 'trialing' THEN p.created END, CASE WHEN p.status = 'trialing' THEN p.created + interval '14 days' END,
       false, false, NULL,
       CASE WHEN p.status IN ('canceled', 'incomplete_expired') THEN p.created + make_interval(months => p.cycles) END,
       CASE WHEN p.status = 'canceled' THEN 'cancellation_requested' ELSE '' END,
       CASE WHEN p.status IN ('canceled', 'incomplete_expired') THEN p.created + make_interval(months => p.cycles) END,
       0, NULL, t.pending_change, '', NULL, false,
       CASE WHEN p.status IN ('active', 'past_due', 'trialing', 'unpaid') THEN p.created + make_interval(months => greatest(p.cycles, 1)) END,
       '{}', p.created, p.created, t.pending_lines, t.default_tax_rates
FROM bench_plan p JOIN bench_templates t ON t.price_no = p.price_no`},
	// Each subscription's monthly invoices; the last one of a past-due,
	// unpaid or incomplete subscription is open, of an expired one void;
	// one in ten renewals was paid on a second attempt.
	{"invoices", `
CREATE TEMP TABLE bench_inv AS
SELECT p.i, k, p.status AS sub_status, p.price_no, p.created + make_interval(months => k) AS period_start,
       p.created + make_interval(months => k + 1) AS period_end,
       CASE WHEN k = p.cycles - 1 AND p.status IN ('past_due', 'unpaid', 'incomplete') THEN 'open'
            WHEN k = p.cycles - 1 AND p.status = 'incomplete_expired' THEN 'void' ELSE 'paid' END AS status,
       CASE WHEN k > 0 AND (p.i + k) % 10 = 0 THEN 2 ELSE 1 END AS attempts
FROM bench_plan p, generate_series(0, p.cycles - 1) k`},
	// Without statistics the planner joins the temporary tables by nested
	// loops: hours at this size.
	{"analyze", `ANALYZE bench_plan, bench_inv, bench_templates`},
	{"invoice rows", `
INSERT INTO invoices (id, merchant_id, mode, customer_id, subscription_id, number, status, billing_reason, currency, period_start,
  period_end, lines, subtotal, discount, tax, total, amount_due, amount_paid, attempt_count, next_attempt_at, finalized_at, paid_at,
  voided_at, created, updated, payment_method_id)
SELECT bench_id('in_', v.period_start, v.i * 1000 + v.k), $1, 'test', bench_id('cus_', p.created - interval '1 minute', v.i),
       bench_id('sub_', p.created, v.i), 'BENCH-' || lpad((v.i * 1000 + v.k)::text, 9, '0'), v.status,
       CASE WHEN v.k = 0 THEN 'subscription_create' ELSE 'subscription_cycle' END, t.currency, v.period_start, v.period_end,
       t.lines, t.amount, 0, 0, t.amount, CASE WHEN v.status = 'paid' THEN 0 ELSE t.amount END,
       CASE WHEN v.status = 'paid' THEN t.amount ELSE 0 END, v.attempts, NULL, v.period_start,
       CASE WHEN v.status = 'paid' THEN v.period_start + make_interval(days => 3 * (v.attempts - 1), mins => 1) END,
       CASE WHEN v.status = 'void' THEN v.period_start + interval '23 hours' END,
       v.period_start, v.period_start, bench_id('pm_', p.created - interval '30 seconds', v.i)
FROM bench_inv v JOIN bench_plan p ON p.i = v.i JOIN bench_templates t ON t.price_no = v.price_no`},
	// A payment per attempt: a failed first attempt before a second that
	// succeeded, a failed one on an open or void invoice.
	{"payments", `
INSERT INTO payments (id, merchant_id, mode, invoice_id, customer_id, attempt, gateway, payment_method_id, amount, currency,
  idempotency_key, gateway_ref, status, failure_class, failure_code, failure_message, amount_refunded, created, updated)
SELECT bench_id('pay_', v.period_start + make_interval(days => 3 * (a - 1), secs => 30), v.i * 10000 + v.k * 10 + a), $1, 'test',
       bench_id('in_', v.period_start, v.i * 1000 + v.k), bench_id('cus_', p.created - interval '1 minute', v.i), a, 'sim',
       bench_id('pm_', p.created - interval '30 seconds', v.i), t.amount, t.currency,
       bench_id('in_', v.period_start, v.i * 1000 + v.k) || ':' || a, 'sim_' || v.i || '_' || v.k || '_' || a,
       CASE WHEN v.status = 'paid' AND a = v.attempts THEN 'succeeded' ELSE 'failed' END,
       CASE WHEN v.status = 'paid' AND a = v.attempts THEN '' ELSE 'customer' END,
       CASE WHEN v.status = 'paid' AND a = v.attempts THEN '' ELSE 'card_declined' END,
       CASE WHEN v.status = 'paid' AND a = v.attempts THEN '' ELSE 'The card was declined.' END, 0,
       v.period_start + make_interval(days => 3 * (a - 1), secs => 30), v.period_start + make_interval(days => 3 * (a - 1), secs => 31)
FROM bench_inv v JOIN bench_plan p ON p.i = v.i JOIN bench_templates t ON t.price_no = v.price_no,
     generate_series(1, v.attempts) a`},
	// MRR records as saveSubscription writes them: the price from the
	// start of a subscription that ever brought MRR, and zero when it was
	// canceled, paused or left unpaid.
	{"mrr changes", `
INSERT INTO mrr_changes (id, merchant_id, mode, subscription_id, customer_id, currency, at, amount, delta, active_delta, created)
SELECT bench_id('mrrc_', p.created, p.i * 2), $1, 'test', bench_id('sub_', p.created, p.i),
       bench_id('cus_', p.created - interval '1 minute', p.i), t.currency, p.created, t.mrr, t.mrr, 1, p.created
FROM bench_plan p JOIN bench_templates t ON t.price_no = p.price_no
WHERE p.status IN ('active', 'past_due', 'canceled', 'paused', 'unpaid')
UNION ALL
SELECT bench_id('mrrc_', e.at, p.i * 2 + 1), $1, 'test', bench_id('sub_', p.created, p.i),
       bench_id('cus_', p.created - interval '1 minute', p.i), t.currency, e.at, 0, -t.mrr, -1, e.at
FROM bench_plan p JOIN bench_templates t ON t.price_no = p.price_no,
     LATERAL (SELECT least(p.created + make_interval(months => p.cycles) - interval '1 day', CAST($4 AS timestamptz) - interval '1 hour') AS at) e
WHERE p.status IN ('canceled', 'paused', 'unpaid')`},
	{"events", `
INSERT INTO events (id, merchant_id, mode, type, object_type, object_id, data, created)
SELECT bench_id('evt_', p.created - interval '1 minute', p.i * 4), $1, 'test', 'customer.created', 'customer',
       bench_id('cus_', p.created - interval '1 minute', p.i), t.customer_event, p.created - interval '1 minute'
FROM bench_plan p JOIN bench_templates t ON t.price_no = p.price_no
UNION ALL
SELECT bench_id('evt_', p.created, p.i * 4 + 1), $1, 'test', 'customer.subscription.created', 'subscription',
       bench_id('sub_', p.created, p.i), t.subscription_event, p.created
FROM bench_plan p JOIN bench_templates t ON t.price_no = p.price_no`},
	{"invoice events", `
INSERT INTO events (id, merchant_id, mode, type, object_type, object_id, data, created)
SELECT bench_id('evt_', v.period_start + interval '2 minutes', v.i * 1000 + v.k), $1, 'test',
       CASE v.status WHEN 'paid' THEN 'invoice.paid' WHEN 'void' THEN 'invoice.voided' ELSE 'invoice.payment_failed' END,
       'invoice', bench_id('in_', v.period_start, v.i * 1000 + v.k),
       '{"id":"' || bench_id('in_', v.period_start, v.i * 1000 + v.k) || '","object":"invoice","status":"' || v.status || '"}',
       v.period_start + interval '2 minutes'
FROM bench_inv v`},
	{"audit entries", `
INSERT INTO audit_entries (id, merchant_id, seq, mode, actor, action, object_type, object_id, before, after, request_id, client_ip,
  created, prev_hash, hash)
SELECT bench_id('audit_', p.created - interval '1 minute', p.i * 2), $1, CAST(NULL AS bigint), 'test', 'api_key:bench', 'customer.create', 'customer',
       bench_id('cus_', p.created - interval '1 minute', p.i), '', '{}', 'req_bench', '127.0.0.1', p.created - interval '1 minute', '', ''
FROM bench_plan p
UNION ALL
SELECT bench_id('audit_', p.created, p.i * 2 + 1), $1, NULL, 'test', 'api_key:bench', 'subscription.create', 'subscription',
       bench_id('sub_', p.created, p.i), '', '{}', 'req_bench', '127.0.0.1', p.created, '', ''
FROM bench_plan p`},
}

// consoleTemplatesSQL collects, per template price (0, 1, 2 in the order
// of the benchmark's prices), the JSON of the subscription and invoice
// the API made for it, and the MRR it recorded.
const consoleTemplatesSQL = `
CREATE TEMP TABLE bench_templates AS
SELECT (row_number() OVER (ORDER BY s.id) - 1)::int AS price_no, s.items, s.pending_change, s.pending_lines, s.default_tax_rates, s.price_ids, s.currency, s.interval, s.interval_count,
       i.lines, i.total AS amount, m.amount AS mrr,
       (SELECT data FROM events e WHERE e.object_id = s.customer_id ORDER BY id LIMIT 1) AS customer_event,
       (SELECT data FROM events e WHERE e.object_id = s.id ORDER BY id LIMIT 1) AS subscription_event
FROM subscriptions s
JOIN LATERAL (SELECT * FROM invoices i WHERE i.subscription_id = s.id ORDER BY id LIMIT 1) i ON true
JOIN LATERAL (SELECT * FROM mrr_changes m WHERE m.subscription_id = s.id ORDER BY id LIMIT 1) m ON true
WHERE s.merchant_id = $1`

// seed writes the data on conn (search_path: the benchmark's schema) and
// leaves the tables vacuumed and analysed, as a database that has lived
// with them would be.
func (sd consoleSeed) seed(ctx context.Context, conn *pgx.Conn, stdout io.Writer) error {
	if _, err := conn.Exec(ctx, sd.bind(consoleTemplatesSQL)); err != nil {
		return fmt.Errorf("seed templates: %w", err)
	}
	var n int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM bench_templates").Scan(&n); err != nil || n != 3 {
		return fmt.Errorf("seed templates: %d of 3 (%v)", n, err)
	}
	for _, st := range consoleSeedSQL {
		start := time.Now()
		sql := st.sql
		if st.what != "id function" {
			sql = sd.bind(sql)
		}
		tag, err := conn.Exec(ctx, sql)
		if err != nil {
			return fmt.Errorf("seed %s: %w", st.what, err)
		}
		fmt.Fprintf(stdout, "  %-16s %9d rows  %s\n", st.what, tag.RowsAffected(), time.Since(start).Round(time.Millisecond))
	}
	start := time.Now()
	for _, t := range []string{"customers", "payment_methods", "subscriptions", "invoices", "payments", "mrr_changes", "events", "audit_entries"} {
		if _, err := conn.Exec(ctx, "VACUUM (ANALYZE) "+t); err != nil {
			return fmt.Errorf("vacuum %s: %w", t, err)
		}
	}
	fmt.Fprintf(stdout, "  %-16s %s\n", "vacuum analyze", time.Since(start).Round(time.Millisecond))
	return nil
}

// bind writes the seed's four values into a statement as literals ($1
// the merchant, $2 the subscriptions, $3 the days of history, $4 now):
// each statement uses a different subset, which PostgreSQL would refuse
// as unused parameters. The values are the benchmark's own (an id of
// letters and digits, numbers, a time), never outside input.
func (sd consoleSeed) bind(sql string) string {
	return strings.NewReplacer("$1", "'"+sd.merchant+"'", "$2", strconv.Itoa(sd.subs),
		"$3", strconv.FormatFloat(sd.months*30.4375, 'f', 3, 64),
		"$4", "'"+sd.now.UTC().Format(time.RFC3339Nano)+"'").Replace(sql)
}
