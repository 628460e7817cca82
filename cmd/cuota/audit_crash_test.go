package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/postgres/pgtest"
	"github.com/cuota/cuota/internal/secretbox"
)

// TestAuditCrash SIGKILLs `cuota serve` during a burst of API writes,
// restarts it and checks that every write the API acknowledged has its
// audit entry, sealed under the key in commit order, none lost, and that
// the whole keyed chain verifies.
func TestAuditCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills the real program")
	}
	t.Parallel()
	t.Run("Postgres", func(t *testing.T) {
		t.Parallel()
		url := pgtest.URL(t)
		auditCrash(t, url, "") // commit order is not (txid, id) order on PostgreSQL
	})
	t.Run("SQLite", func(t *testing.T) {
		t.Parallel()
		auditCrash(t, "sqlite:"+filepath.Join(t.TempDir(), "cuota.db"), "id") // one writer: id order
	})
}

func auditCrash(t *testing.T, dbURL string, commitOrder string) {
	type ack struct {
		id         string
		sent, recv time.Time
	}
	env := map[string]string{"CUOTA_DATABASE_URL": dbURL, "CUOTA_SECRET_KEY": secretbox.NewKey(), "CUOTA_LOG_LEVEL": "error"}
	cli := func(args ...string) (string, error) {
		var stdout, stderr bytes.Buffer
		err := run(context.Background(), append([]string{"cuota"}, args...), func(k string) string { return env[k] }, &stdout, &stderr)
		return stdout.String() + stderr.String(), err
	}
	out, err := cli("merchant", "create", "--name", "Tienda", "--timezone", "America/Santiago")
	require.NoError(t, err, out)
	merchant := strings.TrimSpace(out)
	out, err = cli("apikey", "create", "--merchant", merchant, "--mode", "test")
	require.NoError(t, err, out)
	key := regexp.MustCompile(`sk_test_[A-Za-z0-9]+`).FindString(out)
	require.NotEmpty(t, key, out)

	bin, dir := cuotaBinary(t), t.TempDir()
	start := func(name string) (*child, string) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		addr := ln.Addr().String()
		require.NoError(t, ln.Close())
		f, err := os.Create(filepath.Join(dir, name))
		require.NoError(t, err)
		defer f.Close()
		cmd := exec.Command(bin, "serve", "--addr", addr)
		cmd.Env = childEnv(map[string]string{"CUOTA_DATABASE_URL": dbURL, "CUOTA_SECRET_KEY": env["CUOTA_SECRET_KEY"], "CUOTA_RATE_LIMIT": "0"})
		cmd.Stdout, cmd.Stderr = f, f
		setChildAttrs(cmd)
		require.NoError(t, cmd.Start())
		c := &child{name: name, cmd: cmd, done: make(chan struct{})}
		go func() { c.err = cmd.Wait(); close(c.done) }()
		t.Cleanup(func() {
			if !c.exited() {
				c.kill()
			}
			if t.Failed() {
				t.Logf("tail of %s:\n%s", name, tailFile(filepath.Join(dir, name), 40))
			}
		})
		base := "http://" + addr
		deadline := time.Now().Add(30 * time.Second)
		for {
			res, err := http.Get(base + "/healthz")
			if err == nil {
				_ = res.Body.Close()
				return c, base
			}
			require.False(t, c.exited(), "cuota serve exited")
			require.True(t, time.Now().Before(deadline), "cuota serve did not listen: %v", err)
			runtime.Gosched()
		}
	}

	c, base := start("serve-1.log")
	post := func(i int) (bool, string) {
		req, _ := http.NewRequest(http.MethodPost, base+"/v1/customers", strings.NewReader(fmt.Sprintf(`{"email":"c%d@example.cl"}`, i)))
		req.Header.Set("Authorization", "Bearer "+key)
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			return false, ""
		}
		defer res.Body.Close()
		var b bytes.Buffer
		_, _ = b.ReadFrom(res.Body)
		id := regexp.MustCompile(`"id":\s*"(cus_[a-z0-9]+)"`).FindStringSubmatch(b.String())
		if res.StatusCode != http.StatusOK || id == nil {
			return false, ""
		}
		return true, id[1]
	}

	// A burst of writes from 8 clients; the program dies under it.
	var (
		mu    sync.Mutex
		acked []ack
		n     atomic.Int64
		wg    sync.WaitGroup
	)
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; ; i += 8 {
				sent := time.Now()
				ok, id := post(i)
				if !ok {
					return // the program is gone
				}
				mu.Lock()
				acked = append(acked, ack{id: id, sent: sent, recv: time.Now()})
				mu.Unlock()
				n.Add(1)
			}
		}()
	}
	deadline := time.Now().Add(60 * time.Second)
	for n.Load() < 150 && time.Now().Before(deadline) {
		runtime.Gosched()
	}
	c.kill()
	wg.Wait()
	require.GreaterOrEqual(t, len(acked), 150, "writes acknowledged before the kill")

	// Restart: the leader's sealer runs on start and seals what was
	// committed before the crash. (Ending the dead process's leadership
	// spares the wait for its lease, as in TestCrashSafety.)
	r := openRenewalDB(t, dbURL, merchant, 0)
	r.expireLeadership()
	db := r.db
	c2, _ := start("serve-2.log")
	var pending int
	for deadline := time.Now().Add(60 * time.Second); ; {
		require.NoError(t, db.QueryRow(`SELECT count(*) FROM audit_entries WHERE seq IS NULL`).Scan(&pending))
		if pending == 0 || time.Now().After(deadline) {
			break
		}
		runtime.Gosched()
	}
	require.Zero(t, pending, "every committed entry is sealed after the restart")
	require.NoError(t, c2.stop(30*time.Second))

	// None lost: every acknowledged customer has its sealed entry.
	rows, err := db.Query(`SELECT object_id, seq FROM audit_entries WHERE action = 'customer.create'`)
	require.NoError(t, err)
	seqOf := map[string]int64{}
	for rows.Next() {
		var id string
		var seq int64
		require.NoError(t, rows.Scan(&id, &seq))
		seqOf[id] = seq
	}
	require.NoError(t, rows.Err())
	for _, a := range acked {
		require.Contains(t, seqOf, a.id, "customer %s was acknowledged but has no audit entry", a.id)
	}
	// In commit order: a write acknowledged before another was sent
	// committed first, and its entry comes first in the chain.
	for _, a := range acked {
		for _, b := range acked {
			if a.recv.Before(b.sent) {
				require.Less(t, seqOf[a.id], seqOf[b.id], "%s was acknowledged before %s was sent", a.id, b.id)
			}
		}
	}
	bySeq := ids(t, db, `SELECT id FROM audit_entries ORDER BY seq`)
	if commitOrder != "" {
		require.Equal(t, ids(t, db, `SELECT id FROM audit_entries ORDER BY `+commitOrder), bySeq, "sealed in commit order")
	}

	out, err = cli("audit", "verify")
	require.NoError(t, err, out)
	require.Contains(t, out, fmt.Sprintf("%s: ok, %d entries (%d hmac-sha256); 0 pending", merchant, len(bySeq), len(bySeq)))
}

// ids returns the first column of query's rows.
func ids(t *testing.T, db *sql.DB, query string) []string {
	rows, err := db.Query(query)
	require.NoError(t, err)
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		require.NoError(t, rows.Scan(&id))
		out = append(out, id)
	}
	require.NoError(t, rows.Err())
	return out
}
