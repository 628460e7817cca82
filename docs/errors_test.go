package docs

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/billing"
)

// errorTable renders billing's code registry as the error table of
// api.md: one row per code, its statuses (the usual one first) and its
// meaning.
func errorTable() string {
	var b strings.Builder
	b.WriteString("| code | status | when |\n|---|---|---|\n")
	for _, c := range billing.Codes() {
		b.WriteString("| `" + c.Code + "` | " + c.StatusText() + " | " + c.Meaning + " |\n")
	}
	return b.String()
}

// TestErrorTable checks that api.md's error table is the code registry:
// a code missing from the docs, one the registry lacks, or a status or
// meaning that differs fails. On failure the message holds the table to
// paste.
func TestErrorTable(t *testing.T) {
	text, err := os.ReadFile("api.md")
	require.NoError(t, err)
	var table strings.Builder
	in := false
	for _, line := range strings.Split(string(text), "\n") {
		if strings.HasPrefix(line, "| code | status |") {
			in = true
		}
		if in && !strings.HasPrefix(line, "|") {
			break
		}
		if in {
			table.WriteString(line + "\n")
		}
	}
	require.NotEmpty(t, table.String(), "api.md has no error table (a line starting \"| code | status |\")")
	require.Equal(t, errorTable(), table.String(), "api.md's error table differs from billing's code registry; the table should read:\n%s", errorTable())
}
