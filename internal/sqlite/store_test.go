package sqlite_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"
	_ "time/tzdata" // America/Santiago without relying on the system's zoneinfo

	"github.com/riverqueue/river"
	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/gateway/sim"
	"github.com/cuota/cuota/internal/sqlite"
	"github.com/cuota/cuota/internal/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Exercise(t, func(t *testing.T) storetest.Store {
		return newStore(t)
	})
}

// openStore opens a store on a fresh file, not migrated, closed when the
// test ends.
func openStore(t *testing.T) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "cuota.db"), nil)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	return s
}

// newStore opens a migrated store on a fresh file.
func newStore(t *testing.T) *sqlite.Store {
	t.Helper()
	s := openStore(t)
	require.NoError(t, s.Migrate(t.Context()))
	return s
}

var (
	santiago = mustLoad("America/Santiago")
	t0       = time.Date(2026, 1, 31, 10, 0, 0, 0, time.UTC)
)

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// inTx runs fn in a transaction that must succeed.
func inTx(t *testing.T, s *sqlite.Store, fn func(tx billing.Tx)) {
	t.Helper()
	require.NoError(t, s.InTx(t.Context(), func(tx billing.Tx) error {
		fn(tx)
		return nil
	}))
}

// seq is a counter that makes ids sort in creation order.
var seq int

func id(prefix string) string {
	seq++
	return fmt.Sprintf("%s%010d", prefix, seq)
}

// seedMerchant creates a merchant and returns its test scope.
func seedMerchant(t *testing.T, s *sqlite.Store) billing.Scope {
	t.Helper()
	m := billing.Merchant{ID: id(billing.PrefixMerchant), Name: "Agente", Timezone: "America/Santiago",
		Locale: "es-CL", InvoicePrefix: "AG", Created: t0}
	inTx(t, s, func(tx billing.Tx) { require.NoError(t, tx.Merchants.CreateMerchant(t.Context(), m)) })
	return billing.Scope{MerchantID: m.ID, Mode: billing.ModeTest}
}

func newProduct(s billing.Scope, created time.Time) billing.Product {
	return billing.Product{ID: id(billing.PrefixProduct), Scope: s, Name: "Start", Active: true,
		Created: created, Updated: created}
}

func TestTimesRoundTripAndSortAcrossZones(t *testing.T) {
	s := newStore(t)
	scope := seedMerchant(t, s)
	ctx := t.Context()

	// 07:00:00.123456789 in Santiago (UTC-3 in January) is 10:00:00.123456789Z;
	// the store keeps microseconds and returns UTC.
	local := time.Date(2026, 1, 31, 7, 0, 0, 123456789, santiago)
	want := time.Date(2026, 1, 31, 10, 0, 0, 123456000, time.UTC)
	p := newProduct(scope, local)
	redeemBy := time.Date(2026, 3, 1, 0, 0, 0, 1000, santiago)
	c := billing.Coupon{ID: id(billing.PrefixCoupon), Scope: scope, Name: "10%", PercentOffBP: 1000,
		Duration: billing.DurationOnce, RedeemBy: &redeemBy, Created: local, Updated: local}
	inTx(t, s, func(tx billing.Tx) {
		require.NoError(t, tx.Catalog.CreateProduct(ctx, p))
		require.NoError(t, tx.Coupons.CreateCoupon(ctx, c))
		got, err := tx.Catalog.GetProduct(ctx, scope, p.ID)
		require.NoError(t, err)
		require.Equal(t, want, got.Created)
		require.Equal(t, want, got.Updated)
		require.Equal(t, time.UTC, got.Created.Location())
		gotC, err := tx.Coupons.GetCoupon(ctx, scope, c.ID)
		require.NoError(t, err)
		require.NotNil(t, gotC.RedeemBy)
		require.Equal(t, redeemBy.UTC(), *gotC.RedeemBy)
	})

	// Chronological, not lexical: a key created 10:00:00.000001Z, written
	// in Santiago time, is later than one created 09:59:59.999999Z in UTC.
	later := billing.IdempotencyRecord{Scope: scope, Key: "later", RequestHash: "h1",
		Created: time.Date(2026, 1, 31, 7, 0, 0, 1000, santiago)}
	earlier := billing.IdempotencyRecord{Scope: scope, Key: "earlier", RequestHash: "h2",
		Created: time.Date(2026, 1, 31, 9, 59, 59, 999999000, time.UTC)}
	inTx(t, s, func(tx billing.Tx) {
		for _, r := range []billing.IdempotencyRecord{later, earlier} {
			_, inserted, err := tx.Idempotency.ReserveIdempotencyKey(ctx, r)
			require.NoError(t, err)
			require.True(t, inserted)
		}
		n, err := tx.Idempotency.DeleteIdempotencyKeysBefore(ctx, time.Date(2026, 1, 31, 7, 0, 0, 0, santiago))
		require.NoError(t, err)
		require.Equal(t, int64(1), n)

		got, inserted, err := tx.Idempotency.ReserveIdempotencyKey(ctx, later)
		require.NoError(t, err)
		require.False(t, inserted, "the later key must survive")
		require.Equal(t, later.Created.UTC(), got.Created)

		_, inserted, err = tx.Idempotency.ReserveIdempotencyKey(ctx, earlier)
		require.NoError(t, err)
		require.True(t, inserted, "the earlier key must be gone")
	})
}

func TestMigrationsCurrent(t *testing.T) {
	s := openStore(t)
	ok, err := s.MigrationsCurrent(t.Context())
	require.NoError(t, err)
	require.False(t, ok)

	require.NoError(t, s.Migrate(t.Context()))
	ok, err = s.MigrationsCurrent(t.Context())
	require.NoError(t, err)
	require.True(t, ok)
}

func TestMigrateTwiceIsNoOp(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cuota.db")
	s, err := sqlite.Open(t.Context(), path, nil)
	require.NoError(t, err)
	require.NoError(t, s.Migrate(t.Context()))
	scope := seedMerchant(t, s)
	require.NoError(t, s.Migrate(t.Context()))
	require.NoError(t, s.Close())

	// Again on a reopened file.
	s, err = sqlite.Open(t.Context(), path, nil)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	require.NoError(t, s.Migrate(t.Context()))
	ok, err := s.MigrationsCurrent(t.Context())
	require.NoError(t, err)
	require.True(t, ok)
	inTx(t, s, func(tx billing.Tx) {
		_, err := tx.Merchants.GetMerchant(t.Context(), scope.MerchantID)
		require.NoError(t, err)
	})
}

func TestUniqueViolations(t *testing.T) {
	s := newStore(t)
	scope := seedMerchant(t, s)
	ctx := t.Context()
	p := newProduct(scope, t0)
	price := billing.Price{ID: id(billing.PrefixPrice), Scope: scope, ProductID: p.ID, UnitAmount: 5000,
		Currency: "CLP", Type: billing.PriceRecurring, Recurring: &billing.Recurring{Interval: billing.IntervalMonth, IntervalCount: 1},
		LookupKey: "start_monthly", Active: true, Created: t0, Updated: t0}
	cus := billing.Customer{ID: id(billing.PrefixCustomer), Scope: scope, Email: "a@example.com", ExternalID: "u1", Created: t0, Updated: t0}
	coupon := billing.Coupon{ID: id(billing.PrefixCoupon), Scope: scope, PercentOffBP: 500, Duration: billing.DurationForever, Created: t0, Updated: t0}
	promo := billing.PromotionCode{ID: id(billing.PrefixPromotionCode), Scope: scope, CouponID: coupon.ID, Code: "SUMMER", Active: true, Created: t0, Updated: t0}
	key := billing.APIKey{ID: id(billing.PrefixAPIKey), MerchantID: scope.MerchantID, Mode: scope.Mode, Hash: "abc", Redacted: "sk_test_…abc", Created: t0}
	inTx(t, s, func(tx billing.Tx) {
		require.NoError(t, tx.Catalog.CreateProduct(ctx, p))
		require.NoError(t, tx.Catalog.CreatePrice(ctx, price))
		require.NoError(t, tx.Customers.CreateCustomer(ctx, cus))
		require.NoError(t, tx.Coupons.CreateCoupon(ctx, coupon))
		require.NoError(t, tx.Coupons.CreatePromotionCode(ctx, promo))
		require.NoError(t, tx.Merchants.CreateAPIKey(ctx, key))
	})

	price2, cus2, promo2, key2, p2 := price, cus, promo, key, p
	price2.ID, cus2.ID, promo2.ID, key2.ID = id(billing.PrefixPrice), id(billing.PrefixCustomer), id(billing.PrefixPromotionCode), id(billing.PrefixAPIKey)
	p2.Name = "duplicate id"
	tests := []struct {
		want string
		do   func(tx billing.Tx) error
	}{
		{"prices_lookup_key_key", func(tx billing.Tx) error { return tx.Catalog.CreatePrice(ctx, price2) }},
		{"customers_external_id_key", func(tx billing.Tx) error { return tx.Customers.CreateCustomer(ctx, cus2) }},
		{"promotion_codes_code_key", func(tx billing.Tx) error { return tx.Coupons.CreatePromotionCode(ctx, promo2) }},
		{"api_keys_hash_key", func(tx billing.Tx) error { return tx.Merchants.CreateAPIKey(ctx, key2) }},
		{"products_pkey", func(tx billing.Tx) error { return tx.Catalog.CreateProduct(ctx, p2) }},
		{"merchants_pkey", func(tx billing.Tx) error {
			return tx.Merchants.CreateMerchant(ctx, billing.Merchant{ID: scope.MerchantID, Created: t0})
		}},
		{"customers_external_id_key", func(tx billing.Tx) error {
			other := cus
			other.ID, other.ExternalID = id(billing.PrefixCustomer), "u2"
			if err := tx.Customers.CreateCustomer(ctx, other); err != nil {
				return err
			}
			other.ExternalID = "u1"
			return tx.Customers.UpdateCustomer(ctx, other)
		}},
	}
	for _, tt := range tests {
		err := s.InTx(ctx, tt.do)
		var uv *billing.ErrUniqueViolation
		require.ErrorAs(t, err, &uv, tt.want)
		require.Equal(t, tt.want, uv.Constraint)
	}

	// Empty lookup keys and external ids are not unique; the other mode is
	// another scope.
	inTx(t, s, func(tx billing.Tx) {
		for range 2 {
			c := cus
			c.ID, c.ExternalID = id(billing.PrefixCustomer), ""
			require.NoError(t, tx.Customers.CreateCustomer(ctx, c))
		}
		live := cus
		live.ID, live.Scope.Mode = id(billing.PrefixCustomer), billing.ModeLive
		require.NoError(t, tx.Customers.CreateCustomer(ctx, live))
	})
}

func TestNotFoundAndScope(t *testing.T) {
	s := newStore(t)
	scope := seedMerchant(t, s)
	other := billing.Scope{MerchantID: scope.MerchantID, Mode: billing.ModeLive}
	ctx := t.Context()
	p := newProduct(scope, t0)
	inTx(t, s, func(tx billing.Tx) { require.NoError(t, tx.Catalog.CreateProduct(ctx, p)) })

	err := s.InTx(ctx, func(tx billing.Tx) error {
		_, err := tx.Catalog.GetProduct(ctx, other, p.ID)
		require.ErrorIs(t, err, billing.ErrNotFound)
		require.Contains(t, err.Error(), p.ID)
		_, err = tx.Merchants.GetMerchant(ctx, "mch_missing")
		require.ErrorIs(t, err, billing.ErrNotFound)
		_, err = tx.Merchants.GetAPIKeyByHash(ctx, "nope")
		require.ErrorIs(t, err, billing.ErrNotFound)
		moved := p
		moved.Scope = other
		require.ErrorIs(t, tx.Catalog.UpdateProduct(ctx, moved), billing.ErrNotFound)
		require.ErrorIs(t, tx.Merchants.TouchAPIKey(ctx, "key_missing", t0), billing.ErrNotFound)
		require.ErrorIs(t, tx.Merchants.RevokeAPIKey(ctx, "key_missing", t0), billing.ErrNotFound)
		require.ErrorIs(t, tx.Idempotency.CompleteIdempotencyKey(ctx, scope, "missing", 200, nil), billing.ErrNotFound)
		_, _, err = tx.Audit.LockAuditHead(ctx, "mch_missing")
		require.ErrorIs(t, err, billing.ErrNotFound)
		return nil
	})
	require.NoError(t, err)
}

func TestRoundTripAndMaps(t *testing.T) {
	s := newStore(t)
	scope := seedMerchant(t, s)
	ctx := t.Context()
	p := newProduct(scope, t0) // nil Features and Metadata
	price := billing.Price{ID: id(billing.PrefixPrice), Scope: scope, ProductID: p.ID, UnitAmount: 5000,
		Currency: "CLP", Type: billing.PriceOneTime, Active: true, Metadata: billing.Metadata{"k": "v"},
		Created: t0, Updated: t0}
	key := billing.APIKey{ID: id(billing.PrefixAPIKey), MerchantID: scope.MerchantID, Mode: scope.Mode,
		Hash: "h", Redacted: "r", Created: t0}
	inTx(t, s, func(tx billing.Tx) {
		require.NoError(t, tx.Catalog.CreateProduct(ctx, p))
		require.NoError(t, tx.Catalog.CreatePrice(ctx, price))
		require.NoError(t, tx.Merchants.CreateAPIKey(ctx, key))

		got, err := tx.Catalog.GetProduct(ctx, scope, p.ID)
		require.NoError(t, err)
		require.NotNil(t, got.Features)
		require.NotNil(t, got.Metadata)
		require.Empty(t, got.Features)

		got.Features = map[string]int64{"properties": 5}
		got.Metadata = billing.Metadata{"plan": "start"}
		got.Updated = t0.Add(time.Hour)
		require.NoError(t, tx.Catalog.UpdateProduct(ctx, got))
		again, err := tx.Catalog.GetProduct(ctx, scope, p.ID)
		require.NoError(t, err)
		require.Equal(t, got, again)

		gotPrice, err := tx.Catalog.GetPrice(ctx, scope, price.ID)
		require.NoError(t, err)
		require.Equal(t, price, gotPrice)
		require.Nil(t, gotPrice.Recurring)

		gotKey, err := tx.Merchants.GetAPIKeyByHash(ctx, "h")
		require.NoError(t, err)
		require.Equal(t, key, gotKey)
		require.NoError(t, tx.Merchants.TouchAPIKey(ctx, key.ID, t0.Add(time.Minute)))
		require.NoError(t, tx.Merchants.RevokeAPIKey(ctx, key.ID, t0.Add(2*time.Minute)))
		require.NoError(t, tx.Merchants.RevokeAPIKey(ctx, key.ID, t0.Add(3*time.Minute))) // keeps the first
		gotKey, err = tx.Merchants.GetAPIKey(ctx, key.ID)
		require.NoError(t, err)
		require.Equal(t, t0.Add(time.Minute), *gotKey.LastUsed)
		require.Equal(t, t0.Add(2*time.Minute), *gotKey.Revoked)

		ms, err := tx.Merchants.ListMerchants(ctx)
		require.NoError(t, err)
		require.Len(t, ms, 1)
		require.Equal(t, scope.MerchantID, ms[0].ID)
	})
}

func TestListPagination(t *testing.T) {
	s := newStore(t)
	scope := seedMerchant(t, s)
	ctx := t.Context()
	var ids []string
	inTx(t, s, func(tx billing.Tx) {
		for i := range 5 {
			p := newProduct(scope, t0)
			p.Active = i%2 == 0 // products 0, 2, 4 active
			require.NoError(t, tx.Catalog.CreateProduct(ctx, p))
			ids = append(ids, p.ID)
		}
		live := newProduct(billing.Scope{MerchantID: scope.MerchantID, Mode: billing.ModeLive}, t0)
		require.NoError(t, tx.Catalog.CreateProduct(ctx, live))
	})
	list := func(f billing.ProductFilter, page billing.Page) ([]string, bool) {
		var got []string
		var more bool
		inTx(t, s, func(tx billing.Tx) {
			ps, m, err := tx.Catalog.ListProducts(ctx, scope, f, page)
			require.NoError(t, err)
			for _, p := range ps {
				got = append(got, p.ID)
			}
			more = m
		})
		return got, more
	}
	got, more := list(billing.ProductFilter{}, billing.Page{Limit: 2})
	require.Equal(t, []string{ids[4], ids[3]}, got)
	require.True(t, more)
	got, more = list(billing.ProductFilter{}, billing.Page{Limit: 2, StartingAfter: ids[3]})
	require.Equal(t, []string{ids[2], ids[1]}, got)
	require.True(t, more)
	got, more = list(billing.ProductFilter{}, billing.Page{Limit: 2, StartingAfter: ids[1]})
	require.Equal(t, []string{ids[0]}, got)
	require.False(t, more)
	got, more = list(billing.ProductFilter{}, billing.Page{Limit: 5})
	require.Len(t, got, 5)
	require.False(t, more)

	yes, no := true, false
	got, more = list(billing.ProductFilter{Active: &yes}, billing.Page{Limit: 10})
	require.Equal(t, []string{ids[4], ids[2], ids[0]}, got)
	require.False(t, more)
	got, _ = list(billing.ProductFilter{Active: &no}, billing.Page{Limit: 10})
	require.Equal(t, []string{ids[3], ids[1]}, got)
}

func TestAuditChain(t *testing.T) {
	s := newStore(t)
	scope := seedMerchant(t, s)
	ctx := t.Context()
	local := time.Date(2026, 1, 31, 7, 0, 0, 5000, santiago)
	e1 := billing.AuditEntry{ID: id(billing.PrefixAuditEntry), MerchantID: scope.MerchantID, Seq: 1, Mode: scope.Mode,
		Actor: "cli", Action: "product.create", ObjectType: "product", ObjectID: "prod_1",
		After: json.RawMessage(`{"name": "Start"}`), Created: local}
	e1.Hash = billing.AuditHash(e1)
	inTx(t, s, func(tx billing.Tx) {
		seq, hash, err := tx.Audit.LockAuditHead(ctx, scope.MerchantID)
		require.NoError(t, err)
		require.Equal(t, int64(0), seq)
		require.Empty(t, hash)
		require.NoError(t, tx.Audit.InsertAuditEntry(ctx, e1))
		seq, hash, err = tx.Audit.LockAuditHead(ctx, scope.MerchantID)
		require.NoError(t, err)
		require.Equal(t, int64(1), seq)
		require.Equal(t, e1.Hash, hash)
	})

	// An entry that does not follow the head is refused, and nothing of it
	// stays.
	e3 := e1
	e3.ID, e3.Seq, e3.PrevHash = id(billing.PrefixAuditEntry), 3, e1.Hash
	err := s.InTx(ctx, func(tx billing.Tx) error { return tx.Audit.InsertAuditEntry(ctx, e3) })
	require.ErrorContains(t, err, "moved")
	// A second entry with seq 1 breaks the unique (merchant, seq).
	dup := e1
	dup.ID = id(billing.PrefixAuditEntry)
	err = s.InTx(ctx, func(tx billing.Tx) error { return tx.Audit.InsertAuditEntry(ctx, dup) })
	var uv *billing.ErrUniqueViolation
	require.ErrorAs(t, err, &uv)
	require.Equal(t, "audit_entries_seq_key", uv.Constraint)

	inTx(t, s, func(tx billing.Tx) {
		es, err := tx.Audit.ListAuditEntries(ctx, scope.MerchantID, "", 0, 10)
		require.NoError(t, err)
		require.Len(t, es, 1)
		got := es[0]
		require.Equal(t, json.RawMessage("null"), got.Before)
		require.Equal(t, e1.After, got.After)
		require.Equal(t, local.UTC(), got.Created)
		require.Equal(t, e1.Hash, billing.AuditHash(got), "the chain verifies after a round trip")
		es, err = tx.Audit.ListAuditEntries(ctx, scope.MerchantID, "", 1, 10)
		require.NoError(t, err)
		require.Empty(t, es)
	})
}

func TestIdempotencyKeys(t *testing.T) {
	s := newStore(t)
	scope := seedMerchant(t, s)
	ctx := t.Context()
	r := billing.IdempotencyRecord{Scope: scope, Key: "k", RequestHash: "h", Created: t0}
	inTx(t, s, func(tx billing.Tx) {
		got, inserted, err := tx.Idempotency.ReserveIdempotencyKey(ctx, r)
		require.NoError(t, err)
		require.True(t, inserted)
		require.Equal(t, r, got)

		got, inserted, err = tx.Idempotency.ReserveIdempotencyKey(ctx, r)
		require.NoError(t, err)
		require.False(t, inserted)
		require.Equal(t, r, got)

		require.NoError(t, tx.Idempotency.CompleteIdempotencyKey(ctx, scope, "k", 201, []byte(`{"id":"x"}`)))
		got, inserted, err = tx.Idempotency.ReserveIdempotencyKey(ctx, billing.IdempotencyRecord{Scope: scope, Key: "k", RequestHash: "other", Created: t0.Add(time.Hour)})
		require.NoError(t, err)
		require.False(t, inserted)
		require.Equal(t, billing.IdempotencyRecord{Scope: scope, Key: "k", RequestHash: "h", Completed: true,
			ResponseStatus: 201, ResponseBody: []byte(`{"id":"x"}`), Created: t0}, got)

		require.NoError(t, tx.Idempotency.DeleteIdempotencyKey(ctx, scope, "k"))
		_, inserted, err = tx.Idempotency.ReserveIdempotencyKey(ctx, r)
		require.NoError(t, err)
		require.True(t, inserted)
	})
}

func TestInTxRollsBack(t *testing.T) {
	s := newStore(t)
	ctx := t.Context()
	boom := errors.New("boom")
	m := billing.Merchant{ID: id(billing.PrefixMerchant), Created: t0}
	err := s.InTx(ctx, func(tx billing.Tx) error {
		require.NoError(t, tx.Merchants.CreateMerchant(ctx, m))
		require.NoError(t, tx.Jobs.Enqueue(ctx, pingArgs{N: 1}))
		return boom
	})
	require.ErrorIs(t, err, boom)
	require.Panics(t, func() {
		_ = s.InTx(ctx, func(tx billing.Tx) error {
			require.NoError(t, tx.Merchants.CreateMerchant(ctx, m))
			panic("boom")
		})
	})
	inTx(t, s, func(tx billing.Tx) {
		_, err := tx.Merchants.GetMerchant(ctx, m.ID)
		require.ErrorIs(t, err, billing.ErrNotFound)
	})
	require.NoError(t, s.Ping(ctx))
}

type pingArgs struct{ N int }

func (pingArgs) Kind() string { return "sqlite_test_ping" }

type pingWorker struct {
	river.WorkerDefaults[pingArgs]
	done chan int
}

func (w *pingWorker) Work(_ context.Context, job *river.Job[pingArgs]) error {
	w.done <- job.Args.N
	return nil
}

func TestEnqueueAndWork(t *testing.T) {
	s := newStore(t)
	ctx := t.Context()
	w := &pingWorker{done: make(chan int, 10)}
	workers := river.NewWorkers()
	river.AddWorker(workers, w)

	// Enqueued before the workers start; one of them rolled back.
	require.NoError(t, s.InTx(ctx, func(tx billing.Tx) error { return tx.Jobs.Enqueue(ctx, pingArgs{N: 1}) }))
	require.Error(t, s.InTx(ctx, func(tx billing.Tx) error {
		require.NoError(t, tx.Jobs.Enqueue(ctx, pingArgs{N: 99}))
		return errors.New("roll back")
	}))

	require.NoError(t, s.StartWorkers(ctx, workers, nil))
	require.Error(t, s.StartWorkers(ctx, workers, nil), "only one worker client")
	// Enqueued while they run, next to a business row.
	scope := seedMerchant(t, s)
	require.NoError(t, s.InTx(ctx, func(tx billing.Tx) error {
		if err := tx.Catalog.CreateProduct(ctx, newProduct(scope, t0)); err != nil {
			return err
		}
		return tx.Jobs.Enqueue(ctx, pingArgs{N: 2})
	}))

	var got []int
	for len(got) < 2 {
		select {
		case n := <-w.done:
			got = append(got, n)
		case <-time.After(30 * time.Second):
			t.Fatalf("jobs not worked; got %v", got)
		}
	}
	require.ElementsMatch(t, []int{1, 2}, got)

	stopCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	require.NoError(t, s.StopWorkers(stopCtx))
	require.NoError(t, s.StopWorkers(stopCtx), "stopping twice is fine")
	select {
	case n := <-w.done:
		t.Fatalf("unexpected job %d", n)
	default:
	}
}

func TestPeriodicJobRunsAndCloseStopsWorkers(t *testing.T) {
	s, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "cuota.db"), nil)
	require.NoError(t, err)
	require.NoError(t, s.Migrate(t.Context()))
	w := &pingWorker{done: make(chan int, 10)}
	workers := river.NewWorkers()
	river.AddWorker(workers, w)
	periodic := []*river.PeriodicJob{river.NewPeriodicJob(river.PeriodicInterval(time.Hour),
		func() (river.JobArgs, *river.InsertOpts) { return pingArgs{N: 7}, nil },
		&river.PeriodicJobOpts{RunOnStart: true})}
	require.NoError(t, s.StartWorkers(t.Context(), workers, periodic))
	select {
	case n := <-w.done:
		require.Equal(t, 7, n)
	case <-time.After(30 * time.Second):
		t.Fatal("periodic job not worked")
	}
	require.NoError(t, s.Close(), "Close stops the running workers")
}

func TestCloseAfterWorkersContextEnds(t *testing.T) {
	s, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "cuota.db"), nil)
	require.NoError(t, err)
	require.NoError(t, s.Migrate(t.Context()))
	workers := river.NewWorkers()
	river.AddWorker(workers, &pingWorker{done: make(chan int, 10)})
	ctx, cancel := context.WithCancel(t.Context())
	require.NoError(t, s.StartWorkers(ctx, workers, nil))
	cancel() // a hard stop begins
	require.NoError(t, s.Close())
}

// Lifecycle.

// seedCustomer creates a customer in scope on test clock clockID ("" for none).
func seedCustomer(t *testing.T, s *sqlite.Store, scope billing.Scope, clockID string) billing.Customer {
	t.Helper()
	c := billing.Customer{ID: id(billing.PrefixCustomer), Scope: scope, Email: "c@example.com",
		TestClockID: clockID, Created: t0, Updated: t0}
	inTx(t, s, func(tx billing.Tx) { require.NoError(t, tx.Customers.CreateCustomer(t.Context(), c)) })
	return c
}

func newSubscription(scope billing.Scope, customerID string, items ...billing.SubscriptionItem) billing.Subscription {
	return billing.Subscription{ID: id(billing.PrefixSubscription), Scope: scope, CustomerID: customerID,
		Status: "active", Items: items, Currency: "CLP",
		Recurring:     billing.Recurring{Interval: billing.IntervalMonth, IntervalCount: 1},
		BillingAnchor: t0, CycleIndex: 1, CurrentPeriodStart: t0, CurrentPeriodEnd: t0.AddDate(0, 1, 0),
		Created: t0, Updated: t0}
}

func newInvoice(scope billing.Scope, customerID, subscriptionID, reason string, periodStart time.Time) billing.Invoice {
	return billing.Invoice{ID: id(billing.PrefixInvoice), Scope: scope, CustomerID: customerID,
		SubscriptionID: subscriptionID, Status: billing.InvoiceDraft, BillingReason: reason, Currency: "CLP",
		PeriodStart: periodStart, PeriodEnd: periodStart.AddDate(0, 1, 0), Created: t0, Updated: t0}
}

func newPayment(scope billing.Scope, inv billing.Invoice, attempt int64, status billing.PaymentStatus) billing.Payment {
	return billing.Payment{ID: id(billing.PrefixPayment), Scope: scope, InvoiceID: inv.ID, CustomerID: inv.CustomerID,
		Attempt: attempt, Gateway: billing.GatewaySim, Amount: 5000, Currency: "CLP",
		IdempotencyKey: billing.PaymentIdempotencyKey(inv.ID, attempt), Status: status, Created: t0, Updated: t0}
}

func TestLifecycleUniqueViolations(t *testing.T) {
	s := newStore(t)
	scope := seedMerchant(t, s)
	ctx := t.Context()
	cus := seedCustomer(t, s, scope, "")
	sub := newSubscription(scope, cus.ID)
	cycle := newInvoice(scope, cus.ID, sub.ID, billing.ReasonSubscriptionCycle, t0)
	cycle.Number = "AG-0001"
	paid := newPayment(scope, cycle, 1, billing.PaymentSucceeded)
	failed := newPayment(scope, cycle, 2, billing.PaymentFailed)
	inTx(t, s, func(tx billing.Tx) {
		require.NoError(t, tx.Subscriptions.CreateSubscription(ctx, sub))
		require.NoError(t, tx.Subscriptions.ClaimTrial(ctx, scope, "email", "c@example.com", sub.ID))
		require.NoError(t, tx.Invoices.CreateInvoice(ctx, cycle))
		require.NoError(t, tx.Payments.CreatePayment(ctx, paid))
		require.NoError(t, tx.Payments.CreatePayment(ctx, failed))
	})

	tests := []struct {
		want string
		do   func(tx billing.Tx) error
	}{
		{"trial_redemptions_pkey", func(tx billing.Tx) error {
			return tx.Subscriptions.ClaimTrial(ctx, scope, "email", "c@example.com", "sub_other")
		}},
		{"invoices_subscription_period_key", func(tx billing.Tx) error {
			return tx.Invoices.CreateInvoice(ctx, newInvoice(scope, cus.ID, sub.ID, billing.ReasonSubscriptionCreate, t0))
		}},
		{"invoices_number_key", func(tx billing.Tx) error {
			inv := newInvoice(scope, cus.ID, sub.ID, billing.ReasonManual, t0)
			inv.Number = cycle.Number
			return tx.Invoices.CreateInvoice(ctx, inv)
		}},
		{"invoices_number_key", func(tx billing.Tx) error {
			inv := newInvoice(scope, cus.ID, sub.ID, billing.ReasonManual, t0)
			if err := tx.Invoices.CreateInvoice(ctx, inv); err != nil {
				return err
			}
			inv.Number = cycle.Number
			return tx.Invoices.UpdateInvoice(ctx, inv)
		}},
		{"payments_idempotency_key_key", func(tx billing.Tx) error {
			p := newPayment(scope, cycle, 2, billing.PaymentPending)
			return tx.Payments.CreatePayment(ctx, p)
		}},
		{"payments_one_success_key", func(tx billing.Tx) error {
			return tx.Payments.CreatePayment(ctx, newPayment(scope, cycle, 3, billing.PaymentSucceeded))
		}},
		{"payments_one_success_key", func(tx billing.Tx) error {
			p := failed
			p.Status = billing.PaymentSucceeded
			return tx.Payments.UpdatePayment(ctx, p)
		}},
		{"subscriptions_pkey", func(tx billing.Tx) error { return tx.Subscriptions.CreateSubscription(ctx, sub) }},
	}
	for _, tt := range tests {
		err := s.InTx(ctx, tt.do)
		var uv *billing.ErrUniqueViolation
		require.ErrorAs(t, err, &uv, tt.want)
		require.Equal(t, tt.want, uv.Constraint)
	}

	// What the partial indexes and scopes let through.
	inTx(t, s, func(tx billing.Tx) {
		for range 2 { // manual and update invoices of a period, and unnumbered drafts
			require.NoError(t, tx.Invoices.CreateInvoice(ctx, newInvoice(scope, cus.ID, sub.ID, billing.ReasonManual, t0)))
			require.NoError(t, tx.Invoices.CreateInvoice(ctx, newInvoice(scope, cus.ID, sub.ID, billing.ReasonSubscriptionUpdate, t0)))
		}
		require.NoError(t, tx.Invoices.CreateInvoice(ctx, newInvoice(scope, cus.ID, sub.ID, billing.ReasonSubscriptionCycle, t0.AddDate(0, 1, 0))))
		require.NoError(t, tx.Payments.CreatePayment(ctx, newPayment(scope, cycle, 3, billing.PaymentFailed)))
		require.NoError(t, tx.Subscriptions.ClaimTrial(ctx, scope, "external_id", "c@example.com", sub.ID))
		live := billing.Scope{MerchantID: scope.MerchantID, Mode: billing.ModeLive}
		require.NoError(t, tx.Subscriptions.ClaimTrial(ctx, live, "email", "c@example.com", "sub_live"))
	})

	// Released claims can be made again.
	inTx(t, s, func(tx billing.Tx) {
		require.NoError(t, tx.Subscriptions.ReleaseTrials(ctx, scope, sub.ID))
		require.NoError(t, tx.Subscriptions.ClaimTrial(ctx, scope, "email", "c@example.com", "sub_next"))
	})
}

func TestMerchantSettingsAndCustomerClock(t *testing.T) {
	s := newStore(t)
	ctx := t.Context()
	plain := billing.Merchant{ID: id(billing.PrefixMerchant), Name: "Plain", Created: t0}
	custom := billing.Merchant{ID: id(billing.PrefixMerchant), Name: "Custom", Created: t0,
		Settings: billing.MerchantSettings{
			Dunning: billing.DunningPolicy{Schedule: []time.Duration{time.Hour, 48 * time.Hour}, MaxAttempts: 3,
				FinalAction: billing.PolicyUnpaid},
			Transition: billing.TransitionPolicy{TrialEndNoPaymentMethod: billing.PolicyPause,
				RetriesExhausted: billing.PolicyUnpaid, SystemFailure: billing.PolicyCancel},
		}}
	inTx(t, s, func(tx billing.Tx) {
		require.NoError(t, tx.Merchants.CreateMerchant(ctx, plain))
		require.NoError(t, tx.Merchants.CreateMerchant(ctx, custom))

		got, err := tx.Merchants.GetMerchant(ctx, plain.ID)
		require.NoError(t, err)
		require.Equal(t, billing.DefaultMerchantSettings(), got.Settings, "zero settings read back as the defaults")
		got, err = tx.Merchants.GetMerchant(ctx, custom.ID)
		require.NoError(t, err)
		require.Equal(t, custom, got)

		updated := custom.Settings
		updated.Dunning = billing.DunningPolicy{
			Exponential: &billing.ExponentialBackoff{Base: time.Hour, Factor: 2, Cap: 72 * time.Hour},
			MaxAttempts: 6, FinalAction: billing.PolicyCancel}
		require.NoError(t, tx.Merchants.UpdateMerchantSettings(ctx, plain.ID, updated))
		ms, err := tx.Merchants.ListMerchants(ctx)
		require.NoError(t, err)
		require.Len(t, ms, 2)
		for _, m := range ms {
			if m.ID == plain.ID {
				require.Equal(t, updated, m.Settings)
			}
		}
		require.ErrorIs(t, tx.Merchants.UpdateMerchantSettings(ctx, "mch_missing", updated), billing.ErrNotFound)
	})

	scope := billing.Scope{MerchantID: plain.ID, Mode: billing.ModeTest}
	clock := billing.TestClock{ID: id(billing.PrefixTestClock), Scope: scope, Name: "c", FrozenTime: t0,
		Status: billing.TestClockReady, Created: t0, Updated: t0}
	inTx(t, s, func(tx billing.Tx) { require.NoError(t, tx.Clocks.CreateTestClock(ctx, clock)) })
	cus := seedCustomer(t, s, scope, clock.ID)
	inTx(t, s, func(tx billing.Tx) {
		got, err := tx.Customers.GetCustomer(ctx, scope, cus.ID)
		require.NoError(t, err)
		require.Equal(t, clock.ID, got.TestClockID)
		got.TestClockID, got.Name = "", "renamed"
		require.NoError(t, tx.Customers.UpdateCustomer(ctx, got))
		got, err = tx.Customers.GetCustomer(ctx, scope, cus.ID)
		require.NoError(t, err)
		require.Equal(t, "renamed", got.Name)
		require.Equal(t, clock.ID, got.TestClockID, "the test clock is fixed at creation")
	})
}

func TestSubscriptionRoundTripAndVersions(t *testing.T) {
	s := newStore(t)
	scope := seedMerchant(t, s)
	ctx := t.Context()
	cus := seedCustomer(t, s, scope, "")
	bare := newSubscription(scope, cus.ID) // nil items, metadata and pending change
	bare.Version = 7                       // ignored: created at version 1
	local := time.Date(2026, 2, 28, 21, 0, 0, 123456789, santiago)
	full := newSubscription(scope, cus.ID,
		billing.SubscriptionItem{ID: "si_1", PriceID: "price_a", ProductID: "prod_a", Quantity: 2, UnitAmount: 5000},
		billing.SubscriptionItem{ID: "si_2", PriceID: "price_b", ProductID: "prod_b", Quantity: 1, UnitAmount: 900})
	full.TestClockID = "clock_x"
	full.Recurring = billing.Recurring{Interval: billing.IntervalWeek, IntervalCount: 2}
	full.TrialStart, full.TrialEnd, full.CancelAt = &t0, &local, &local
	full.TrialWillEndSent, full.CancelAtPeriodEnd, full.DiscountUsed = true, true, true
	full.CancellationReason = "cancellation_requested"
	full.MaxCycles, full.CouponID, full.PaymentMethodID = 12, "coupon_1", "pm_1"
	full.PendingChange = &billing.PendingChange{
		Items:       []billing.SubscriptionItem{{ID: "si_3", PriceID: "price_c", Quantity: 1, UnitAmount: 100}},
		EffectiveAt: local,
	}
	full.Metadata = billing.Metadata{"k": "v"}
	inTx(t, s, func(tx billing.Tx) {
		require.NoError(t, tx.Subscriptions.CreateSubscription(ctx, bare))
		require.NoError(t, tx.Subscriptions.CreateSubscription(ctx, full))

		got, err := tx.Subscriptions.GetSubscription(ctx, scope, bare.ID)
		require.NoError(t, err)
		require.Equal(t, int64(1), got.Version)
		require.NotNil(t, got.Items)
		require.Empty(t, got.Items)
		require.NotNil(t, got.Metadata)
		require.Nil(t, got.PendingChange)
		want := bare
		want.Version, want.Items, want.Metadata = 1, []billing.SubscriptionItem{}, billing.Metadata{}
		want.PendingLines = []billing.InvoiceLine{}
		require.Equal(t, want, got)

		got, err = tx.Subscriptions.GetSubscription(ctx, scope, full.ID)
		require.NoError(t, err)
		want = full
		want.Version = 1
		localUTC := time.Date(2026, 3, 1, 0, 0, 0, 123456000, time.UTC)
		want.TrialEnd, want.CancelAt = &localUTC, &localUTC
		want.PendingChange = &billing.PendingChange{Items: full.PendingChange.Items, EffectiveAt: localUTC}
		want.PendingLines = []billing.InvoiceLine{}
		require.Equal(t, want, got)
		require.Equal(t, local, full.PendingChange.EffectiveAt, "the caller's value is not modified")
	})

	list := func(f billing.SubscriptionFilter) []string {
		var ids []string
		inTx(t, s, func(tx billing.Tx) {
			subs, more, err := tx.Subscriptions.ListSubscriptions(ctx, scope, f, billing.Page{Limit: 10})
			require.NoError(t, err)
			require.False(t, more)
			for _, sub := range subs {
				ids = append(ids, sub.ID)
			}
		})
		return ids
	}
	require.Equal(t, []string{full.ID, bare.ID}, list(billing.SubscriptionFilter{}))
	require.Equal(t, []string{full.ID}, list(billing.SubscriptionFilter{PriceID: "price_a"}))
	require.Equal(t, []string{full.ID}, list(billing.SubscriptionFilter{PriceID: "price_b", CustomerID: cus.ID}))
	require.Empty(t, list(billing.SubscriptionFilter{PriceID: "price_c"}), "pending items do not count")
	require.Empty(t, list(billing.SubscriptionFilter{PriceID: "price"}), "whole ids only")
	require.Empty(t, list(billing.SubscriptionFilter{PriceID: "price_a", Status: "canceled"}))

	// Optimistic updates.
	inTx(t, s, func(tx billing.Tx) {
		got, err := tx.Subscriptions.GetSubscription(ctx, scope, full.ID)
		require.NoError(t, err)
		stale := got
		got.Items = got.Items[:1]
		got.PendingChange, got.TrialEnd, got.CancelAt = nil, nil, nil
		got.Status, got.Updated = "past_due", t0.Add(time.Hour)
		require.NoError(t, tx.Subscriptions.UpdateSubscription(ctx, got))

		again, err := tx.Subscriptions.GetSubscription(ctx, scope, full.ID)
		require.NoError(t, err)
		want := got
		want.Version = 2
		require.Equal(t, want, again)

		err = tx.Subscriptions.UpdateSubscription(ctx, stale)
		require.ErrorIs(t, err, billing.ErrVersionConflict)
		require.NotErrorIs(t, err, billing.ErrNotFound)

		missing := stale
		missing.ID = id(billing.PrefixSubscription)
		require.ErrorIs(t, tx.Subscriptions.UpdateSubscription(ctx, missing), billing.ErrNotFound)
		otherScope := again
		otherScope.Scope.Mode = billing.ModeLive
		require.ErrorIs(t, tx.Subscriptions.UpdateSubscription(ctx, otherScope), billing.ErrNotFound)
	})
	require.Empty(t, list(billing.SubscriptionFilter{PriceID: "price_b"}), "price_ids follow the items")
	require.Equal(t, []string{full.ID}, list(billing.SubscriptionFilter{PriceID: "price_a", Status: "past_due"}))
}

func TestDueSubscriptions(t *testing.T) {
	s := newStore(t)
	scopeA, scopeB := seedMerchant(t, s), seedMerchant(t, s)
	ctx := t.Context()
	cusA, cusB := seedCustomer(t, s, scopeA, ""), seedCustomer(t, s, scopeB, "")
	at := func(d time.Duration) *time.Time { v := t0.Add(d); return &v }
	subAt := func(scope billing.Scope, customerID, clock string, next *time.Time) billing.Subscription {
		sub := newSubscription(scope, customerID)
		sub.TestClockID, sub.NextActionAt = clock, next
		return sub
	}
	late := subAt(scopeA, cusA.ID, "", at(time.Hour))
	early := subAt(scopeB, cusB.ID, "", at(-time.Hour))
	exact := subAt(scopeA, cusA.ID, "", at(0))
	future := subAt(scopeA, cusA.ID, "", at(time.Hour+time.Microsecond))
	never := subAt(scopeA, cusA.ID, "", nil)
	onClock := subAt(scopeA, cusA.ID, "clock_1", at(-2*time.Hour))
	inTx(t, s, func(tx billing.Tx) {
		for _, sub := range []billing.Subscription{late, early, exact, future, never, onClock} {
			require.NoError(t, tx.Subscriptions.CreateSubscription(ctx, sub))
		}
	})
	due := func(clock string, until time.Time, limit int) []string {
		var ids []string
		inTx(t, s, func(tx billing.Tx) {
			subs, err := tx.Subscriptions.DueSubscriptions(ctx, clock, until, limit)
			require.NoError(t, err)
			for _, sub := range subs {
				ids = append(ids, sub.ID)
			}
		})
		return ids
	}
	require.Equal(t, []string{early.ID, exact.ID, late.ID}, due("", t0.Add(time.Hour), 0), "every merchant, earliest first")
	require.Equal(t, []string{early.ID, exact.ID}, due("", t0.Add(time.Hour), 2))
	require.Equal(t, []string{early.ID, exact.ID}, due("", t0, -1))
	require.Equal(t, []string{onClock.ID}, due("clock_1", t0.Add(24*time.Hour), 10))
	require.Empty(t, due("clock_2", t0.Add(24*time.Hour), 10))
}

func TestInvoicesPaymentsRefundsEvents(t *testing.T) {
	s := newStore(t)
	scope := seedMerchant(t, s)
	ctx := t.Context()
	cus := seedCustomer(t, s, scope, "")
	local := time.Date(2026, 1, 31, 7, 0, 0, 999, santiago)
	bare := newInvoice(scope, cus.ID, "", billing.ReasonManual, t0) // nil lines
	full := newInvoice(scope, cus.ID, "sub_1", billing.ReasonSubscriptionCycle, t0)
	full.Lines = []billing.InvoiceLine{
		{ID: "il_1", Type: billing.LineSubscription, Description: "Start", PriceID: "price_a", Quantity: 2,
			Amount: 10000, PeriodStart: local, PeriodEnd: t0.AddDate(0, 1, 0)},
		{ID: "il_2", Type: billing.LineDiscount, Description: "10%", Amount: -1000}, // zero period times
	}
	full.Subtotal, full.Discount, full.Total, full.AmountDue = 10000, 1000, 9000, 9000
	full.NextAttemptAt = &local
	event := billing.Event{ID: id(billing.PrefixEvent), Scope: scope, Type: "invoice.created", ObjectType: "invoice",
		ObjectID: full.ID, Data: json.RawMessage(`{ "id" : "in_x",  "n": 1.50 }`), Created: t0}
	empty := billing.Event{ID: id(billing.PrefixEvent), Scope: scope, Type: "ping", Created: t0}
	inTx(t, s, func(tx billing.Tx) {
		require.NoError(t, tx.Invoices.CreateInvoice(ctx, bare))
		require.NoError(t, tx.Invoices.CreateInvoice(ctx, full))

		got, err := tx.Invoices.GetInvoice(ctx, scope, bare.ID)
		require.NoError(t, err)
		require.NotNil(t, got.Lines)
		require.Empty(t, got.Lines)

		got, err = tx.Invoices.GetInvoice(ctx, scope, full.ID)
		require.NoError(t, err)
		want := full
		localUTC := time.Date(2026, 1, 31, 10, 0, 0, 0, time.UTC)
		want.NextAttemptAt = &localUTC
		want.Lines = []billing.InvoiceLine{full.Lines[0], full.Lines[1]}
		want.Lines[0].PeriodStart = localUTC
		require.Equal(t, want, got)

		n, err := tx.Invoices.NextInvoiceNumber(ctx, scope)
		require.NoError(t, err)
		got.Number, got.Status, got.FinalizedAt = fmt.Sprintf("AG-%04d", n), billing.InvoiceOpen, &t0
		got.Lines, got.Updated = nil, t0.Add(time.Minute)
		require.NoError(t, tx.Invoices.UpdateInvoice(ctx, got))
		again, err := tx.Invoices.GetInvoice(ctx, scope, full.ID)
		require.NoError(t, err)
		got.Lines = []billing.InvoiceLine{}
		require.Equal(t, got, again)

		invs, more, err := tx.Invoices.ListInvoices(ctx, scope, billing.InvoiceFilter{SubscriptionID: "sub_1", Status: billing.InvoiceOpen}, billing.Page{Limit: 1})
		require.NoError(t, err)
		require.False(t, more)
		require.Len(t, invs, 1)
		require.Equal(t, full.ID, invs[0].ID)

		require.NoError(t, tx.Events.CreateEvent(ctx, event))
		require.NoError(t, tx.Events.CreateEvent(ctx, empty))
		gotE, err := tx.Events.GetEvent(ctx, scope, event.ID)
		require.NoError(t, err)
		require.Equal(t, event, gotE, "data is kept verbatim")
		gotE, err = tx.Events.GetEvent(ctx, scope, empty.ID)
		require.NoError(t, err)
		require.Equal(t, json.RawMessage("null"), gotE.Data)
		es, _, err := tx.Events.ListEvents(ctx, scope, billing.EventFilter{ObjectID: full.ID}, billing.Page{})
		require.NoError(t, err)
		require.Equal(t, []billing.Event{event}, es)
	})

	// Payments and refunds.
	p := newPayment(scope, full, 1, billing.PaymentPending)
	inTx(t, s, func(tx billing.Tx) {
		require.NoError(t, tx.Payments.CreatePayment(ctx, p))
		p.Status, p.GatewayRef, p.FailureClass = billing.PaymentFailed, "ch_1", "card_declined"
		p.FailureCode, p.FailureMessage, p.Updated = "insufficient_funds", "no", t0.Add(time.Second)
		require.NoError(t, tx.Payments.UpdatePayment(ctx, p))
		got, err := tx.Payments.GetPayment(ctx, scope, p.ID)
		require.NoError(t, err)
		require.Equal(t, p, got)

		r := billing.Refund{ID: id(billing.PrefixRefund), Scope: scope, PaymentID: p.ID, Amount: 100, Currency: "CLP",
			Status: billing.RefundPending, Reason: "requested_by_customer", Created: t0, Updated: t0}
		require.NoError(t, tx.Payments.CreateRefund(ctx, r))
		r.Status, r.GatewayRef, r.Updated = billing.RefundSucceeded, "re_gw", t0.Add(time.Second)
		require.NoError(t, tx.Payments.UpdateRefund(ctx, r))
		rs, more, err := tx.Payments.ListRefunds(ctx, scope, p.ID, billing.Page{Limit: 5})
		require.NoError(t, err)
		require.False(t, more)
		require.Equal(t, []billing.Refund{r}, rs)
		rs, _, err = tx.Payments.ListRefunds(ctx, scope, "pay_other", billing.Page{Limit: 5})
		require.NoError(t, err)
		require.Empty(t, rs)

		// Amounts are checked by the schema.
		p.AmountRefunded = p.Amount + 1
		require.Error(t, tx.Payments.UpdatePayment(ctx, p))
	})
}

func TestInvoiceNumbersAreGaplessPerScope(t *testing.T) {
	s := newStore(t)
	scope := seedMerchant(t, s)
	live := billing.Scope{MerchantID: scope.MerchantID, Mode: billing.ModeLive}
	other := seedMerchant(t, s)
	ctx := t.Context()
	next := func(sc billing.Scope) int64 {
		var n int64
		inTx(t, s, func(tx billing.Tx) {
			var err error
			n, err = tx.Invoices.NextInvoiceNumber(ctx, sc)
			require.NoError(t, err)
		})
		return n
	}
	require.Equal(t, int64(1), next(scope))
	require.Equal(t, int64(2), next(scope))
	require.Equal(t, int64(1), next(live))
	require.Equal(t, int64(1), next(other))
	err := s.InTx(ctx, func(tx billing.Tx) error {
		n, err := tx.Invoices.NextInvoiceNumber(ctx, scope)
		require.NoError(t, err)
		require.Equal(t, int64(3), n)
		return errors.New("roll back")
	})
	require.Error(t, err)
	require.Equal(t, int64(3), next(scope), "a rollback gives the number back")
}

func TestSimChargeLedger(t *testing.T) {
	s := newStore(t)
	ctx := t.Context()
	local := time.Date(2026, 1, 31, 7, 0, 0, 1999, santiago)
	// Keys that sort against insertion order.
	first := sim.Charge{Key: "z-1", Token: "tok_visa", Amount: 5000, Currency: "CLP", Outcome: "succeeded",
		Ref: "ch_1", Created: local}
	second := sim.Charge{Key: "a-1", Token: "tok_visa", Amount: 700, Currency: "CLP", Outcome: "declined",
		Code: "card_declined", Created: t0}
	third := sim.Charge{Key: "m-1", Token: "tok_visa", Amount: 800, Currency: "CLP", Outcome: "succeeded",
		Ref: "ch_3", Created: t0}
	require.NoError(t, s.InSimLedger(ctx, func(ledger sim.Ledger) error {
		got, inserted, err := ledger.InsertCharge(ctx, first)
		require.NoError(t, err)
		require.True(t, inserted)
		want := first
		want.Created = time.Date(2026, 1, 31, 10, 0, 0, 1000, time.UTC)
		require.Equal(t, want, got)

		for _, c := range []sim.Charge{second, third} {
			_, inserted, err := ledger.InsertCharge(ctx, c)
			require.NoError(t, err)
			require.True(t, inserted)
		}

		retry := first
		retry.Amount, retry.Outcome, retry.Created = 1, "error", t0
		got, inserted, err = ledger.InsertCharge(ctx, retry)
		require.NoError(t, err)
		require.False(t, inserted)
		require.Equal(t, want, got, "a retried key returns the recorded charge")

		want.Refunded = 2000
		require.NoError(t, ledger.UpdateCharge(ctx, want))
		got, err = ledger.GetCharge(ctx, first.Key)
		require.NoError(t, err)
		require.Equal(t, want, got)
		require.ErrorIs(t, ledger.UpdateCharge(ctx, sim.Charge{Key: "missing"}), billing.ErrNotFound)
		_, err = ledger.GetCharge(ctx, "missing")
		require.ErrorIs(t, err, billing.ErrNotFound)

		n, err := ledger.CountCharges(ctx, "tok_visa", "succeeded")
		require.NoError(t, err)
		require.Equal(t, int64(2), n)
		n, err = ledger.CountCharges(ctx, "tok_other", "succeeded")
		require.NoError(t, err)
		require.Zero(t, n)

		all, err := ledger.ListCharges(ctx)
		require.NoError(t, err)
		require.Equal(t, []sim.Charge{want, second, third}, all, "insertion order")
		return nil
	}))
}

func TestTestClocksAndPaymentMethods(t *testing.T) {
	s := newStore(t)
	scope := seedMerchant(t, s)
	ctx := t.Context()
	cus := seedCustomer(t, s, scope, "")
	clocks := []billing.TestClock{
		{ID: id(billing.PrefixTestClock), Scope: scope, Name: "one", FrozenTime: t0, Status: billing.TestClockReady, Created: t0, Updated: t0},
		{ID: id(billing.PrefixTestClock), Scope: scope, Name: "two", FrozenTime: t0, Status: billing.TestClockReady, Created: t0, Updated: t0},
	}
	pms := []billing.PaymentMethod{
		{ID: id(billing.PrefixPaymentMethod), Scope: scope, CustomerID: cus.ID, Gateway: billing.GatewaySim,
			Token: "tok_visa", Brand: "visa", Last4: "4242", ExpMonth: 12, ExpYear: 2030,
			Status: billing.PaymentMethodActive, Created: t0, Updated: t0},
		{ID: id(billing.PrefixPaymentMethod), Scope: scope, CustomerID: cus.ID, Gateway: billing.GatewaySim,
			Token: "tok_mc", Brand: "mastercard", Last4: "4444", ExpMonth: 1, ExpYear: 2031,
			Status: billing.PaymentMethodActive, Created: t0, Updated: t0},
	}
	inTx(t, s, func(tx billing.Tx) {
		for _, c := range clocks {
			require.NoError(t, tx.Clocks.CreateTestClock(ctx, c))
		}
		for _, pm := range pms {
			require.NoError(t, tx.PaymentMethods.CreatePaymentMethod(ctx, pm))
		}
		c := clocks[0]
		c.FrozenTime, c.Status, c.Updated = t0.AddDate(0, 1, 0), billing.TestClockAdvancing, t0.Add(time.Second)
		require.NoError(t, tx.Clocks.UpdateTestClock(ctx, c))
		got, err := tx.Clocks.GetTestClock(ctx, scope, c.ID)
		require.NoError(t, err)
		require.Equal(t, c, got)
		clocks[0] = c
		list, more, err := tx.Clocks.ListTestClocks(ctx, scope, billing.Page{Limit: 1})
		require.NoError(t, err)
		require.True(t, more)
		require.Equal(t, []billing.TestClock{clocks[1]}, list)
		list, more, err = tx.Clocks.ListTestClocks(ctx, scope, billing.Page{Limit: 1, StartingAfter: clocks[1].ID})
		require.NoError(t, err)
		require.False(t, more)
		require.Equal(t, []billing.TestClock{clocks[0]}, list)

		pm := pms[0]
		pm.Status, pm.Updated = billing.PaymentMethodDetached, t0.Add(time.Second)
		require.NoError(t, tx.PaymentMethods.UpdatePaymentMethod(ctx, pm))
		gotPM, err := tx.PaymentMethods.GetPaymentMethod(ctx, scope, pm.ID)
		require.NoError(t, err)
		require.Equal(t, pm, gotPM)
		all, err := tx.PaymentMethods.ListPaymentMethods(ctx, scope, cus.ID)
		require.NoError(t, err)
		require.Equal(t, []billing.PaymentMethod{pms[1], pm}, all)

		live := billing.Scope{MerchantID: scope.MerchantID, Mode: billing.ModeLive}
		_, err = tx.Clocks.GetTestClock(ctx, live, c.ID)
		require.ErrorIs(t, err, billing.ErrNotFound)
		_, err = tx.PaymentMethods.GetPaymentMethod(ctx, live, pm.ID)
		require.ErrorIs(t, err, billing.ErrNotFound)
		moved := c
		moved.Scope = live
		require.ErrorIs(t, tx.Clocks.UpdateTestClock(ctx, moved), billing.ErrNotFound)
		all, err = tx.PaymentMethods.ListPaymentMethods(ctx, live, cus.ID)
		require.NoError(t, err)
		require.Empty(t, all)
	})
}
