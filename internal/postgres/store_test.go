package postgres_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/gateway/sim"
	"github.com/cuota/cuota/internal/postgres"
	"github.com/cuota/cuota/internal/postgres/pgtest"
	"github.com/cuota/cuota/internal/storetest"
)

func TestConformance(t *testing.T) {
	t.Parallel()
	storetest.Exercise(t, func(t *testing.T) storetest.Store {
		return newStore(t)
	})
}

// testLogger logs warnings and errors to the test's output.
func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// openStore opens a store on dsn without migrating it; it is closed when t
// ends.
func openStore(t testing.TB, dsn string) *postgres.Store {
	t.Helper()
	s, err := postgres.Open(t.Context(), dsn, testLogger(t))
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	return s
}

// newStore returns a migrated store on a fresh schema.
func newStore(t testing.TB) *postgres.Store {
	t.Helper()
	s := openStore(t, pgtest.URL(t))
	require.NoError(t, s.Migrate(t.Context()))
	return s
}

// rawPool opens a plain pgx pool on dsn for inspecting the database.
func rawPool(t testing.TB, dsn string) *pgxpool.Pool {
	t.Helper()
	pool, err := pgxpool.New(t.Context(), dsn)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	return pool
}

// withParam sets a runtime parameter in a postgres:// URL.
func withParam(t testing.TB, dsn, key, value string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	require.NoError(t, err)
	require.NotEmpty(t, u.Scheme, "this test needs TEST_DATABASE_URL in URL form")
	q := u.Query()
	q.Set(key, value)
	u.RawQuery = q.Encode()
	return u.String()
}

var epoch = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func createMerchant(t testing.TB, s *postgres.Store, id string) {
	t.Helper()
	require.NoError(t, s.InTx(t.Context(), func(tx billing.Tx) error {
		return tx.Merchants.CreateMerchant(t.Context(), billing.Merchant{
			ID: id, Name: "Merchant " + id, Timezone: "America/Santiago", Locale: "es-CL",
			InvoicePrefix: "INV", Created: epoch,
		})
	}))
}

func TestOpenUnreachable(t *testing.T) {
	t.Parallel()
	_, err := postgres.Open(t.Context(),
		"postgres://nobody:secret@127.0.0.1:1/nowhere?sslmode=disable&connect_timeout=5", nil)
	require.Error(t, err)
	require.Contains(t, err.Error(), "cannot reach nobody@127.0.0.1:1/nowhere")
	require.NotContains(t, err.Error(), "secret")
}

func TestMigrate(t *testing.T) {
	t.Parallel()
	dsn := pgtest.URL(t)
	s := openStore(t, dsn)
	pool := rawPool(t, dsn)
	ctx := t.Context()

	var schema string
	require.NoError(t, pool.QueryRow(ctx, "SELECT current_schema()").Scan(&schema))
	require.True(t, strings.HasPrefix(schema, "t_"), "search_path selects the test schema, got %q", schema)
	tablesIn := func() []string {
		rows, err := pool.Query(ctx, "SELECT tablename FROM pg_tables WHERE schemaname = $1 ORDER BY tablename", schema)
		require.NoError(t, err)
		var names []string
		for rows.Next() {
			var n string
			require.NoError(t, rows.Scan(&n))
			names = append(names, n)
		}
		require.NoError(t, rows.Err())
		return names
	}

	current, err := s.MigrationsCurrent(ctx)
	require.NoError(t, err)
	require.False(t, current)
	require.Empty(t, tablesIn(), "MigrationsCurrent must not create anything")

	require.NoError(t, s.Migrate(ctx))
	current, err = s.MigrationsCurrent(ctx)
	require.NoError(t, err)
	require.True(t, current)

	// goose's version table, River's tables and ours all live in the schema.
	tables := tablesIn()
	for _, want := range []string{"goose_db_version", "river_migration", "river_job", "river_leader", "merchants", "audit_heads", "idempotency_keys"} {
		require.Contains(t, tables, want)
	}

	countVersions := func() (goose, river int) {
		require.NoError(t, pool.QueryRow(ctx, "SELECT count(*) FROM goose_db_version").Scan(&goose))
		require.NoError(t, pool.QueryRow(ctx, "SELECT count(*) FROM river_migration").Scan(&river))
		return goose, river
	}
	gooseBefore, riverBefore := countVersions()
	require.Positive(t, riverBefore)

	// A second Migrate is a no-op.
	require.NoError(t, s.Migrate(ctx))
	gooseAfter, riverAfter := countVersions()
	require.Equal(t, gooseBefore, gooseAfter)
	require.Equal(t, riverBefore, riverAfter)
	require.Equal(t, tables, tablesIn())
	current, err = s.MigrationsCurrent(ctx)
	require.NoError(t, err)
	require.True(t, current)
}

func TestMigrateConcurrently(t *testing.T) {
	t.Parallel()
	dsn := pgtest.URL(t)
	stores := []*postgres.Store{openStore(t, dsn), openStore(t, dsn)}

	start := make(chan struct{})
	errs := make(chan error, len(stores))
	for _, s := range stores {
		go func() {
			<-start
			errs <- s.Migrate(t.Context())
		}()
	}
	close(start)
	for range stores {
		require.NoError(t, <-errs)
	}
	for _, s := range stores {
		current, err := s.MigrationsCurrent(t.Context())
		require.NoError(t, err)
		require.True(t, current)
	}
	createMerchant(t, stores[1], "acct_1")
}

func TestTimesRoundTrip(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := t.Context()
	santiago, err := time.LoadLocation("America/Santiago")
	require.NoError(t, err)
	at := time.Date(2026, 1, 31, 7, 0, 0, 123456789, santiago) // nanoseconds, non-UTC zone
	want := time.Date(2026, 1, 31, 10, 0, 0, 123456000, time.UTC)
	later := at.Add(36*time.Hour + 987654321)
	wantLater := later.UTC().Truncate(time.Microsecond)

	require.NoError(t, s.InTx(ctx, func(tx billing.Tx) error {
		if err := tx.Merchants.CreateMerchant(ctx, billing.Merchant{ID: "acct_t", Name: "T", Timezone: "UTC", Locale: "en", Created: at}); err != nil {
			return err
		}
		if err := tx.Merchants.CreateAPIKey(ctx, billing.APIKey{ID: "key_t", MerchantID: "acct_t", Mode: billing.ModeTest, Hash: "h", Redacted: "sk_test_…t", Created: at}); err != nil {
			return err
		}
		if err := tx.Merchants.TouchAPIKey(ctx, "key_t", later); err != nil {
			return err
		}
		if err := tx.Merchants.RevokeAPIKey(ctx, "key_t", later); err != nil {
			return err
		}
		// A second revoke keeps the first time.
		if err := tx.Merchants.RevokeAPIKey(ctx, "key_t", later.Add(time.Hour)); err != nil {
			return err
		}
		return tx.Coupons.CreateCoupon(ctx, billing.Coupon{
			ID: "co_t", Scope: billing.Scope{MerchantID: "acct_t", Mode: billing.ModeTest}, Name: "C",
			PercentOffBP: 1000, Duration: billing.DurationOnce, RedeemBy: &later, Created: at, Updated: later,
		})
	}))

	require.NoError(t, s.InTx(ctx, func(tx billing.Tx) error {
		m, err := tx.Merchants.GetMerchant(ctx, "acct_t")
		require.NoError(t, err)
		require.Equal(t, want, m.Created)
		require.Equal(t, time.UTC, m.Created.Location())

		k, err := tx.Merchants.GetAPIKey(ctx, "key_t")
		require.NoError(t, err)
		require.Equal(t, want, k.Created)
		require.NotNil(t, k.LastUsed)
		require.Equal(t, wantLater, *k.LastUsed)
		require.NotNil(t, k.Revoked)
		require.Equal(t, wantLater, *k.Revoked)

		c, err := tx.Coupons.GetCoupon(ctx, billing.Scope{MerchantID: "acct_t", Mode: billing.ModeTest}, "co_t")
		require.NoError(t, err)
		require.Equal(t, want, c.Created)
		require.Equal(t, wantLater, c.Updated)
		require.Equal(t, &wantLater, c.RedeemBy)
		require.NotNil(t, c.Metadata)
		return nil
	}))
}

func TestUniqueViolations(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := t.Context()
	createMerchant(t, s, "acct_u")
	scope := billing.Scope{MerchantID: "acct_u", Mode: billing.ModeTest}

	requireViolation := func(t *testing.T, constraint string, err error) {
		t.Helper()
		uv, ok := errors.AsType[*billing.ErrUniqueViolation](err)
		require.True(t, ok, "want a unique violation, got %v", err)
		require.Equal(t, constraint, uv.Constraint)
	}

	require.NoError(t, s.InTx(ctx, func(tx billing.Tx) error {
		requireViolation(t, "merchants_pkey", tx.Merchants.CreateMerchant(ctx, billing.Merchant{ID: "acct_u", Created: epoch}))

		require.NoError(t, tx.Merchants.CreateAPIKey(ctx, billing.APIKey{ID: "key_1", MerchantID: "acct_u", Mode: billing.ModeTest, Hash: "same", Created: epoch}))
		requireViolation(t, "api_keys_hash_key",
			tx.Merchants.CreateAPIKey(ctx, billing.APIKey{ID: "key_2", MerchantID: "acct_u", Mode: billing.ModeTest, Hash: "same", Created: epoch}))

		require.NoError(t, tx.Customers.CreateCustomer(ctx, billing.Customer{ID: "cus_1", Scope: scope, ExternalID: "ext", Created: epoch, Updated: epoch}))
		requireViolation(t, "customers_external_id_key",
			tx.Customers.CreateCustomer(ctx, billing.Customer{ID: "cus_2", Scope: scope, ExternalID: "ext", Created: epoch, Updated: epoch}))
		// Another mode may reuse the external id; empty ids never clash.
		require.NoError(t, tx.Customers.CreateCustomer(ctx, billing.Customer{ID: "cus_3", Scope: billing.Scope{MerchantID: "acct_u", Mode: billing.ModeLive}, ExternalID: "ext", Created: epoch, Updated: epoch}))
		require.NoError(t, tx.Customers.CreateCustomer(ctx, billing.Customer{ID: "cus_4", Scope: scope, Created: epoch, Updated: epoch}))
		require.NoError(t, tx.Customers.CreateCustomer(ctx, billing.Customer{ID: "cus_5", Scope: scope, Created: epoch, Updated: epoch}))
		requireViolation(t, "customers_external_id_key",
			tx.Customers.UpdateCustomer(ctx, billing.Customer{ID: "cus_4", Scope: scope, ExternalID: "ext", Updated: epoch}))
		requireViolation(t, "customers_pkey",
			tx.Customers.CreateCustomer(ctx, billing.Customer{ID: "cus_1", Scope: scope, Created: epoch, Updated: epoch}))

		require.NoError(t, tx.Catalog.CreateProduct(ctx, billing.Product{ID: "prod_1", Scope: scope, Name: "P", Active: true, Created: epoch, Updated: epoch}))
		price := billing.Price{ID: "price_1", Scope: scope, ProductID: "prod_1", UnitAmount: 5000, Currency: "CLP",
			Type: billing.PriceRecurring, Recurring: &billing.Recurring{Interval: billing.IntervalMonth, IntervalCount: 1},
			LookupKey: "start_monthly", Active: true, Created: epoch, Updated: epoch}
		require.NoError(t, tx.Catalog.CreatePrice(ctx, price))
		price.ID = "price_2"
		requireViolation(t, "prices_lookup_key_key", tx.Catalog.CreatePrice(ctx, price))

		require.NoError(t, tx.Coupons.CreateCoupon(ctx, billing.Coupon{ID: "co_1", Scope: scope, PercentOffBP: 500, Duration: billing.DurationForever, Created: epoch, Updated: epoch}))
		require.NoError(t, tx.Coupons.CreatePromotionCode(ctx, billing.PromotionCode{ID: "promo_1", Scope: scope, CouponID: "co_1", Code: "SUMMER", Active: true, Created: epoch, Updated: epoch}))
		requireViolation(t, "promotion_codes_code_key",
			tx.Coupons.CreatePromotionCode(ctx, billing.PromotionCode{ID: "promo_2", Scope: scope, CouponID: "co_1", Code: "SUMMER", Created: epoch, Updated: epoch}))

		// The violations above left the transaction usable.
		c, err := tx.Customers.GetCustomer(ctx, scope, "cus_1")
		require.NoError(t, err)
		require.Equal(t, "ext", c.ExternalID)
		return nil
	}))

	// Everything that succeeded committed.
	require.NoError(t, s.InTx(ctx, func(tx billing.Tx) error {
		list, more, err := tx.Customers.ListCustomers(ctx, scope, billing.CustomerFilter{}, billing.Page{Limit: 10})
		require.NoError(t, err)
		require.False(t, more)
		require.Len(t, list, 3)
		p, err := tx.Catalog.GetPrice(ctx, scope, "price_1")
		require.NoError(t, err)
		require.Equal(t, &billing.Recurring{Interval: billing.IntervalMonth, IntervalCount: 1}, p.Recurring)
		return nil
	}))
}

func TestNotFound(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := t.Context()
	createMerchant(t, s, "acct_n")
	test := billing.Scope{MerchantID: "acct_n", Mode: billing.ModeTest}
	live := billing.Scope{MerchantID: "acct_n", Mode: billing.ModeLive}

	require.NoError(t, s.InTx(ctx, func(tx billing.Tx) error {
		require.NoError(t, tx.Catalog.CreateProduct(ctx, billing.Product{ID: "prod_1", Scope: test, Name: "P", Created: epoch, Updated: epoch}))
		_, err := tx.Catalog.GetProduct(ctx, live, "prod_1") // another mode
		require.ErrorIs(t, err, billing.ErrNotFound)
		require.ErrorIs(t, tx.Catalog.UpdateProduct(ctx, billing.Product{ID: "prod_1", Scope: live}), billing.ErrNotFound)
		_, err = tx.Merchants.GetMerchant(ctx, "acct_missing")
		require.ErrorIs(t, err, billing.ErrNotFound)
		_, _, err = tx.Audit.LockAuditHead(ctx, "acct_missing")
		require.ErrorIs(t, err, billing.ErrNotFound)
		require.ErrorIs(t, tx.Merchants.TouchAPIKey(ctx, "key_missing", epoch), billing.ErrNotFound)
		require.ErrorIs(t, tx.Merchants.RevokeAPIKey(ctx, "key_missing", epoch), billing.ErrNotFound)
		require.ErrorIs(t, tx.Idempotency.CompleteIdempotencyKey(ctx, test, "missing", 200, nil), billing.ErrNotFound)
		_, err = tx.Catalog.GetPrice(ctx, test, "price_missing")
		require.ErrorIs(t, err, billing.ErrNotFound)
		return nil
	}))
}

func TestListPaging(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := t.Context()
	createMerchant(t, s, "acct_l")
	scope := billing.Scope{MerchantID: "acct_l", Mode: billing.ModeTest}

	require.NoError(t, s.InTx(ctx, func(tx billing.Tx) error {
		for i, id := range []string{"prod_a", "prod_b", "prod_c"} {
			require.NoError(t, tx.Catalog.CreateProduct(ctx, billing.Product{
				ID: id, Scope: scope, Name: id, Active: i != 1, Created: epoch, Updated: epoch,
				Features: map[string]int64{"seats": int64(i)}, Metadata: billing.Metadata{"n": id},
			}))
		}
		return nil
	}))
	require.NoError(t, s.InTx(ctx, func(tx billing.Tx) error {
		first, more, err := tx.Catalog.ListProducts(ctx, scope, billing.ProductFilter{}, billing.Page{Limit: 2})
		require.NoError(t, err)
		require.True(t, more)
		require.Equal(t, []string{"prod_c", "prod_b"}, productIDs(first))
		require.Equal(t, map[string]int64{"seats": 2}, first[0].Features)
		require.Equal(t, billing.Metadata{"n": "prod_c"}, first[0].Metadata)

		rest, more, err := tx.Catalog.ListProducts(ctx, scope, billing.ProductFilter{}, billing.Page{Limit: 2, StartingAfter: "prod_b"})
		require.NoError(t, err)
		require.False(t, more)
		require.Equal(t, []string{"prod_a"}, productIDs(rest))

		active, more, err := tx.Catalog.ListProducts(ctx, scope, billing.ProductFilter{Active: new(true)}, billing.Page{Limit: 2})
		require.NoError(t, err)
		require.False(t, more)
		require.Equal(t, []string{"prod_c", "prod_a"}, productIDs(active))

		all, more, err := tx.Catalog.ListProducts(ctx, scope, billing.ProductFilter{}, billing.Page{}) // no limit
		require.NoError(t, err)
		require.False(t, more)
		require.Equal(t, []string{"prod_c", "prod_b", "prod_a"}, productIDs(all))

		inactive, _, err := tx.Catalog.ListProducts(ctx, scope, billing.ProductFilter{Active: new(false)}, billing.Page{Limit: 10})
		require.NoError(t, err)
		require.Equal(t, []string{"prod_b"}, productIDs(inactive))

		none, more, err := tx.Catalog.ListProducts(ctx, billing.Scope{MerchantID: "acct_l", Mode: billing.ModeLive}, billing.ProductFilter{}, billing.Page{Limit: 10})
		require.NoError(t, err)
		require.False(t, more)
		require.NotNil(t, none)
		require.Empty(t, none)
		return nil
	}))
}

func productIDs(ps []billing.Product) []string {
	ids := make([]string, len(ps))
	for i, p := range ps {
		ids[i] = p.ID
	}
	return ids
}

func TestIdempotencyKeys(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := t.Context()
	createMerchant(t, s, "acct_i")
	scope := billing.Scope{MerchantID: "acct_i", Mode: billing.ModeTest}
	rec := billing.IdempotencyRecord{Scope: scope, Key: "k1", RequestHash: "rh", Created: epoch}

	require.NoError(t, s.InTx(ctx, func(tx billing.Tx) error {
		got, reserved, err := tx.Idempotency.ReserveIdempotencyKey(ctx, rec)
		require.NoError(t, err)
		require.True(t, reserved)
		require.False(t, got.Completed)
		require.Nil(t, got.ResponseBody)

		got, reserved, err = tx.Idempotency.ReserveIdempotencyKey(ctx, billing.IdempotencyRecord{Scope: scope, Key: "k1", RequestHash: "other", Created: epoch.Add(time.Hour)})
		require.NoError(t, err)
		require.False(t, reserved)
		require.Equal(t, "rh", got.RequestHash)
		require.False(t, got.Completed)
		require.Equal(t, epoch, got.Created)

		require.NoError(t, tx.Idempotency.CompleteIdempotencyKey(ctx, scope, "k1", 201, []byte(`{"id":"cus_1"}`)))
		got, reserved, err = tx.Idempotency.ReserveIdempotencyKey(ctx, rec)
		require.NoError(t, err)
		require.False(t, reserved)
		require.True(t, got.Completed)
		require.Equal(t, 201, got.ResponseStatus)
		require.Equal(t, []byte(`{"id":"cus_1"}`), got.ResponseBody)

		_, reserved, err = tx.Idempotency.ReserveIdempotencyKey(ctx, billing.IdempotencyRecord{Scope: scope, Key: "k2", RequestHash: "rh2", Created: epoch.Add(2 * time.Hour)})
		require.NoError(t, err)
		require.True(t, reserved)

		n, err := tx.Idempotency.DeleteIdempotencyKeysBefore(ctx, epoch.Add(time.Hour))
		require.NoError(t, err)
		require.EqualValues(t, 1, n)
		require.NoError(t, tx.Idempotency.DeleteIdempotencyKey(ctx, scope, "k2"))
		_, reserved, err = tx.Idempotency.ReserveIdempotencyKey(ctx, rec)
		require.NoError(t, err)
		require.True(t, reserved)
		return nil
	}))
}

func TestAuditChain(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := t.Context()
	createMerchant(t, s, "acct_a")

	entry := func(seq int64, prev, hash string) billing.AuditEntry {
		return billing.AuditEntry{ID: "aud_" + hash, MerchantID: "acct_a", Seq: seq, Mode: billing.ModeTest,
			Actor: "cli", Action: "product.create", ObjectType: "product", ObjectID: "prod_1",
			After: json.RawMessage(`{"name": "P",  "b":1}`), Created: epoch, PrevHash: prev, Hash: hash}
	}
	require.NoError(t, s.InTx(ctx, func(tx billing.Tx) error {
		seq, hash, err := tx.Audit.LockAuditHead(ctx, "acct_a")
		require.NoError(t, err)
		require.Zero(t, seq)
		require.Empty(t, hash)
		require.NoError(t, tx.Audit.InsertAuditEntry(ctx, entry(1, "", "h1")))
		// An entry that does not follow the head is refused and leaves nothing.
		err = tx.Audit.InsertAuditEntry(ctx, entry(3, "h1", "h3"))
		require.ErrorContains(t, err, "audit chain head moved")
		require.NoError(t, tx.Audit.InsertAuditEntry(ctx, entry(2, "h1", "h2")))
		return nil
	}))
	require.NoError(t, s.InTx(ctx, func(tx billing.Tx) error {
		seq, hash, err := tx.Audit.LockAuditHead(ctx, "acct_a")
		require.NoError(t, err)
		require.EqualValues(t, 2, seq)
		require.Equal(t, "h2", hash)
		entries, err := tx.Audit.ListAuditEntries(ctx, "acct_a", "", 0, 10)
		require.NoError(t, err)
		require.Len(t, entries, 2)
		require.Equal(t, json.RawMessage("null"), entries[0].Before)
		require.Equal(t, json.RawMessage(`{"name": "P",  "b":1}`), entries[0].After) // verbatim
		require.Equal(t, entry(1, "", "h1").Created, entries[0].Created)
		later, err := tx.Audit.ListAuditEntries(ctx, "acct_a", "", 1, 10)
		require.NoError(t, err)
		require.Len(t, later, 1)
		require.EqualValues(t, 2, later[0].Seq)
		return nil
	}))
}

// TestLockAuditHeadSerialises shows that a second transaction's
// LockAuditHead waits for the first transaction to commit and then sees the
// head the first one moved.
func TestLockAuditHeadSerialises(t *testing.T) {
	t.Parallel()
	dsn := pgtest.URL(t)
	appB := "cuota_lock_b_" + strings.ReplaceAll(t.Name(), "/", "_")
	a := openStore(t, dsn)
	require.NoError(t, a.Migrate(t.Context()))
	b := openStore(t, withParam(t, dsn, "application_name", appB))
	inspect := rawPool(t, dsn)
	createMerchant(t, a, "acct_s")
	ctx := t.Context()

	var (
		mu     sync.Mutex
		events []string
	)
	record := func(e string) {
		mu.Lock()
		defer mu.Unlock()
		events = append(events, e)
	}

	aLocked := make(chan struct{})
	aRelease := make(chan struct{})
	aDone := make(chan error, 1)
	go func() {
		aDone <- a.InTx(ctx, func(tx billing.Tx) error {
			seq, hash, err := tx.Audit.LockAuditHead(ctx, "acct_s")
			if err != nil {
				return err
			}
			record("A locked")
			close(aLocked)
			<-aRelease
			record("A appends")
			return tx.Audit.InsertAuditEntry(ctx, billing.AuditEntry{ID: "aud_1", MerchantID: "acct_s", Seq: seq + 1,
				Mode: billing.ModeTest, Created: epoch, PrevHash: hash, Hash: "hA"})
		})
	}()
	<-aLocked

	type head struct {
		seq  int64
		hash string
	}
	bHead := make(chan head, 1)
	bDone := make(chan error, 1)
	go func() {
		bDone <- b.InTx(ctx, func(tx billing.Tx) error {
			seq, hash, err := tx.Audit.LockAuditHead(ctx, "acct_s")
			if err != nil {
				return err
			}
			record("B locked")
			bHead <- head{seq, hash}
			return nil
		})
	}()

	// Wait until PostgreSQL reports B's backend waiting for a lock.
	require.Eventually(t, func() bool {
		var waiting bool
		err := inspect.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_stat_activity
			WHERE application_name = $1 AND wait_event_type = 'Lock')`, appB).Scan(&waiting)
		return err == nil && waiting
	}, 30*time.Second, 5*time.Millisecond, "B never waited for A's lock")
	select {
	case h := <-bHead:
		t.Fatalf("B locked the head while A held it: %+v", h)
	default:
	}

	close(aRelease)
	require.NoError(t, <-aDone)
	require.NoError(t, <-bDone)
	got := <-bHead
	require.Equal(t, head{1, "hA"}, got, "B sees the head A committed")
	require.Equal(t, []string{"A locked", "A appends", "B locked"}, events)
}

type echoArgs struct{ N int }

func (echoArgs) Kind() string { return "postgres_test_echo" }

func TestEnqueueAndWork(t *testing.T) {
	t.Parallel()
	dsn := pgtest.URL(t)
	s := openStore(t, dsn)
	require.NoError(t, s.Migrate(t.Context()))
	inspect := rawPool(t, dsn)
	ctx := t.Context()

	// A rolled-back transaction leaves no job behind.
	errRollback := errors.New("roll back")
	require.ErrorIs(t, s.InTx(ctx, func(tx billing.Tx) error {
		require.NoError(t, tx.Jobs.Enqueue(ctx, echoArgs{N: 1}))
		return errRollback
	}), errRollback)
	var jobs int
	require.NoError(t, inspect.QueryRow(ctx, "SELECT count(*) FROM river_job").Scan(&jobs))
	require.Zero(t, jobs)

	worked := make(chan int, 1)
	workers := river.NewWorkers()
	river.AddWorker(workers, river.WorkFunc(func(_ context.Context, job *river.Job[echoArgs]) error {
		worked <- job.Args.N
		return nil
	}))
	require.NoError(t, s.StartWorkers(ctx, workers, nil))
	require.Error(t, s.StartWorkers(ctx, workers, nil), "a second start is refused")

	require.NoError(t, s.InTx(ctx, func(tx billing.Tx) error {
		return tx.Jobs.Enqueue(ctx, echoArgs{N: 7})
	}))
	select {
	case n := <-worked:
		require.Equal(t, 7, n)
	case <-time.After(30 * time.Second):
		t.Fatal("the job was not worked")
	}
	require.NoError(t, s.StopWorkers(ctx))
	require.NoError(t, s.StopWorkers(ctx), "stopping twice is harmless")
}

func TestPing(t *testing.T) {
	t.Parallel()
	s := openStore(t, pgtest.URL(t))
	require.NoError(t, s.Ping(t.Context()))
}

//
// Lifecycle
//

// newStoreDSN is newStore that also returns the store's URL, for
// inspecting the stored columns.
func newStoreDSN(t testing.TB) (*postgres.Store, string) {
	t.Helper()
	dsn := pgtest.URL(t)
	s := openStore(t, dsn)
	require.NoError(t, s.Migrate(t.Context()))
	return s, dsn
}

// lifecycleFixture creates merchant acct_x with customer cus_1 in test mode
// and returns the scope.
func lifecycleFixture(t testing.TB, s *postgres.Store) billing.Scope {
	t.Helper()
	createMerchant(t, s, "acct_x")
	scope := billing.Scope{MerchantID: "acct_x", Mode: billing.ModeTest}
	require.NoError(t, s.InTx(t.Context(), func(tx billing.Tx) error {
		return tx.Customers.CreateCustomer(t.Context(), billing.Customer{ID: "cus_1", Scope: scope, Created: epoch, Updated: epoch})
	}))
	return scope
}

func buildSubscription(scope billing.Scope, id string) billing.Subscription {
	return billing.Subscription{
		ID: id, Scope: scope, CustomerID: "cus_1", Status: billing.SubscriptionActive, Currency: "CLP",
		Recurring:     billing.Recurring{Interval: billing.IntervalMonth, IntervalCount: 1},
		BillingAnchor: epoch, CycleIndex: 1, CurrentPeriodStart: epoch, CurrentPeriodEnd: epoch.AddDate(0, 1, 0),
		Created: epoch, Updated: epoch,
	}
}

func buildInvoice(scope billing.Scope, id, subID string, reason string) billing.Invoice {
	return billing.Invoice{
		ID: id, Scope: scope, CustomerID: "cus_1", SubscriptionID: subID, Status: billing.InvoiceDraft,
		BillingReason: reason, Currency: "CLP", PeriodStart: epoch, PeriodEnd: epoch.AddDate(0, 1, 0),
		Created: epoch, Updated: epoch,
	}
}

func buildPayment(scope billing.Scope, id, invoiceID string, attempt int64, status billing.PaymentStatus) billing.Payment {
	return billing.Payment{
		ID: id, Scope: scope, InvoiceID: invoiceID, CustomerID: "cus_1", Attempt: attempt, Gateway: billing.GatewaySim,
		Amount: 5000, Currency: "CLP", IdempotencyKey: billing.PaymentIdempotencyKey(invoiceID, attempt),
		Status: status, Created: epoch, Updated: epoch,
	}
}

func requireUniqueViolation(t *testing.T, constraint string, err error) {
	t.Helper()
	uv, ok := errors.AsType[*billing.ErrUniqueViolation](err)
	require.True(t, ok, "want a unique violation, got %v", err)
	require.Equal(t, constraint, uv.Constraint)
}

func TestLifecycleUniqueViolations(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := t.Context()
	scope := lifecycleFixture(t, s)
	live := billing.Scope{MerchantID: "acct_x", Mode: billing.ModeLive}

	require.NoError(t, s.InTx(ctx, func(tx billing.Tx) error {
		require.NoError(t, tx.Subscriptions.CreateSubscription(ctx, buildSubscription(scope, "sub_1")))

		// One trial per identity and scope.
		require.NoError(t, tx.Subscriptions.ClaimTrial(ctx, scope, "email", "ana@example.com", "sub_1"))
		requireUniqueViolation(t, "trial_redemptions_pkey", tx.Subscriptions.ClaimTrial(ctx, scope, "email", "ana@example.com", "sub_2"))
		require.NoError(t, tx.Subscriptions.ClaimTrial(ctx, scope, "external_id", "ana@example.com", "sub_2"))
		require.NoError(t, tx.Subscriptions.ClaimTrial(ctx, live, "email", "ana@example.com", "sub_3"))

		// One cycle invoice per subscription period; other reasons may repeat it.
		require.NoError(t, tx.Invoices.CreateInvoice(ctx, buildInvoice(scope, "in_1", "sub_1", billing.ReasonSubscriptionCreate)))
		requireUniqueViolation(t, "invoices_subscription_period_key",
			tx.Invoices.CreateInvoice(ctx, buildInvoice(scope, "in_2", "sub_1", billing.ReasonSubscriptionCycle)))
		require.NoError(t, tx.Invoices.CreateInvoice(ctx, buildInvoice(scope, "in_3", "sub_1", billing.ReasonSubscriptionUpdate)))
		require.NoError(t, tx.Invoices.CreateInvoice(ctx, buildInvoice(scope, "in_4", "sub_1", billing.ReasonManual)))

		// Numbers are unique per scope once assigned; drafts have none.
		in1, err := tx.Invoices.GetInvoice(ctx, scope, "in_1")
		require.NoError(t, err)
		in1.Number = "PDS-0001"
		require.NoError(t, tx.Invoices.UpdateInvoice(ctx, in1))
		in3, err := tx.Invoices.GetInvoice(ctx, scope, "in_3")
		require.NoError(t, err)
		in3.Number = "PDS-0001"
		requireUniqueViolation(t, "invoices_number_key", tx.Invoices.UpdateInvoice(ctx, in3))
		dup := buildInvoice(scope, "in_5", "", billing.ReasonManual)
		dup.Number = "PDS-0001"
		requireUniqueViolation(t, "invoices_number_key", tx.Invoices.CreateInvoice(ctx, dup))

		// Payments: one per idempotency key, one success per invoice.
		require.NoError(t, tx.Payments.CreatePayment(ctx, buildPayment(scope, "pay_1", "in_1", 1, billing.PaymentFailed)))
		requireUniqueViolation(t, "payments_idempotency_key_key",
			tx.Payments.CreatePayment(ctx, buildPayment(scope, "pay_2", "in_1", 1, billing.PaymentPending)))
		require.NoError(t, tx.Payments.CreatePayment(ctx, buildPayment(scope, "pay_3", "in_1", 2, billing.PaymentSucceeded)))
		requireUniqueViolation(t, "payments_one_success_key",
			tx.Payments.CreatePayment(ctx, buildPayment(scope, "pay_4", "in_1", 3, billing.PaymentSucceeded)))
		pay1, err := tx.Payments.GetPayment(ctx, scope, "pay_1")
		require.NoError(t, err)
		pay1.Status = billing.PaymentSucceeded
		requireUniqueViolation(t, "payments_one_success_key", tx.Payments.UpdatePayment(ctx, pay1))

		// The violations left the transaction usable.
		got, err := tx.Invoices.GetInvoice(ctx, scope, "in_3")
		require.NoError(t, err)
		require.Empty(t, got.Number)
		return nil
	}))

	// Everything that succeeded committed; nothing that failed did.
	require.NoError(t, s.InTx(ctx, func(tx billing.Tx) error {
		invoices, _, err := tx.Invoices.ListInvoices(ctx, scope, billing.InvoiceFilter{}, billing.Page{})
		require.NoError(t, err)
		require.Len(t, invoices, 3)
		payments, _, err := tx.Payments.ListPayments(ctx, scope, billing.PaymentFilter{InvoiceID: "in_1"}, billing.Page{})
		require.NoError(t, err)
		require.Len(t, payments, 2)
		require.Equal(t, billing.PaymentFailed, payments[1].Status)
		return nil
	}))
}

func TestLifecycleJSONRoundTrip(t *testing.T) {
	t.Parallel()
	s, dsn := newStoreDSN(t)
	pool := rawPool(t, dsn)
	ctx := t.Context()
	scope := lifecycleFixture(t, s)
	santiago, err := time.LoadLocation("America/Santiago")
	require.NoError(t, err)
	at := time.Date(2026, 4, 1, 9, 0, 0, 123456789, santiago) // nanoseconds, non-UTC zone
	atUTC := at.UTC().Truncate(time.Microsecond)

	full := buildSubscription(scope, "sub_full")
	full.Version = 42 // ignored: a new subscription has version 1
	full.TestClockID = "clock_1"
	full.Items = []billing.SubscriptionItem{
		{ID: "si_1", PriceID: "price_a", ProductID: "prod_a", Quantity: 2, UnitAmount: 5000},
		{ID: "si_2", PriceID: "price_b", ProductID: "prod_b", Quantity: 1, UnitAmount: 100},
	}
	full.PendingChange = &billing.PendingChange{
		Items:       []billing.SubscriptionItem{{ID: "si_3", PriceID: "price_c", ProductID: "prod_c", Quantity: 1, UnitAmount: 10}},
		EffectiveAt: at,
	}
	full.Metadata = billing.Metadata{"plan": "pro"}
	full.TrialStart, full.TrialEnd, full.CancelAt, full.CanceledAt = &at, &at, &at, &at
	full.EndedAt, full.EndDate, full.DiscountEnd, full.NextActionAt = &at, &at, &at, &at
	full.CancellationReason = billing.CancelRequestedByCustomer
	full.TrialWillEndSent, full.CancelAtPeriodEnd, full.DiscountUsed = true, true, true
	full.MaxCycles, full.CouponID, full.PaymentMethodID = 12, "co_1", "pm_1"

	bare := buildSubscription(scope, "sub_bare") // nil items, metadata, pending change

	lines := []billing.InvoiceLine{
		{ID: "il_1", Type: billing.LineSubscription, Description: "Pro × 2", PriceID: "price_a", Quantity: 2, Amount: 10000, PeriodStart: at, PeriodEnd: at.AddDate(0, 1, 0)},
		{ID: "il_2", Type: billing.LineDiscount, Description: "10 %", Amount: -1000, PeriodStart: at, PeriodEnd: at.AddDate(0, 1, 0)},
	}
	withLines := buildInvoice(scope, "in_lines", "sub_full", billing.ReasonSubscriptionCycle)
	withLines.Lines = lines
	withLines.NextAttemptAt, withLines.FinalizedAt, withLines.PaidAt, withLines.VoidedAt = &at, &at, &at, &at
	noLines := buildInvoice(scope, "in_none", "", billing.ReasonManual)

	data := json.RawMessage(`{"id": "sub_full",  "object":"subscription"}`)

	require.NoError(t, s.InTx(ctx, func(tx billing.Tx) error {
		require.NoError(t, tx.Subscriptions.CreateSubscription(ctx, full))
		require.NoError(t, tx.Subscriptions.CreateSubscription(ctx, bare))
		require.NoError(t, tx.Invoices.CreateInvoice(ctx, withLines))
		require.NoError(t, tx.Invoices.CreateInvoice(ctx, noLines))
		require.NoError(t, tx.Events.CreateEvent(ctx, billing.Event{ID: "evt_1", Scope: scope, Type: "customer.subscription.created",
			ObjectType: "subscription", ObjectID: "sub_full", Data: data, Created: at}))
		return tx.Events.CreateEvent(ctx, billing.Event{ID: "evt_2", Scope: scope, Type: "ping", Created: at})
	}))

	require.NoError(t, s.InTx(ctx, func(tx billing.Tx) error {
		got, err := tx.Subscriptions.GetSubscription(ctx, scope, "sub_full")
		require.NoError(t, err)
		want := full
		want.Version = 1
		want.PendingChange = &billing.PendingChange{Items: full.PendingChange.Items, EffectiveAt: atUTC}
		want.PendingLines = []billing.InvoiceLine{}
		for _, p := range []**time.Time{&want.TrialStart, &want.TrialEnd, &want.CancelAt, &want.CanceledAt,
			&want.EndedAt, &want.EndDate, &want.DiscountEnd, &want.NextActionAt} {
			*p = &atUTC
		}
		require.Equal(t, want, got)

		got, err = tx.Subscriptions.GetSubscription(ctx, scope, "sub_bare")
		require.NoError(t, err)
		require.EqualValues(t, 1, got.Version)
		require.NotNil(t, got.Items)
		require.Empty(t, got.Items)
		require.NotNil(t, got.Metadata)
		require.Empty(t, got.Metadata)
		require.Nil(t, got.PendingChange)
		require.Nil(t, got.TrialEnd)
		require.Nil(t, got.NextActionAt)

		inv, err := tx.Invoices.GetInvoice(ctx, scope, "in_lines")
		require.NoError(t, err)
		require.Len(t, inv.Lines, 2)
		require.Equal(t, atUTC, inv.Lines[0].PeriodStart)
		require.Equal(t, at.AddDate(0, 1, 0).UTC().Truncate(time.Microsecond), inv.Lines[1].PeriodEnd)
		require.Equal(t, int64(-1000), inv.Lines[1].Amount)
		require.Equal(t, "Pro × 2", inv.Lines[0].Description)
		require.Equal(t, &atUTC, inv.PaidAt)

		inv, err = tx.Invoices.GetInvoice(ctx, scope, "in_none")
		require.NoError(t, err)
		require.NotNil(t, inv.Lines)
		require.Empty(t, inv.Lines)
		require.Nil(t, inv.PaidAt)

		evt, err := tx.Events.GetEvent(ctx, scope, "evt_1")
		require.NoError(t, err)
		require.Equal(t, data, evt.Data) // verbatim, whitespace included
		require.Equal(t, atUTC, evt.Created)
		evt, err = tx.Events.GetEvent(ctx, scope, "evt_2")
		require.NoError(t, err)
		require.Equal(t, json.RawMessage("null"), evt.Data)
		return nil
	}))

	// The stored text.
	column := func(query, id string) string {
		t.Helper()
		var v string
		require.NoError(t, pool.QueryRow(ctx, query, id).Scan(&v))
		return v
	}
	require.Equal(t, ",price_a,price_b,", column("SELECT price_ids FROM subscriptions WHERE id = $1", "sub_full"))
	require.Equal(t, ",", column("SELECT price_ids FROM subscriptions WHERE id = $1", "sub_bare"))
	require.Equal(t, "[]", column("SELECT items FROM subscriptions WHERE id = $1", "sub_bare"))
	require.Equal(t, "null", column("SELECT pending_change FROM subscriptions WHERE id = $1", "sub_bare"))
	require.Equal(t, "{}", column("SELECT metadata FROM subscriptions WHERE id = $1", "sub_bare"))
	require.Equal(t, "[]", column("SELECT lines FROM invoices WHERE id = $1", "in_none"))
	require.Equal(t, "null", column("SELECT data FROM events WHERE id = $1", "evt_2"))
}

func TestSubscriptionVersions(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := t.Context()
	scope := lifecycleFixture(t, s)
	live := billing.Scope{MerchantID: "acct_x", Mode: billing.ModeLive}

	require.NoError(t, s.InTx(ctx, func(tx billing.Tx) error {
		require.NoError(t, tx.Subscriptions.CreateSubscription(ctx, buildSubscription(scope, "sub_1")))
		sub, err := tx.Subscriptions.GetSubscription(ctx, scope, "sub_1")
		require.NoError(t, err)
		require.EqualValues(t, 1, sub.Version)

		sub.Status = billing.SubscriptionPastDue
		sub.Items = []billing.SubscriptionItem{{ID: "si_1", PriceID: "price_z", Quantity: 1}}
		require.NoError(t, tx.Subscriptions.UpdateSubscription(ctx, sub))
		got, err := tx.Subscriptions.GetSubscription(ctx, scope, "sub_1")
		require.NoError(t, err)
		require.EqualValues(t, 2, got.Version)
		require.Equal(t, billing.SubscriptionPastDue, got.Status)
		require.Equal(t, sub.Items, got.Items)

		// A stale version conflicts and writes nothing.
		sub.Status = billing.SubscriptionCanceled
		err = tx.Subscriptions.UpdateSubscription(ctx, sub)
		require.ErrorIs(t, err, billing.ErrVersionConflict)
		require.NotErrorIs(t, err, billing.ErrNotFound)
		got, err = tx.Subscriptions.GetSubscription(ctx, scope, "sub_1")
		require.NoError(t, err)
		require.Equal(t, billing.SubscriptionPastDue, got.Status)

		// Missing rows, also in another scope, are not found.
		err = tx.Subscriptions.UpdateSubscription(ctx, buildSubscription(scope, "sub_missing"))
		require.ErrorIs(t, err, billing.ErrNotFound)
		require.NotErrorIs(t, err, billing.ErrVersionConflict)
		other := got
		other.Scope = live
		require.ErrorIs(t, tx.Subscriptions.UpdateSubscription(ctx, other), billing.ErrNotFound)

		// The price filter follows the items.
		list, _, err := tx.Subscriptions.ListSubscriptions(ctx, scope, billing.SubscriptionFilter{PriceID: "price_z"}, billing.Page{})
		require.NoError(t, err)
		require.Len(t, list, 1)
		return nil
	}))
}

// TestSubscriptionConcurrentUpdate shows that of two transactions updating
// the same version, the second waits for the first and then conflicts.
func TestSubscriptionConcurrentUpdate(t *testing.T) {
	t.Parallel()
	dsn := pgtest.URL(t)
	appB := "cuota_update_b_" + strings.ReplaceAll(t.Name(), "/", "_")
	a := openStore(t, dsn)
	require.NoError(t, a.Migrate(t.Context()))
	b := openStore(t, withParam(t, dsn, "application_name", appB))
	inspect := rawPool(t, dsn)
	ctx := t.Context()
	scope := lifecycleFixture(t, a)
	require.NoError(t, a.InTx(ctx, func(tx billing.Tx) error {
		return tx.Subscriptions.CreateSubscription(ctx, buildSubscription(scope, "sub_1"))
	}))

	aUpdated := make(chan struct{})
	aRelease := make(chan struct{})
	aDone := make(chan error, 1)
	go func() {
		aDone <- a.InTx(ctx, func(tx billing.Tx) error {
			sub, err := tx.Subscriptions.GetSubscription(ctx, scope, "sub_1")
			if err != nil {
				return err
			}
			sub.Status = billing.SubscriptionPastDue
			if err := tx.Subscriptions.UpdateSubscription(ctx, sub); err != nil {
				return err
			}
			close(aUpdated)
			<-aRelease
			return nil
		})
	}()
	<-aUpdated

	bDone := make(chan error, 1)
	go func() {
		bDone <- b.InTx(ctx, func(tx billing.Tx) error {
			sub, err := tx.Subscriptions.GetSubscription(ctx, scope, "sub_1") // version 1: A has not committed
			if err != nil {
				return err
			}
			sub.Status = billing.SubscriptionCanceled
			return tx.Subscriptions.UpdateSubscription(ctx, sub)
		})
	}()
	require.Eventually(t, func() bool {
		var waiting bool
		err := inspect.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_stat_activity
			WHERE application_name = $1 AND wait_event_type = 'Lock')`, appB).Scan(&waiting)
		return err == nil && waiting
	}, 30*time.Second, 5*time.Millisecond, "B never waited for A's row lock")

	close(aRelease)
	require.NoError(t, <-aDone)
	require.ErrorIs(t, <-bDone, billing.ErrVersionConflict)

	require.NoError(t, a.InTx(ctx, func(tx billing.Tx) error {
		sub, err := tx.Subscriptions.GetSubscription(ctx, scope, "sub_1")
		require.NoError(t, err)
		require.EqualValues(t, 2, sub.Version)
		require.Equal(t, billing.SubscriptionPastDue, sub.Status)
		return nil
	}))
}

func TestSubscriptionPriceFilterIsLiteral(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := t.Context()
	scope := lifecycleFixture(t, s)

	require.NoError(t, s.InTx(ctx, func(tx billing.Tx) error {
		for id, price := range map[string]string{"sub_1": "price_1", "sub_2": "priceX1", "sub_3": "price_10"} {
			sub := buildSubscription(scope, id)
			sub.Items = []billing.SubscriptionItem{{ID: "si_" + id, PriceID: price, Quantity: 1}}
			require.NoError(t, tx.Subscriptions.CreateSubscription(ctx, sub))
		}
		ids := func(f billing.SubscriptionFilter) []string {
			list, _, err := tx.Subscriptions.ListSubscriptions(ctx, scope, f, billing.Page{})
			require.NoError(t, err)
			out := make([]string, 0, len(list))
			for _, sub := range list {
				out = append(out, sub.ID)
			}
			return out
		}
		// "_" is not a wildcard, nor is "%"; a prefix is not a match.
		require.Equal(t, []string{"sub_1"}, ids(billing.SubscriptionFilter{PriceID: "price_1"}))
		require.Empty(t, ids(billing.SubscriptionFilter{PriceID: "price%"}))
		require.Empty(t, ids(billing.SubscriptionFilter{PriceID: "price"}))
		require.Equal(t, []string{"sub_3", "sub_2", "sub_1"}, ids(billing.SubscriptionFilter{}))
		require.Equal(t, []string{"sub_2"}, ids(billing.SubscriptionFilter{PriceID: "priceX1", Status: billing.SubscriptionActive}))
		require.Empty(t, ids(billing.SubscriptionFilter{PriceID: "priceX1", Status: billing.SubscriptionPastDue}))
		return nil
	}))
}

func TestDueSubscriptions(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := t.Context()
	scope := lifecycleFixture(t, s)

	require.NoError(t, s.InTx(ctx, func(tx billing.Tx) error {
		add := func(id, clock string, next *time.Time) {
			sub := buildSubscription(scope, id)
			sub.TestClockID = clock
			sub.NextActionAt = next
			require.NoError(t, tx.Subscriptions.CreateSubscription(ctx, sub))
		}
		add("sub_a", "", new(epoch.Add(2*time.Hour)))
		add("sub_b", "", new(epoch))
		add("sub_c", "", new(epoch.Add(time.Hour)))
		add("sub_d", "", new(epoch.Add(3*time.Hour))) // not due yet
		add("sub_e", "", nil)                         // nothing to do
		add("sub_f", "clock_1", new(epoch))           // on a test clock

		due := func(clock string, limit int) []string {
			subs, err := tx.Subscriptions.DueSubscriptions(ctx, clock, epoch.Add(2*time.Hour), limit)
			require.NoError(t, err)
			out := make([]string, 0, len(subs))
			for _, sub := range subs {
				out = append(out, sub.ID)
			}
			return out
		}
		require.Equal(t, []string{"sub_b", "sub_c", "sub_a"}, due("", 10)) // earliest first, "at or before"
		require.Equal(t, []string{"sub_b", "sub_c", "sub_a"}, due("", 0))  // no limit
		require.Equal(t, []string{"sub_b", "sub_c", "sub_a"}, due("", -1)) // no limit
		require.Equal(t, []string{"sub_b", "sub_c"}, due("", 2))
		require.Equal(t, []string{"sub_f"}, due("clock_1", 0))
		require.Empty(t, due("clock_2", 0))
		return nil
	}))
}

func TestMerchantSettings(t *testing.T) {
	t.Parallel()
	s, dsn := newStoreDSN(t)
	pool := rawPool(t, dsn)
	ctx := t.Context()
	createMerchant(t, s, "acct_default") // zero settings

	custom := billing.DefaultMerchantSettings()
	custom.Dunning = billing.DunningPolicy{
		Exponential: &billing.ExponentialBackoff{Base: time.Hour, Factor: 2, Cap: 48 * time.Hour},
		MaxAttempts: 4, FinalAction: billing.PolicyUnpaid,
	}
	custom.Transition.RetriesExhausted = billing.PolicyUnpaid

	require.NoError(t, s.InTx(ctx, func(tx billing.Tx) error {
		return tx.Merchants.CreateMerchant(ctx, billing.Merchant{ID: "acct_custom", Name: "C", Timezone: "UTC", Locale: "en",
			Settings: custom, Created: epoch})
	}))

	var stored string
	require.NoError(t, pool.QueryRow(ctx, "SELECT settings FROM merchants WHERE id = 'acct_default'").Scan(&stored))
	require.Equal(t, "{}", stored)

	require.NoError(t, s.InTx(ctx, func(tx billing.Tx) error {
		m, err := tx.Merchants.GetMerchant(ctx, "acct_default")
		require.NoError(t, err)
		require.Equal(t, billing.DefaultMerchantSettings(), m.Settings)
		m, err = tx.Merchants.GetMerchant(ctx, "acct_custom")
		require.NoError(t, err)
		require.Equal(t, custom, m.Settings)
		all, err := tx.Merchants.ListMerchants(ctx)
		require.NoError(t, err)
		require.Len(t, all, 2)
		require.Equal(t, custom, all[0].Settings) // acct_custom sorts first
		require.Equal(t, billing.DefaultMerchantSettings(), all[1].Settings)

		require.NoError(t, tx.Merchants.UpdateMerchantSettings(ctx, "acct_default", custom))
		require.ErrorIs(t, tx.Merchants.UpdateMerchantSettings(ctx, "acct_missing", custom), billing.ErrNotFound)
		return nil
	}))
	require.NoError(t, s.InTx(ctx, func(tx billing.Tx) error {
		m, err := tx.Merchants.GetMerchant(ctx, "acct_default")
		require.NoError(t, err)
		require.Equal(t, custom, m.Settings)
		return nil
	}))
}

func TestCustomerTestClock(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := t.Context()
	createMerchant(t, s, "acct_c")
	scope := billing.Scope{MerchantID: "acct_c", Mode: billing.ModeTest}

	require.NoError(t, s.InTx(ctx, func(tx billing.Tx) error {
		require.NoError(t, tx.Clocks.CreateTestClock(ctx, billing.TestClock{ID: "clock_1", Scope: scope, Name: "Q1",
			FrozenTime: epoch, Status: billing.TestClockReady, Created: epoch, Updated: epoch}))
		require.NoError(t, tx.Customers.CreateCustomer(ctx, billing.Customer{ID: "cus_1", Scope: scope, TestClockID: "clock_1", Created: epoch, Updated: epoch}))
		c, err := tx.Customers.GetCustomer(ctx, scope, "cus_1")
		require.NoError(t, err)
		require.Equal(t, "clock_1", c.TestClockID)

		c.TestClockID = ""
		c.Name = "Ana"
		require.NoError(t, tx.Customers.UpdateCustomer(ctx, c))
		c, err = tx.Customers.GetCustomer(ctx, scope, "cus_1")
		require.NoError(t, err)
		require.Equal(t, "Ana", c.Name)
		require.Equal(t, "clock_1", c.TestClockID, "the clock is fixed at creation")

		list, _, err := tx.Customers.ListCustomers(ctx, scope, billing.CustomerFilter{}, billing.Page{})
		require.NoError(t, err)
		require.Equal(t, "clock_1", list[0].TestClockID)
		return nil
	}))
}

func TestInvoiceNumbers(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := t.Context()
	createMerchant(t, s, "acct_n")
	test := billing.Scope{MerchantID: "acct_n", Mode: billing.ModeTest}
	live := billing.Scope{MerchantID: "acct_n", Mode: billing.ModeLive}

	next := func(tx billing.Tx, s billing.Scope) int64 {
		n, err := tx.Invoices.NextInvoiceNumber(ctx, s)
		require.NoError(t, err)
		return n
	}
	require.NoError(t, s.InTx(ctx, func(tx billing.Tx) error {
		require.EqualValues(t, 1, next(tx, test))
		require.EqualValues(t, 2, next(tx, test))
		require.EqualValues(t, 1, next(tx, live))
		return nil
	}))
	errRollback := errors.New("roll back")
	require.ErrorIs(t, s.InTx(ctx, func(tx billing.Tx) error {
		require.EqualValues(t, 3, next(tx, test))
		return errRollback
	}), errRollback)
	require.NoError(t, s.InTx(ctx, func(tx billing.Tx) error {
		require.EqualValues(t, 3, next(tx, test), "the rolled-back number is given back")
		return nil
	}))
}

func TestSimCharges(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := t.Context()
	at := epoch.Add(123456789) // nanoseconds

	charge := func(key, outcome string) sim.Charge {
		return sim.Charge{Key: key, Token: "tok_visa", Amount: 5000, Currency: "CLP", Outcome: outcome,
			Ref: "ch_" + key, Created: at}
	}
	require.NoError(t, s.InSimLedger(ctx, func(ledger sim.Ledger) error {
		// Keys sort the other way round from insertion.
		got, inserted, err := ledger.InsertCharge(ctx, charge("k_z", "succeeded"))
		require.NoError(t, err)
		require.True(t, inserted)
		require.Equal(t, at.Truncate(time.Microsecond), got.Created)
		_, inserted, err = ledger.InsertCharge(ctx, charge("k_a", "declined"))
		require.NoError(t, err)
		require.True(t, inserted)

		again := charge("k_z", "declined")
		again.Amount = 1
		got, inserted, err = ledger.InsertCharge(ctx, again)
		require.NoError(t, err)
		require.False(t, inserted)
		require.Equal(t, "succeeded", got.Outcome, "the recorded charge, not the new one")
		require.EqualValues(t, 5000, got.Amount)

		_, _, err = ledger.InsertCharge(ctx, charge("k_m", "error")) // still usable; a third entry
		return err
	}))
	require.NoError(t, s.InSimLedger(ctx, func(ledger sim.Ledger) error {
		all, err := ledger.ListCharges(ctx)
		require.NoError(t, err)
		keys := make([]string, 0, len(all))
		for _, c := range all {
			keys = append(keys, c.Key)
		}
		require.Equal(t, []string{"k_z", "k_a", "k_m"}, keys)
		require.Equal(t, charge("k_a", "declined").Ref, all[1].Ref)

		n, err := ledger.CountCharges(ctx, "tok_visa", "succeeded")
		require.NoError(t, err)
		require.EqualValues(t, 1, n)
		n, err = ledger.CountCharges(ctx, "tok_other", "succeeded")
		require.NoError(t, err)
		require.Zero(t, n)

		c, err := ledger.GetCharge(ctx, "k_z")
		require.NoError(t, err)
		c.Refunded = 2000
		require.NoError(t, ledger.UpdateCharge(ctx, c))
		c, err = ledger.GetCharge(ctx, "k_z")
		require.NoError(t, err)
		require.EqualValues(t, 2000, c.Refunded)
		require.Equal(t, time.UTC, c.Created.Location())

		_, err = ledger.GetCharge(ctx, "k_missing")
		require.ErrorIs(t, err, billing.ErrNotFound)
		require.ErrorIs(t, ledger.UpdateCharge(ctx, sim.Charge{Key: "k_missing"}), billing.ErrNotFound)
		return nil
	}))
}

// TestWriteSavepoints runs writes that succeed and fail in every order in
// one transaction (write keeps the last write's savepoint open until the
// next write): each failure undoes only its own write, the transaction
// stays usable, and everything that succeeded commits exactly once.
func TestWriteSavepoints(t *testing.T) {
	t.Parallel()
	s, dsn := newStoreDSN(t)
	inspect := rawPool(t, dsn)
	ctx := t.Context()
	createMerchant(t, s, "acct_sp")
	scope := billing.Scope{MerchantID: "acct_sp", Mode: billing.ModeTest}
	product := func(id string) billing.Product {
		return billing.Product{ID: id, Scope: scope, Name: id, Active: true, Created: epoch, Updated: epoch}
	}
	isViolation := func(err error) bool { _, ok := errors.AsType[*billing.ErrUniqueViolation](err); return ok }

	require.NoError(t, s.InTx(ctx, func(tx billing.Tx) error {
		require.NoError(t, tx.Catalog.CreateProduct(ctx, product("prod_a")))
		require.True(t, isViolation(tx.Catalog.CreateProduct(ctx, product("prod_a"))), "failure right after a success")
		require.True(t, isViolation(tx.Catalog.CreateProduct(ctx, product("prod_a"))), "failure right after a failure")
		require.NoError(t, tx.Jobs.Enqueue(ctx, echoArgs{N: 1}), "River's insert after a failure")
		require.True(t, isViolation(tx.Catalog.CreateProduct(ctx, product("prod_a"))), "failure right after River's insert")
		require.ErrorIs(t, tx.Catalog.UpdateProduct(ctx, product("prod_missing")), billing.ErrNotFound)
		require.NoError(t, tx.Catalog.CreateProduct(ctx, product("prod_b")), "success after a not-found")
		_, err := tx.Catalog.GetProduct(ctx, scope, "prod_b")
		require.NoError(t, err, "a read between writes")
		require.NoError(t, tx.Jobs.Enqueue(ctx, echoArgs{N: 2}))
		require.NoError(t, tx.Catalog.CreateProduct(ctx, product("prod_c")))
		return nil
	}))

	var products, jobs int
	require.NoError(t, inspect.QueryRow(ctx, "SELECT count(*) FROM products WHERE merchant_id = 'acct_sp'").Scan(&products))
	require.Equal(t, 3, products, "prod_a, prod_b and prod_c, once each")
	require.NoError(t, inspect.QueryRow(ctx, "SELECT count(*) FROM river_job").Scan(&jobs))
	require.Equal(t, 2, jobs)
}

// TestLargeColumnsCompressWithLZ4: on a server built with lz4, the columns
// every write appends large values to are compressed with it (migration
// 00036); elsewhere they keep the server's default.
func TestLargeColumnsCompressWithLZ4(t *testing.T) {
	t.Parallel()
	_, dsn := newStoreDSN(t)
	pool := rawPool(t, dsn)
	var lz4 bool
	require.NoError(t, pool.QueryRow(t.Context(),
		`SELECT EXISTS (SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY (enumvals))`).Scan(&lz4))
	want := ""
	if lz4 {
		want = "l"
	}
	for _, col := range [][2]string{{"events", "data"}, {"events", "previous"}, {"audit_entries", "before"},
		{"audit_entries", "after"}, {"emails", "text_body"}, {"emails", "html_body"}} {
		var got string
		require.NoError(t, pool.QueryRow(t.Context(),
			`SELECT attcompression::text FROM pg_attribute WHERE attrelid = to_regclass($1) AND attname = $2`, col[0], col[1]).Scan(&got))
		require.Equal(t, want, got, "%s.%s", col[0], col[1])
	}
}

// TestReadRefusesWrites: Store.Read runs no transaction, so a write in it
// would commit on its own; the store refuses it instead, and nothing is
// written.
func TestReadRefusesWrites(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	store := newStore(t)
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	m := billing.Merchant{ID: billing.NewID(billing.PrefixMerchant, now), Name: "Agente", Timezone: "UTC", Locale: "es-CL",
		InvoicePrefix: "AGEN", Created: now}
	err := store.Read(ctx, func(tx billing.Tx) error { return tx.Merchants.CreateMerchant(ctx, m) })
	require.ErrorContains(t, err, "a write in a read")
	require.NoError(t, store.InTx(ctx, func(tx billing.Tx) error {
		_, err := tx.Merchants.GetMerchant(ctx, m.ID)
		require.ErrorIs(t, err, billing.ErrNotFound)
		return nil
	}))
}

// TestAppendedRows: an appended row (an event) is sent with the
// transaction's next statement, so a read after it sees it; and one that
// fails makes the whole transaction fail at its end, leaving nothing
// written.
func TestAppendedRows(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s := newStore(t)
	createMerchant(t, s, "acct_a")
	scope := billing.Scope{MerchantID: "acct_a", Mode: billing.ModeTest}
	epoch := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	event := func(id, merchant string) billing.Event {
		return billing.Event{ID: id, Scope: billing.Scope{MerchantID: merchant, Mode: billing.ModeTest}, Type: "product.created",
			ObjectType: "product", ObjectID: "prod_1", Data: json.RawMessage(`{"id":"prod_1"}`), Created: epoch}
	}

	require.NoError(t, s.InTx(ctx, func(tx billing.Tx) error {
		require.NoError(t, tx.Events.CreateEvent(ctx, event("evt_1", "acct_a")))
		got, err := tx.Events.GetEvent(ctx, scope, "evt_1")
		require.NoError(t, err)
		require.Equal(t, "product.created", got.Type)
		require.NoError(t, tx.Events.CreateEvent(ctx, event("evt_2", "acct_a")))
		return nil // evt_2 goes with COMMIT's flush
	}))
	require.NoError(t, s.Read(ctx, func(tx billing.Tx) error {
		_, err := tx.Events.GetEvent(ctx, scope, "evt_2")
		return err
	}))

	err := s.InTx(ctx, func(tx billing.Tx) error {
		require.NoError(t, tx.Catalog.CreateProduct(ctx, billing.Product{ID: "prod_9", Scope: scope, Name: "P", Active: true, Created: epoch, Updated: epoch}))
		// No such merchant: the foreign key fails when the row is sent.
		require.NoError(t, tx.Events.CreateEvent(ctx, event("evt_3", "acct_missing")))
		return nil
	})
	require.ErrorContains(t, err, "create event evt_3")
	require.NoError(t, s.Read(ctx, func(tx billing.Tx) error {
		_, err := tx.Catalog.GetProduct(ctx, scope, "prod_9")
		require.ErrorIs(t, err, billing.ErrNotFound, "the failed transaction left nothing")
		return nil
	}))
}
