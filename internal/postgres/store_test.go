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
		return tx.CreateMerchant(t.Context(), billing.Merchant{
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
		if err := tx.CreateMerchant(ctx, billing.Merchant{ID: "acct_t", Name: "T", Timezone: "UTC", Locale: "en", Created: at}); err != nil {
			return err
		}
		if err := tx.CreateAPIKey(ctx, billing.APIKey{ID: "key_t", MerchantID: "acct_t", Mode: billing.ModeTest, Hash: "h", Redacted: "sk_test_…t", Created: at}); err != nil {
			return err
		}
		if err := tx.TouchAPIKey(ctx, "key_t", later); err != nil {
			return err
		}
		if err := tx.RevokeAPIKey(ctx, "key_t", later); err != nil {
			return err
		}
		// A second revoke keeps the first time.
		if err := tx.RevokeAPIKey(ctx, "key_t", later.Add(time.Hour)); err != nil {
			return err
		}
		return tx.CreateCoupon(ctx, billing.Coupon{
			ID: "co_t", Scope: billing.Scope{MerchantID: "acct_t", Mode: billing.ModeTest}, Name: "C",
			PercentOffBP: 1000, Duration: billing.DurationOnce, RedeemBy: &later, Created: at, Updated: later,
		})
	}))

	require.NoError(t, s.InTx(ctx, func(tx billing.Tx) error {
		m, err := tx.GetMerchant(ctx, "acct_t")
		require.NoError(t, err)
		require.Equal(t, want, m.Created)
		require.Equal(t, time.UTC, m.Created.Location())

		k, err := tx.GetAPIKey(ctx, "key_t")
		require.NoError(t, err)
		require.Equal(t, want, k.Created)
		require.NotNil(t, k.LastUsed)
		require.Equal(t, wantLater, *k.LastUsed)
		require.NotNil(t, k.Revoked)
		require.Equal(t, wantLater, *k.Revoked)

		c, err := tx.GetCoupon(ctx, billing.Scope{MerchantID: "acct_t", Mode: billing.ModeTest}, "co_t")
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
		requireViolation(t, "merchants_pkey", tx.CreateMerchant(ctx, billing.Merchant{ID: "acct_u", Created: epoch}))

		require.NoError(t, tx.CreateAPIKey(ctx, billing.APIKey{ID: "key_1", MerchantID: "acct_u", Mode: billing.ModeTest, Hash: "same", Created: epoch}))
		requireViolation(t, "api_keys_hash_key",
			tx.CreateAPIKey(ctx, billing.APIKey{ID: "key_2", MerchantID: "acct_u", Mode: billing.ModeTest, Hash: "same", Created: epoch}))

		require.NoError(t, tx.CreateCustomer(ctx, billing.Customer{ID: "cus_1", Scope: scope, ExternalID: "ext", Created: epoch, Updated: epoch}))
		requireViolation(t, "customers_external_id_key",
			tx.CreateCustomer(ctx, billing.Customer{ID: "cus_2", Scope: scope, ExternalID: "ext", Created: epoch, Updated: epoch}))
		// Another mode may reuse the external id; empty ids never clash.
		require.NoError(t, tx.CreateCustomer(ctx, billing.Customer{ID: "cus_3", Scope: billing.Scope{MerchantID: "acct_u", Mode: billing.ModeLive}, ExternalID: "ext", Created: epoch, Updated: epoch}))
		require.NoError(t, tx.CreateCustomer(ctx, billing.Customer{ID: "cus_4", Scope: scope, Created: epoch, Updated: epoch}))
		require.NoError(t, tx.CreateCustomer(ctx, billing.Customer{ID: "cus_5", Scope: scope, Created: epoch, Updated: epoch}))
		requireViolation(t, "customers_external_id_key",
			tx.UpdateCustomer(ctx, billing.Customer{ID: "cus_4", Scope: scope, ExternalID: "ext", Updated: epoch}))
		requireViolation(t, "customers_pkey",
			tx.CreateCustomer(ctx, billing.Customer{ID: "cus_1", Scope: scope, Created: epoch, Updated: epoch}))

		require.NoError(t, tx.CreateProduct(ctx, billing.Product{ID: "prod_1", Scope: scope, Name: "P", Active: true, Created: epoch, Updated: epoch}))
		price := billing.Price{ID: "price_1", Scope: scope, ProductID: "prod_1", UnitAmount: 5000, Currency: "CLP",
			Type: billing.PriceRecurring, Recurring: &billing.Recurring{Interval: billing.IntervalMonth, IntervalCount: 1},
			LookupKey: "start_monthly", Active: true, Created: epoch, Updated: epoch}
		require.NoError(t, tx.CreatePrice(ctx, price))
		price.ID = "price_2"
		requireViolation(t, "prices_lookup_key_key", tx.CreatePrice(ctx, price))

		require.NoError(t, tx.CreateCoupon(ctx, billing.Coupon{ID: "co_1", Scope: scope, PercentOffBP: 500, Duration: billing.DurationForever, Created: epoch, Updated: epoch}))
		require.NoError(t, tx.CreatePromotionCode(ctx, billing.PromotionCode{ID: "promo_1", Scope: scope, CouponID: "co_1", Code: "SUMMER", Active: true, Created: epoch, Updated: epoch}))
		requireViolation(t, "promotion_codes_code_key",
			tx.CreatePromotionCode(ctx, billing.PromotionCode{ID: "promo_2", Scope: scope, CouponID: "co_1", Code: "SUMMER", Created: epoch, Updated: epoch}))

		// The violations above left the transaction usable.
		c, err := tx.GetCustomer(ctx, scope, "cus_1")
		require.NoError(t, err)
		require.Equal(t, "ext", c.ExternalID)
		return nil
	}))

	// Everything that succeeded committed.
	require.NoError(t, s.InTx(ctx, func(tx billing.Tx) error {
		list, more, err := tx.ListCustomers(ctx, scope, billing.CustomerFilter{}, billing.Page{Limit: 10})
		require.NoError(t, err)
		require.False(t, more)
		require.Len(t, list, 3)
		p, err := tx.GetPrice(ctx, scope, "price_1")
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
		require.NoError(t, tx.CreateProduct(ctx, billing.Product{ID: "prod_1", Scope: test, Name: "P", Created: epoch, Updated: epoch}))
		_, err := tx.GetProduct(ctx, live, "prod_1") // another mode
		require.ErrorIs(t, err, billing.ErrNotFound)
		require.ErrorIs(t, tx.UpdateProduct(ctx, billing.Product{ID: "prod_1", Scope: live}), billing.ErrNotFound)
		_, err = tx.GetMerchant(ctx, "acct_missing")
		require.ErrorIs(t, err, billing.ErrNotFound)
		_, _, err = tx.LockAuditHead(ctx, "acct_missing")
		require.ErrorIs(t, err, billing.ErrNotFound)
		require.ErrorIs(t, tx.TouchAPIKey(ctx, "key_missing", epoch), billing.ErrNotFound)
		require.ErrorIs(t, tx.RevokeAPIKey(ctx, "key_missing", epoch), billing.ErrNotFound)
		require.ErrorIs(t, tx.CompleteIdempotencyKey(ctx, test, "missing", 200, nil), billing.ErrNotFound)
		_, err = tx.GetPrice(ctx, test, "price_missing")
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
			require.NoError(t, tx.CreateProduct(ctx, billing.Product{
				ID: id, Scope: scope, Name: id, Active: i != 1, Created: epoch, Updated: epoch,
				Features: map[string]int64{"seats": int64(i)}, Metadata: billing.Metadata{"n": id},
			}))
		}
		return nil
	}))
	require.NoError(t, s.InTx(ctx, func(tx billing.Tx) error {
		first, more, err := tx.ListProducts(ctx, scope, billing.ProductFilter{}, billing.Page{Limit: 2})
		require.NoError(t, err)
		require.True(t, more)
		require.Equal(t, []string{"prod_c", "prod_b"}, productIDs(first))
		require.Equal(t, map[string]int64{"seats": 2}, first[0].Features)
		require.Equal(t, billing.Metadata{"n": "prod_c"}, first[0].Metadata)

		rest, more, err := tx.ListProducts(ctx, scope, billing.ProductFilter{}, billing.Page{Limit: 2, StartingAfter: "prod_b"})
		require.NoError(t, err)
		require.False(t, more)
		require.Equal(t, []string{"prod_a"}, productIDs(rest))

		active, more, err := tx.ListProducts(ctx, scope, billing.ProductFilter{Active: new(true)}, billing.Page{Limit: 2})
		require.NoError(t, err)
		require.False(t, more)
		require.Equal(t, []string{"prod_c", "prod_a"}, productIDs(active))

		all, more, err := tx.ListProducts(ctx, scope, billing.ProductFilter{}, billing.Page{}) // no limit
		require.NoError(t, err)
		require.False(t, more)
		require.Equal(t, []string{"prod_c", "prod_b", "prod_a"}, productIDs(all))

		inactive, _, err := tx.ListProducts(ctx, scope, billing.ProductFilter{Active: new(false)}, billing.Page{Limit: 10})
		require.NoError(t, err)
		require.Equal(t, []string{"prod_b"}, productIDs(inactive))

		none, more, err := tx.ListProducts(ctx, billing.Scope{MerchantID: "acct_l", Mode: billing.ModeLive}, billing.ProductFilter{}, billing.Page{Limit: 10})
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
		got, reserved, err := tx.ReserveIdempotencyKey(ctx, rec)
		require.NoError(t, err)
		require.True(t, reserved)
		require.False(t, got.Completed)
		require.Nil(t, got.ResponseBody)

		got, reserved, err = tx.ReserveIdempotencyKey(ctx, billing.IdempotencyRecord{Scope: scope, Key: "k1", RequestHash: "other", Created: epoch.Add(time.Hour)})
		require.NoError(t, err)
		require.False(t, reserved)
		require.Equal(t, "rh", got.RequestHash)
		require.False(t, got.Completed)
		require.Equal(t, epoch, got.Created)

		require.NoError(t, tx.CompleteIdempotencyKey(ctx, scope, "k1", 201, []byte(`{"id":"cus_1"}`)))
		got, reserved, err = tx.ReserveIdempotencyKey(ctx, rec)
		require.NoError(t, err)
		require.False(t, reserved)
		require.True(t, got.Completed)
		require.Equal(t, 201, got.ResponseStatus)
		require.Equal(t, []byte(`{"id":"cus_1"}`), got.ResponseBody)

		_, reserved, err = tx.ReserveIdempotencyKey(ctx, billing.IdempotencyRecord{Scope: scope, Key: "k2", RequestHash: "rh2", Created: epoch.Add(2 * time.Hour)})
		require.NoError(t, err)
		require.True(t, reserved)

		n, err := tx.DeleteIdempotencyKeysBefore(ctx, epoch.Add(time.Hour))
		require.NoError(t, err)
		require.EqualValues(t, 1, n)
		require.NoError(t, tx.DeleteIdempotencyKey(ctx, scope, "k2"))
		_, reserved, err = tx.ReserveIdempotencyKey(ctx, rec)
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
		seq, hash, err := tx.LockAuditHead(ctx, "acct_a")
		require.NoError(t, err)
		require.Zero(t, seq)
		require.Empty(t, hash)
		require.NoError(t, tx.InsertAuditEntry(ctx, entry(1, "", "h1")))
		// An entry that does not follow the head is refused and leaves nothing.
		err = tx.InsertAuditEntry(ctx, entry(3, "h1", "h3"))
		require.ErrorContains(t, err, "audit chain head moved")
		require.NoError(t, tx.InsertAuditEntry(ctx, entry(2, "h1", "h2")))
		return nil
	}))
	require.NoError(t, s.InTx(ctx, func(tx billing.Tx) error {
		seq, hash, err := tx.LockAuditHead(ctx, "acct_a")
		require.NoError(t, err)
		require.EqualValues(t, 2, seq)
		require.Equal(t, "h2", hash)
		entries, err := tx.ListAuditEntries(ctx, "acct_a", 0, 10)
		require.NoError(t, err)
		require.Len(t, entries, 2)
		require.Equal(t, json.RawMessage("null"), entries[0].Before)
		require.Equal(t, json.RawMessage(`{"name": "P",  "b":1}`), entries[0].After) // verbatim
		require.Equal(t, entry(1, "", "h1").Created, entries[0].Created)
		later, err := tx.ListAuditEntries(ctx, "acct_a", 1, 10)
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
			seq, hash, err := tx.LockAuditHead(ctx, "acct_s")
			if err != nil {
				return err
			}
			record("A locked")
			close(aLocked)
			<-aRelease
			record("A appends")
			return tx.InsertAuditEntry(ctx, billing.AuditEntry{ID: "aud_1", MerchantID: "acct_s", Seq: seq + 1,
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
			seq, hash, err := tx.LockAuditHead(ctx, "acct_s")
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
		require.NoError(t, tx.Enqueue(ctx, echoArgs{N: 1}))
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
		return tx.Enqueue(ctx, echoArgs{N: 7})
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
