package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestUserCreate makes a console user from the command line, the password
// read from standard input.
func TestUserCreate(t *testing.T) {
	env := map[string]string{"CUOTA_DATABASE_URL": "sqlite:" + filepath.Join(t.TempDir(), "cuota.db"), "CUOTA_LOG_LEVEL": "error"}
	getenv := func(k string) string { return env[k] }
	cli := func(input string, args ...string) (string, string, error) {
		stdin = strings.NewReader(input)
		var out, errOut bytes.Buffer
		err := run(t.Context(), append([]string{"cuota"}, args...), getenv, &out, &errOut)
		return out.String(), errOut.String(), err
	}
	out, _, err := cli("", "merchant", "create", "--name", "Corredora Sur")
	require.NoError(t, err)
	merchant := strings.TrimSpace(out)

	out, _, err = cli("a long enough password\n", "user", "create", "--merchant", merchant, "--email", "Duena@example.cl", "--role", "owner")
	require.NoError(t, err)
	require.Regexp(t, `^Created user usr_[0-9a-z]{26} \(duena@example.cl, owner\) for merchant `+merchant, out)

	_, stderr, err := cli("short\n", "user", "create", "--merchant", merchant, "--email", "b@example.cl", "--role", "viewer")
	require.Equal(t, exitError(1), err)
	require.Contains(t, stderr, "at least 12 characters")
	_, stderr, err = cli("a long enough password\n", "user", "create", "--merchant", merchant, "--email", "b@example.cl", "--role", "root")
	require.Equal(t, exitError(1), err)
	require.Contains(t, stderr, "role must be owner, admin, support or viewer")
	_, stderr, err = cli("", "user", "create", "--merchant", merchant, "--role", "viewer")
	require.Equal(t, exitError(2), err)
	require.Contains(t, stderr, "--email is required")

	// An operator sets a new password from standard input.
	out, _, err = cli("another long password\n", "user", "reset-password", "--merchant", merchant, "--email", "DUENA@example.cl")
	require.NoError(t, err)
	require.Equal(t, "Set a new password for duena@example.cl; their sessions ended. Sign in at /console/.\n", out)
	_, stderr, err = cli("short\n", "user", "reset-password", "--merchant", merchant, "--email", "duena@example.cl")
	require.Equal(t, exitError(1), err)
	require.Contains(t, stderr, "at least 12 characters")
	_, stderr, err = cli("another long password\n", "user", "reset-password", "--merchant", "mch_other", "--email", "duena@example.cl")
	require.Equal(t, exitError(1), err, "another merchant's user is not found")
	require.Contains(t, stderr, "no such user")
	_, stderr, err = cli("", "user", "reset-password", "--merchant", merchant)
	require.Equal(t, exitError(2), err)
	require.Contains(t, stderr, "--email is required")
}
