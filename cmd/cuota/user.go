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

// stdin is where `cuota user create` reads the password; tests replace it.
var stdin io.Reader = os.Stdin

// userCmd manages the console's users from the command line: the first
// owner of a merchant is made here; the console invites the others.
func userCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	const synopsis = "cuota user create --merchant ID --email E --role owner|admin|support|viewer [--locale es-CL|en] < password"
	if len(args) == 0 || args[0] != "create" {
		fmt.Fprintln(stderr, "Usage:", synopsis)
		if len(args) > 0 && (args[0] == "--help" || args[0] == "-h") {
			return nil
		}
		return exitError(2)
	}
	fs := newFlagSet("user create", synopsis, stderr)
	merchant := fs.String("merchant", "", "merchant id (required)")
	email := fs.String("email", "", "the user's email, with which they sign in (required)")
	role := fs.String("role", "", "owner, admin, support or viewer (required)")
	locale := fs.String("locale", "", "the console's language for the user (default: the merchant's)")
	if done, err := parseFlags(fs, args[1:]); done {
		return err
	}
	for _, f := range [][2]string{{"merchant", *merchant}, {"email", *email}, {"role", *role}} {
		if err := requireFlag(f[0], f[1], stderr); err != nil {
			return err
		}
	}
	// The password comes from standard input, never from a flag (which
	// other users of the machine could read in the process list).
	line, err := bufio.NewReader(io.LimitReader(stdin, billing.MaxPasswordLength+2)).ReadString('\n')
	if err != nil && err != io.EOF {
		return fmt.Errorf("read the password from standard input: %w", err)
	}
	password := strings.TrimRight(line, "\r\n")
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
