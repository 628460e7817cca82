package docs

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// codeRE matches the inline code spans of a table cell.
var codeRE = regexp.MustCompile("`([^`]+)`")

// TestRuleTableNamesRealCode reads the table "Where each rule lives" of
// architecture.md and checks that every function, method, type or variable
// it names is declared in the file or package named before it, so that the
// table cannot drift from the code.
func TestRuleTableNamesRealCode(t *testing.T) {
	text, err := os.ReadFile("architecture.md")
	require.NoError(t, err)
	rows := ruleRows(t, string(text))
	require.GreaterOrEqual(t, len(rows), 15, "the rule table was not found")
	checked := 0
	for _, row := range rows {
		place := ""
		for _, m := range codeRE.FindAllStringSubmatch(row, -1) {
			tok := m[1]
			switch {
			case strings.HasPrefix(tok, "internal/"):
				place = tok
				_, err := os.Stat(filepath.Join("..", place))
				require.NoError(t, err, "the rule table names %s", place)
			case place != "" && isIdentPath(tok):
				require.True(t, declared(t, place, tok), "%s is not declared in %s (rule table: %q)", tok, place, row)
				checked++
			}
		}
	}
	require.Greater(t, checked, 30, "too few names were checked")
}

// ruleRows returns the body rows of the table under "## Where each rule
// lives".
func ruleRows(t *testing.T, text string) []string {
	t.Helper()
	_, after, ok := strings.Cut(text, "## Where each rule lives")
	require.True(t, ok)
	var rows []string
	for _, line := range strings.Split(after, "\n") {
		if strings.HasPrefix(line, "## ") {
			break
		}
		if strings.HasPrefix(line, "| ") && !strings.HasPrefix(line, "| rule") {
			rows = append(rows, line)
		}
	}
	return rows
}

var identPathRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$`)

// isIdentPath reports whether tok is a Go name or Type.Method.
func isIdentPath(tok string) bool { return identPathRE.MatchString(tok) }

// declared reports whether name (or Type.Method) is declared in the Go
// file place, or in a non-test file of the package directory place.
func declared(t *testing.T, place, name string) bool {
	t.Helper()
	files := []string{filepath.Join("..", place)}
	if !strings.HasSuffix(place, ".go") {
		all, err := filepath.Glob(filepath.Join("..", place, "*.go"))
		require.NoError(t, err)
		files = files[:0]
		for _, f := range all {
			if !strings.HasSuffix(f, "_test.go") {
				files = append(files, f)
			}
		}
	}
	var decl *regexp.Regexp
	if typ, method, ok := strings.Cut(name, "."); ok {
		decl = regexp.MustCompile(`(?m)^func \(\w+ \*?` + typ + `(\[[^\]]*\])?\) ` + method + `[\[(]`)
	} else {
		decl = regexp.MustCompile(`(?m)^(func ` + name + `[\[(]|type ` + name + ` |var ` + name + ` |const ` + name + ` |\t` + name + ` +=)`)
	}
	for _, f := range files {
		src, err := os.ReadFile(f)
		require.NoError(t, err)
		if decl.Match(src) {
			return true
		}
	}
	return false
}
