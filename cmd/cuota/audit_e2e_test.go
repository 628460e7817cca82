package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/postgres/pgtest"
	"github.com/cuota/cuota/internal/secretbox"
)

// TestAuditRecomputedWithoutKey rewrites a sealed entry's client_ip in the
// database and recomputes every later hash and the head, as anyone with
// database access but not CUOTA_SECRET_KEY can; `cuota audit verify` names
// the entry. An external checkpoint also catches a rewrite of the whole
// chain.
func TestAuditRecomputedWithoutKey(t *testing.T) {
	t.Parallel()
	t.Run("SQLite", func(t *testing.T) {
		t.Parallel()
		path := filepath.Join(t.TempDir(), "cuota.db")
		exerciseAuditTamper(t, "sqlite:"+path, func() (*sql.DB, error) { return sql.Open("sqlite", path) }, "?")
	})
	t.Run("Postgres", func(t *testing.T) {
		t.Parallel()
		url := pgtest.URL(t)
		exerciseAuditTamper(t, url, func() (*sql.DB, error) { return sql.Open("pgx", url) }, "$")
	})
}

func exerciseAuditTamper(t *testing.T, databaseURL string, openDB func() (*sql.DB, error), ph string) {
	env := map[string]string{"CUOTA_DATABASE_URL": databaseURL, "CUOTA_SECRET_KEY": secretbox.NewKey(), "CUOTA_LOG_LEVEL": "error"}
	cli := func(args ...string) (string, error) {
		var stdout, stderr bytes.Buffer
		err := run(context.Background(), append([]string{"cuota"}, args...), func(k string) string { return env[k] }, &stdout, &stderr)
		return stdout.String() + stderr.String(), err
	}
	out, err := cli("merchant", "create", "--name", "Tienda", "--timezone", "America/Santiago")
	require.NoError(t, err, out)
	merchant := strings.TrimSpace(out)
	for range 4 {
		out, err = cli("apikey", "create", "--merchant", merchant, "--mode", "test")
		require.NoError(t, err, out)
	}
	// Unsealed so far: verify says pending, not broken.
	out, err = cli("audit", "verify")
	require.NoError(t, err, out)
	require.Contains(t, out, merchant+": ok, 0 entries")
	require.Contains(t, out, "5 pending")
	// checkpoint seals and prints a signed checkpoint to keep elsewhere.
	out, err = cli("audit", "checkpoint")
	require.NoError(t, err, out)
	var cp billing.AuditCheckpoint
	require.NoError(t, json.Unmarshal([]byte(out), &cp), out)
	require.Equal(t, merchant, cp.MerchantID)
	require.EqualValues(t, 5, cp.Seq)
	require.Equal(t, billing.SealHMAC, cp.Seal)
	cpFile := filepath.Join(t.TempDir(), "checkpoint.jsonl")
	require.NoError(t, os.WriteFile(cpFile, []byte(out), 0o600))
	out, err = cli("audit", "verify", "--checkpoint", cpFile)
	require.NoError(t, err, out)
	require.Contains(t, out, merchant+": ok, 5 entries (5 hmac-sha256); 0 pending (not sealed yet); 1 checkpoints")

	db, err := openDB()
	require.NoError(t, err)
	defer db.Close()
	arg := func(i int) string {
		if ph == "?" {
			return "?"
		}
		return "$" + string(rune('0'+i))
	}
	// Read the chain as an attacker would.
	rows, err := db.Query(`SELECT id, seq, mode, actor, action, object_type, object_id, before, after, request_id, client_ip, created
		FROM audit_entries WHERE merchant_id = `+arg(1)+` ORDER BY seq`, merchant)
	require.NoError(t, err)
	var entries []billing.AuditEntry
	for rows.Next() {
		e := billing.AuditEntry{MerchantID: merchant}
		var before, after string
		var created any
		require.NoError(t, rows.Scan(&e.ID, &e.Seq, &e.Mode, &e.Actor, &e.Action, &e.ObjectType, &e.ObjectID, &before, &after, &e.RequestID, &e.ClientIP, &created))
		e.Before, e.After = json.RawMessage(before), json.RawMessage(after)
		switch c := created.(type) {
		case int64:
			e.Created = time.UnixMicro(c).UTC()
		case time.Time:
			e.Created = c.UTC()
		}
		entries = append(entries, e)
	}
	require.NoError(t, rows.Err())
	require.Len(t, entries, 5)

	// Rewrite entry 3's client_ip and recompute it and every later entry
	// with the only hash available without the key, then the head.
	victim := 2
	entries[victim].ClientIP = "203.0.113.66"
	prev := ""
	for i := range entries {
		if i < victim {
			require.NoError(t, db.QueryRow(`SELECT hash FROM audit_entries WHERE id = `+arg(1), entries[i].ID).Scan(&prev))
			continue
		}
		entries[i].PrevHash, entries[i].Seal = prev, billing.SealUnkeyed
		entries[i].Hash, _ = billing.AuditSealHash(nil, entries[i])
		prev = entries[i].Hash
		_, err := db.Exec(`UPDATE audit_entries SET client_ip = `+arg(1)+`, prev_hash = `+arg(2)+`, hash = `+arg(3)+`, seal = `+arg(4)+` WHERE id = `+arg(5),
			entries[i].ClientIP, entries[i].PrevHash, entries[i].Hash, entries[i].Seal, entries[i].ID)
		require.NoError(t, err)
	}
	_, err = db.Exec(`UPDATE audit_heads SET hash = `+arg(1)+` WHERE merchant_id = `+arg(2), prev, merchant)
	require.NoError(t, err)

	out, err = cli("audit", "verify")
	require.Equal(t, exitError(1), err, out)
	require.Contains(t, out, merchant+": BROKEN at entry "+entries[victim].ID+" (seq 3)", out)
	require.Contains(t, out, "without the key", out)

	// Without the key, verify says it cannot check keyed entries.
	delete(env, "CUOTA_SECRET_KEY")
	out, err = cli("audit", "verify")
	require.Equal(t, exitError(1), err, out)
	require.Contains(t, out, "UNKEYED")
	require.Contains(t, out, "no audit key is configured", out)
}
