package archtest

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestTransportsTakeInterfaces: outside app itself and the wiring, no
// package's code names *app.App. The transports declare the small
// interfaces they call (their UseCases) and are handed app's areas, so a
// change in one area does not reach a transport that never calls it.
func TestTransportsTakeInterfaces(t *testing.T) {
	root, err := exec.Command("go", "env", "GOMOD").Output()
	require.NoError(t, err)
	internal := filepath.Join(filepath.Dir(strings.TrimSpace(string(root))), "internal")
	var found []string
	fset := token.NewFileSet()
	err = filepath.WalkDir(internal, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(internal, path)
		if d.IsDir() && (rel == "app" || rel == "wiring") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if se, ok := n.(*ast.SelectorExpr); ok {
				if id, ok := se.X.(*ast.Ident); ok && id.Name == "app" && se.Sel.Name == "App" {
					found = append(found, fset.Position(se.Pos()).String())
				}
			}
			return true
		})
		return nil
	})
	require.NoError(t, err)
	require.Empty(t, found, "code that depends on the whole *app.App instead of the interfaces it calls")
}
