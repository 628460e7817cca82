package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
)

// stdin is where `cuota user create` and `cuota user reset-password` read
// the password; tests replace it.
var stdin io.Reader = os.Stdin

const (
	userCreateSynopsis = "cuota user create --merchant ID --email E --role owner|admin|support|viewer [--locale es-CL|en] < password"
	userResetSynopsis  = "cuota user reset-password --merchant ID --email E < password"
)

// userCmd manages the console's users from the command line: the first
// owner of a merchant is made here (the console invites the others), and
// an operator sets a new password for a user who cannot use the console's
// emailed link.
func userCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		switch args[0] {
		case "create":
			return userCreate(ctx, args[1:], getenv, stdout, stderr)
		case "reset-password":
			return userResetPassword(ctx, args[1:], getenv, stdout, stderr)
		}
	}
	fmt.Fprintln(stderr, "Usage:", userCreateSynopsis)
	fmt.Fprintln(stderr, "      ", userResetSynopsis)
	if len(args) > 0 && (args[0] == "--help" || args[0] == "-h") {
		return nil
	}
	return exitError(2)
}

func userCreate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("user create", userCreateSynopsis, stderr)
	merchant := fs.String("merchant", "", "merchant id (required)")
	email := fs.String("email", "", "the user's email, with which they sign in (required)")
	role := fs.String("role", "", "owner, admin, support or viewer (required)")
	locale := fs.String("locale", "", "the console's language for the user (default: the merchant's)")
	if done, err := parseFlags(fs, args); done {
		return err
	}
	for _, f := range [][2]string{{"merchant", *merchant}, {"email", *email}, {"role", *role}} {
		if err := requireFlag(f[0], f[1], stderr); err != nil {
			return err
		}
	}
	password, err := readPassword()
	if err != nil {
		return err
	}
	e, err := openEnv(ctx, getenv, stderr)
	if err != nil {
		return err
	}
	defer e.store.Close()
	u, err := e.app.Users.CreateUser(cliContext(ctx), app.CreateUserParams{MerchantID: *merchant, Email: *email,
		Role: billing.Role(*role), Password: password, Locale: *locale})
	if err != nil {
		return userError(stderr, err)
	}
	fmt.Fprintf(stdout, "Created user %s (%s, %s) for merchant %s. Sign in at /console/.\n", u.ID, u.Email, u.Role, u.MerchantID)
	return nil
}

// userResetPassword sets a user's password as the console's reset link
// does: every session ends and the sign-in throttles of the email are
// forgotten.
func userResetPassword(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("user reset-password", userResetSynopsis, stderr)
	merchant := fs.String("merchant", "", "merchant id (required)")
	email := fs.String("email", "", "the user's email (required)")
	if done, err := parseFlags(fs, args); done {
		return err
	}
	for _, f := range [][2]string{{"merchant", *merchant}, {"email", *email}} {
		if err := requireFlag(f[0], f[1], stderr); err != nil {
			return err
		}
	}
	password, err := readPassword()
	if err != nil {
		return err
	}
	e, err := openEnv(ctx, getenv, stderr)
	if err != nil {
		return err
	}
	defer e.store.Close()
	u, err := e.app.Users.SetPassword(cliContext(ctx), *merchant, *email, password)
	if err != nil {
		return userError(stderr, err)
	}
	fmt.Fprintf(stdout, "Set a new password for %s; their sessions ended. Sign in at /console/.\n", u.Email)
	return nil
}

// readPassword reads one line from standard input: a password comes from
// there, never from a flag (which other users of the machine could read in
// the process list).
func readPassword() (string, error) {
	line, err := bufio.NewReader(io.LimitReader(stdin, billing.MaxPasswordLength+2)).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", fmt.Errorf("read the password from standard input: %w", err)
	}
	return strings.TrimRight(line, "\r\n"), nil
}
