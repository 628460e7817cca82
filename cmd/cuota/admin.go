package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
)

// cliContext marks admin commands as the CLI in the audit log.
func cliContext(ctx context.Context) context.Context {
	return app.WithRequestInfo(ctx, app.RequestInfo{Actor: "cli"})
}

// userError prints a domain error's message (it is safe to show) and
// returns exit status 1; other errors pass through.
func userError(stderr io.Writer, err error) error {
	if e := billing.AsError(err); e != nil {
		fmt.Fprintf(stderr, "cuota: %s\n", e.Message)
		return exitError(1)
	}
	return err
}

func migrate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("migrate", "cuota migrate", stderr)
	if done, err := parseFlags(fs, args); done {
		return err
	}
	e, err := openEnv(ctx, getenv, stderr)
	if err != nil {
		return err
	}
	defer e.store.Close()
	fmt.Fprintln(stdout, "migrations applied")
	return nil
}

func merchantCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "create" && args[0] != "list") {
		fmt.Fprintln(stderr, "Usage: cuota merchant create --name N [--timezone Z] [--locale L] | cuota merchant list")
		if len(args) > 0 && (args[0] == "--help" || args[0] == "-h") {
			return nil
		}
		return exitError(2)
	}
	if args[0] == "list" {
		fs := newFlagSet("merchant list", "cuota merchant list", stderr)
		if done, err := parseFlags(fs, args[1:]); done {
			return err
		}
		e, err := openEnv(ctx, getenv, stderr)
		if err != nil {
			return err
		}
		defer e.store.Close()
		ms, err := e.app.Merchants.ListMerchants(ctx)
		if err != nil {
			return err
		}
		for _, m := range ms {
			fmt.Fprintf(stdout, "%s\t%s\t%s\t%s\n", m.ID, m.Name, m.Timezone, m.Locale)
		}
		return nil
	}
	fs := newFlagSet("merchant create", "cuota merchant create --name N [--timezone Z] [--locale L]", stderr)
	name := fs.String("name", "", "merchant name (required)")
	tz := fs.String("timezone", "UTC", "IANA time zone for billing calendars, e.g. America/Santiago")
	locale := fs.String("locale", "es-CL", "default language of pages and emails (es-CL or en)")
	if done, err := parseFlags(fs, args[1:]); done {
		return err
	}
	e, err := openEnv(ctx, getenv, stderr)
	if err != nil {
		return err
	}
	defer e.store.Close()
	m, err := e.app.Merchants.CreateMerchant(cliContext(ctx), app.CreateMerchantParams{Name: *name, Timezone: *tz, Locale: *locale})
	if err != nil {
		return userError(stderr, err)
	}
	fmt.Fprintln(stdout, m.ID)
	return nil
}

func apikeyCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	const synopsis = "cuota apikey create --merchant ID --mode test|live | cuota apikey list --merchant ID | cuota apikey revoke KEY_ID"
	if len(args) == 0 || (args[0] != "create" && args[0] != "list" && args[0] != "revoke") {
		fmt.Fprintln(stderr, "Usage:", synopsis)
		if len(args) > 0 && (args[0] == "--help" || args[0] == "-h") {
			return nil
		}
		return exitError(2)
	}
	if args[0] == "revoke" {
		fs := newFlagSet("apikey revoke", "cuota apikey revoke KEY_ID", stderr)
		if done, err := parseFlags(fs, args[1:]); done {
			return err
		}
		if fs.NArg() != 1 {
			fs.Usage()
			return exitError(2)
		}
		e, err := openEnv(ctx, getenv, stderr)
		if err != nil {
			return err
		}
		defer e.store.Close()
		k, err := e.app.Merchants.RevokeAPIKey(cliContext(ctx), fs.Arg(0))
		if err != nil {
			return userError(stderr, err)
		}
		fmt.Fprintf(stdout, "revoked %s (%s)\n", k.ID, k.Redacted)
		return nil
	}
	if args[0] == "list" {
		return apikeyList(ctx, args[1:], getenv, stdout, stderr)
	}
	fs := newFlagSet("apikey create", "cuota apikey create --merchant ID --mode test|live", stderr)
	merchant := fs.String("merchant", "", "merchant id (required)")
	mode := fs.String("mode", "test", "test or live")
	if done, err := parseFlags(fs, args[1:]); done {
		return err
	}
	if err := requireFlag("merchant", *merchant, stderr); err != nil {
		return err
	}
	e, err := openEnv(ctx, getenv, stderr)
	if err != nil {
		return err
	}
	defer e.store.Close()
	k, secret, err := e.app.Merchants.CreateAPIKey(cliContext(ctx), *merchant, billing.Mode(*mode))
	if err != nil {
		return userError(stderr, err)
	}
	fmt.Fprintf(stdout, "Created API key %s (%s mode) for merchant %s. The key is shown only this once:\n\n  %s\n\nRevoke it with: cuota apikey revoke %s\n",
		k.ID, k.Mode, k.MerchantID, secret, k.ID)
	return nil
}

// apikeyList prints a merchant's keys as a table: the id that
// `apikey revoke` takes, the mode, the redacted key, when it was created,
// last used (to the minute: authentication records it at most once a
// minute) and revoked.
func apikeyList(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("apikey list", "cuota apikey list --merchant ID", stderr)
	merchant := fs.String("merchant", "", "merchant id (required)")
	if done, err := parseFlags(fs, args); done {
		return err
	}
	if err := requireFlag("merchant", *merchant, stderr); err != nil {
		return err
	}
	e, err := openEnv(ctx, getenv, stderr)
	if err != nil {
		return err
	}
	defer e.store.Close()
	keys, err := e.app.Merchants.ListAPIKeys(ctx, *merchant)
	if err != nil {
		return userError(stderr, err)
	}
	when := func(t *time.Time, none string) string {
		if t == nil {
			return none
		}
		return t.UTC().Format("2006-01-02 15:04Z")
	}
	w := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tMODE\tKEY\tCREATED\tLAST USED\tREVOKED")
	for _, k := range keys {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", k.ID, k.Mode, k.Redacted, when(&k.Created, ""), when(k.LastUsed, "never"), when(k.Revoked, "-"))
	}
	return w.Flush()
}

func auditCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	const usage = "Usage: cuota audit verify [--merchant ID] [--checkpoint FILE]\n       cuota audit checkpoint [--merchant ID]"
	if len(args) == 0 || (args[0] != "verify" && args[0] != "checkpoint") {
		fmt.Fprintln(stderr, usage)
		if len(args) > 0 && (args[0] == "--help" || args[0] == "-h") {
			return nil
		}
		return exitError(2)
	}
	if args[0] == "checkpoint" {
		return auditCheckpointCmd(ctx, args[1:], getenv, stdout, stderr)
	}
	fs := newFlagSet("audit verify", "cuota audit verify [--merchant ID] [--checkpoint FILE]", stderr)
	merchant := fs.String("merchant", "", "check only this merchant's chain (default: every merchant)")
	cpFile := fs.String("checkpoint", "", "also check the chains against checkpoints kept outside the database (the output of cuota audit checkpoint)")
	if done, err := parseFlags(fs, args[1:]); done {
		return err
	}
	var extra []billing.AuditCheckpoint
	if *cpFile != "" {
		var err error
		if extra, err = readCheckpoints(*cpFile); err != nil {
			fmt.Fprintf(stderr, "cuota: --checkpoint: %v\n", err)
			return exitError(2)
		}
	}
	e, err := openEnv(ctx, getenv, stderr)
	if err != nil {
		return err
	}
	defer e.store.Close()
	ids, err := auditMerchants(ctx, e, *merchant)
	if err != nil {
		return err
	}
	broken := false
	for i, id := range ids {
		r, err := e.app.Merchants.VerifyAudit(ctx, id, extra)
		if err != nil {
			return userError(stderr, err)
		}
		if i == 0 {
			if r.Keyed {
				fmt.Fprintf(stdout, "audit key %s (from CUOTA_SECRET_KEY)\n", r.KeyID)
			} else {
				fmt.Fprintln(stdout, "UNKEYED: no CUOTA_SECRET_KEY, so new entries are sealed with plain SHA-256; "+
					"this catches naive edits only, not a rewrite that recomputes the chain")
			}
		}
		if r.Break != nil {
			broken = true
			entry := r.Break.EntryID
			if entry == "" {
				entry = "(missing)"
			}
			fmt.Fprintf(stdout, "%s: BROKEN at entry %s (seq %d): %s; %d entries before it verify\n", id, entry, r.Break.Seq, r.Break.Reason, r.Verified)
			continue
		}
		fmt.Fprintf(stdout, "%s: ok, %d entries%s; %d pending (not sealed yet); %d checkpoints\n",
			id, r.Verified, sealCounts(r.Sealed), r.Pending, r.Checkpoints)
	}
	if broken {
		return exitError(1)
	}
	return nil
}

// auditMerchants is the given merchant, or every merchant.
func auditMerchants(ctx context.Context, e *env, merchant string) ([]string, error) {
	if merchant != "" {
		return []string{merchant}, nil
	}
	ms, err := e.app.Merchants.ListMerchants(ctx)
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(ms))
	for _, m := range ms {
		ids = append(ids, m.ID)
	}
	return ids, nil
}

// sealCounts says how the verified entries are sealed, e.g.
// " (12 hmac-sha256, 3 sha256 before keyed sealing)".
func sealCounts(m map[string]int64) string {
	var parts []string
	for _, seal := range []string{billing.SealHMAC, billing.SealUnkeyed, ""} {
		if n := m[seal]; n > 0 {
			name := seal
			switch seal {
			case "":
				name = "sha256 before keyed sealing"
			case billing.SealUnkeyed:
				name = "sha256 UNKEYED"
			}
			parts = append(parts, fmt.Sprintf("%d %s", n, name))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

// auditCheckpointCmd seals, checkpoints and prints each chain's latest
// checkpoint, one JSON object a line, for `audit verify --checkpoint`.
func auditCheckpointCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("audit checkpoint", "cuota audit checkpoint [--merchant ID]", stderr)
	merchant := fs.String("merchant", "", "only this merchant's chain (default: every merchant)")
	if done, err := parseFlags(fs, args); done {
		return err
	}
	e, err := openEnv(ctx, getenv, stderr)
	if err != nil {
		return err
	}
	defer e.store.Close()
	ids, err := auditMerchants(ctx, e, *merchant)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(stdout)
	for _, id := range ids {
		c, ok, err := e.app.Merchants.CheckpointAudit(ctx, id)
		if err != nil {
			return userError(stderr, err)
		}
		if !ok {
			fmt.Fprintf(stderr, "%s: no sealed entries, no checkpoint\n", id)
			continue
		}
		if c.Seal != billing.SealHMAC {
			fmt.Fprintf(stderr, "%s: UNKEYED checkpoint (no CUOTA_SECRET_KEY): it catches naive edits only\n", id)
		}
		if err := enc.Encode(c); err != nil {
			return fmt.Errorf("print checkpoint: %w", err)
		}
	}
	return nil
}

// readCheckpoints reads the JSON lines `cuota audit checkpoint` prints.
func readCheckpoints(path string) ([]billing.AuditCheckpoint, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []billing.AuditCheckpoint
	dec := json.NewDecoder(f)
	for {
		var c billing.AuditCheckpoint
		if err := dec.Decode(&c); err == io.EOF {
			return out, nil
		} else if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		out = append(out, c)
	}
}

// requireFlag refuses a command whose required flag name was left empty,
// with the usage error's exit status.
func requireFlag(name, value string, stderr io.Writer) error {
	if value != "" {
		return nil
	}
	fmt.Fprintf(stderr, "cuota: --%s is required\n", name)
	return exitError(2)
}
