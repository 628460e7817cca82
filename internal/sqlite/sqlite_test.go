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
	inTx(t, s, func(tx billing.Tx) { require.NoError(t, tx.CreateMerchant(t.Context(), m)) })
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
		require.NoError(t, tx.CreateProduct(ctx, p))
		require.NoError(t, tx.CreateCoupon(ctx, c))
		got, err := tx.GetProduct(ctx, scope, p.ID)
		require.NoError(t, err)
		require.Equal(t, want, got.Created)
		require.Equal(t, want, got.Updated)
		require.Equal(t, time.UTC, got.Created.Location())
		gotC, err := tx.GetCoupon(ctx, scope, c.ID)
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
			_, inserted, err := tx.ReserveIdempotencyKey(ctx, r)
			require.NoError(t, err)
			require.True(t, inserted)
		}
		n, err := tx.DeleteIdempotencyKeysBefore(ctx, time.Date(2026, 1, 31, 7, 0, 0, 0, santiago))
		require.NoError(t, err)
		require.Equal(t, int64(1), n)

		got, inserted, err := tx.ReserveIdempotencyKey(ctx, later)
		require.NoError(t, err)
		require.False(t, inserted, "the later key must survive")
		require.Equal(t, later.Created.UTC(), got.Created)

		_, inserted, err = tx.ReserveIdempotencyKey(ctx, earlier)
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
		_, err := tx.GetMerchant(t.Context(), scope.MerchantID)
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
		require.NoError(t, tx.CreateProduct(ctx, p))
		require.NoError(t, tx.CreatePrice(ctx, price))
		require.NoError(t, tx.CreateCustomer(ctx, cus))
		require.NoError(t, tx.CreateCoupon(ctx, coupon))
		require.NoError(t, tx.CreatePromotionCode(ctx, promo))
		require.NoError(t, tx.CreateAPIKey(ctx, key))
	})

	price2, cus2, promo2, key2, p2 := price, cus, promo, key, p
	price2.ID, cus2.ID, promo2.ID, key2.ID = id(billing.PrefixPrice), id(billing.PrefixCustomer), id(billing.PrefixPromotionCode), id(billing.PrefixAPIKey)
	p2.Name = "duplicate id"
	tests := []struct {
		want string
		do   func(tx billing.Tx) error
	}{
		{"prices_lookup_key_key", func(tx billing.Tx) error { return tx.CreatePrice(ctx, price2) }},
		{"customers_external_id_key", func(tx billing.Tx) error { return tx.CreateCustomer(ctx, cus2) }},
		{"promotion_codes_code_key", func(tx billing.Tx) error { return tx.CreatePromotionCode(ctx, promo2) }},
		{"api_keys_hash_key", func(tx billing.Tx) error { return tx.CreateAPIKey(ctx, key2) }},
		{"products_pkey", func(tx billing.Tx) error { return tx.CreateProduct(ctx, p2) }},
		{"merchants_pkey", func(tx billing.Tx) error {
			return tx.CreateMerchant(ctx, billing.Merchant{ID: scope.MerchantID, Created: t0})
		}},
		{"customers_external_id_key", func(tx billing.Tx) error {
			other := cus
			other.ID, other.ExternalID = id(billing.PrefixCustomer), "u2"
			if err := tx.CreateCustomer(ctx, other); err != nil {
				return err
			}
			other.ExternalID = "u1"
			return tx.UpdateCustomer(ctx, other)
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
			require.NoError(t, tx.CreateCustomer(ctx, c))
		}
		live := cus
		live.ID, live.Scope.Mode = id(billing.PrefixCustomer), billing.ModeLive
		require.NoError(t, tx.CreateCustomer(ctx, live))
	})
}

func TestNotFoundAndScope(t *testing.T) {
	s := newStore(t)
	scope := seedMerchant(t, s)
	other := billing.Scope{MerchantID: scope.MerchantID, Mode: billing.ModeLive}
	ctx := t.Context()
	p := newProduct(scope, t0)
	inTx(t, s, func(tx billing.Tx) { require.NoError(t, tx.CreateProduct(ctx, p)) })

	err := s.InTx(ctx, func(tx billing.Tx) error {
		_, err := tx.GetProduct(ctx, other, p.ID)
		require.ErrorIs(t, err, billing.ErrNotFound)
		require.Contains(t, err.Error(), p.ID)
		_, err = tx.GetMerchant(ctx, "mch_missing")
		require.ErrorIs(t, err, billing.ErrNotFound)
		_, err = tx.GetAPIKeyByHash(ctx, "nope")
		require.ErrorIs(t, err, billing.ErrNotFound)
		moved := p
		moved.Scope = other
		require.ErrorIs(t, tx.UpdateProduct(ctx, moved), billing.ErrNotFound)
		require.ErrorIs(t, tx.TouchAPIKey(ctx, "key_missing", t0), billing.ErrNotFound)
		require.ErrorIs(t, tx.RevokeAPIKey(ctx, "key_missing", t0), billing.ErrNotFound)
		require.ErrorIs(t, tx.CompleteIdempotencyKey(ctx, scope, "missing", 200, nil), billing.ErrNotFound)
		_, _, err = tx.LockAuditHead(ctx, "mch_missing")
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
		require.NoError(t, tx.CreateProduct(ctx, p))
		require.NoError(t, tx.CreatePrice(ctx, price))
		require.NoError(t, tx.CreateAPIKey(ctx, key))

		got, err := tx.GetProduct(ctx, scope, p.ID)
		require.NoError(t, err)
		require.NotNil(t, got.Features)
		require.NotNil(t, got.Metadata)
		require.Empty(t, got.Features)

		got.Features = map[string]int64{"properties": 5}
		got.Metadata = billing.Metadata{"plan": "start"}
		got.Updated = t0.Add(time.Hour)
		require.NoError(t, tx.UpdateProduct(ctx, got))
		again, err := tx.GetProduct(ctx, scope, p.ID)
		require.NoError(t, err)
		require.Equal(t, got, again)

		gotPrice, err := tx.GetPrice(ctx, scope, price.ID)
		require.NoError(t, err)
		require.Equal(t, price, gotPrice)
		require.Nil(t, gotPrice.Recurring)

		gotKey, err := tx.GetAPIKeyByHash(ctx, "h")
		require.NoError(t, err)
		require.Equal(t, key, gotKey)
		require.NoError(t, tx.TouchAPIKey(ctx, key.ID, t0.Add(time.Minute)))
		require.NoError(t, tx.RevokeAPIKey(ctx, key.ID, t0.Add(2*time.Minute)))
		require.NoError(t, tx.RevokeAPIKey(ctx, key.ID, t0.Add(3*time.Minute))) // keeps the first
		gotKey, err = tx.GetAPIKey(ctx, key.ID)
		require.NoError(t, err)
		require.Equal(t, t0.Add(time.Minute), *gotKey.LastUsed)
		require.Equal(t, t0.Add(2*time.Minute), *gotKey.Revoked)

		ms, err := tx.ListMerchants(ctx)
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
			require.NoError(t, tx.CreateProduct(ctx, p))
			ids = append(ids, p.ID)
		}
		live := newProduct(billing.Scope{MerchantID: scope.MerchantID, Mode: billing.ModeLive}, t0)
		require.NoError(t, tx.CreateProduct(ctx, live))
	})
	list := func(f billing.ProductFilter, page billing.Page) ([]string, bool) {
		var got []string
		var more bool
		inTx(t, s, func(tx billing.Tx) {
			ps, m, err := tx.ListProducts(ctx, scope, f, page)
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
		seq, hash, err := tx.LockAuditHead(ctx, scope.MerchantID)
		require.NoError(t, err)
		require.Equal(t, int64(0), seq)
		require.Empty(t, hash)
		require.NoError(t, tx.InsertAuditEntry(ctx, e1))
		seq, hash, err = tx.LockAuditHead(ctx, scope.MerchantID)
		require.NoError(t, err)
		require.Equal(t, int64(1), seq)
		require.Equal(t, e1.Hash, hash)
	})

	// An entry that does not follow the head is refused, and nothing of it
	// stays.
	e3 := e1
	e3.ID, e3.Seq, e3.PrevHash = id(billing.PrefixAuditEntry), 3, e1.Hash
	err := s.InTx(ctx, func(tx billing.Tx) error { return tx.InsertAuditEntry(ctx, e3) })
	require.ErrorContains(t, err, "moved")
	// A second entry with seq 1 breaks the unique (merchant, seq).
	dup := e1
	dup.ID = id(billing.PrefixAuditEntry)
	err = s.InTx(ctx, func(tx billing.Tx) error { return tx.InsertAuditEntry(ctx, dup) })
	var uv *billing.ErrUniqueViolation
	require.ErrorAs(t, err, &uv)
	require.Equal(t, "audit_entries_seq_key", uv.Constraint)

	inTx(t, s, func(tx billing.Tx) {
		es, err := tx.ListAuditEntries(ctx, scope.MerchantID, 0, 10)
		require.NoError(t, err)
		require.Len(t, es, 1)
		got := es[0]
		require.Equal(t, json.RawMessage("null"), got.Before)
		require.Equal(t, e1.After, got.After)
		require.Equal(t, local.UTC(), got.Created)
		require.Equal(t, e1.Hash, billing.AuditHash(got), "the chain verifies after a round trip")
		es, err = tx.ListAuditEntries(ctx, scope.MerchantID, 1, 10)
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
		got, inserted, err := tx.ReserveIdempotencyKey(ctx, r)
		require.NoError(t, err)
		require.True(t, inserted)
		require.Equal(t, r, got)

		got, inserted, err = tx.ReserveIdempotencyKey(ctx, r)
		require.NoError(t, err)
		require.False(t, inserted)
		require.Equal(t, r, got)

		require.NoError(t, tx.CompleteIdempotencyKey(ctx, scope, "k", 201, []byte(`{"id":"x"}`)))
		got, inserted, err = tx.ReserveIdempotencyKey(ctx, billing.IdempotencyRecord{Scope: scope, Key: "k", RequestHash: "other", Created: t0.Add(time.Hour)})
		require.NoError(t, err)
		require.False(t, inserted)
		require.Equal(t, billing.IdempotencyRecord{Scope: scope, Key: "k", RequestHash: "h", Completed: true,
			ResponseStatus: 201, ResponseBody: []byte(`{"id":"x"}`), Created: t0}, got)

		require.NoError(t, tx.DeleteIdempotencyKey(ctx, scope, "k"))
		_, inserted, err = tx.ReserveIdempotencyKey(ctx, r)
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
		require.NoError(t, tx.CreateMerchant(ctx, m))
		require.NoError(t, tx.Enqueue(ctx, pingArgs{N: 1}))
		return boom
	})
	require.ErrorIs(t, err, boom)
	require.Panics(t, func() {
		_ = s.InTx(ctx, func(tx billing.Tx) error {
			require.NoError(t, tx.CreateMerchant(ctx, m))
			panic("boom")
		})
	})
	inTx(t, s, func(tx billing.Tx) {
		_, err := tx.GetMerchant(ctx, m.ID)
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
	require.NoError(t, s.InTx(ctx, func(tx billing.Tx) error { return tx.Enqueue(ctx, pingArgs{N: 1}) }))
	require.Error(t, s.InTx(ctx, func(tx billing.Tx) error {
		require.NoError(t, tx.Enqueue(ctx, pingArgs{N: 99}))
		return errors.New("roll back")
	}))

	require.NoError(t, s.StartWorkers(ctx, workers, nil))
	require.Error(t, s.StartWorkers(ctx, workers, nil), "only one worker client")
	// Enqueued while they run, next to a business row.
	scope := seedMerchant(t, s)
	require.NoError(t, s.InTx(ctx, func(tx billing.Tx) error {
		if err := tx.CreateProduct(ctx, newProduct(scope, t0)); err != nil {
			return err
		}
		return tx.Enqueue(ctx, pingArgs{N: 2})
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
