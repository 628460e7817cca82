package archtest

import (
	"bufio"
	"bytes"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// Size limits that keep units small enough to read: no type in internal/
// has more than maxMethods methods (generated code included: sqlc's query
// packages are split by area for this), and no hand-written non-test file
// is longer than maxLines lines.
const (
	maxMethods = 60
	maxLines   = 600
)

// TestSizeLimits checks both limits over internal/.
func TestSizeLimits(t *testing.T) {
	methods, long := measure(t, internalDir(t))
	var over []string
	for typ, n := range methods {
		if n > maxMethods {
			over = append(over, typ)
		}
	}
	require.Empty(t, over, "types with more than %d methods", maxMethods)
	require.Empty(t, long, "hand-written files longer than %d lines", maxLines)
}

// TestSizeLimitsBite feeds measure a made-up package with one type and one
// interface over the limit and a long file, so that the check cannot pass
// by counting nothing.
func TestSizeLimitsBite(t *testing.T) {
	dir := t.TempDir()
	var src strings.Builder
	src.WriteString("package big\n\ntype T struct{}\n\ntype I interface {\n")
	for i := range maxMethods + 1 {
		src.WriteString("\tM" + strconv.Itoa(i) + "()\n")
	}
	src.WriteString("}\n")
	for i := range maxMethods + 1 {
		src.WriteString("func (T) M" + strconv.Itoa(i) + "() {}\n")
	}
	src.WriteString(strings.Repeat("\n", maxLines))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "big.go"), []byte(src.String()), 0o644))
	methods, long := measure(t, dir)
	require.Equal(t, maxMethods+1, methods["T"])
	require.Equal(t, maxMethods+1, methods["I"])
	require.Len(t, long, 1)
}

// internalDir is the module's internal/ directory.
func internalDir(t *testing.T) string {
	t.Helper()
	root, err := exec.Command("go", "env", "GOMOD").Output()
	require.NoError(t, err)
	return filepath.Join(filepath.Dir(strings.TrimSpace(string(root))), "internal")
}

// measure returns the method count of every type declared under dir
// ("pkg/dir.Type" relative to dir: methods declared on it, or an
// interface's methods) and
// the hand-written non-test files longer than maxLines.
func measure(t *testing.T, dir string) (map[string]int, []string) {
	t.Helper()
	methods := map[string]int{}
	var long []string
	fset := token.NewFileSet()
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		f, err := parser.ParseFile(fset, path, src, parser.SkipObjectResolution|parser.ParseComments)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, filepath.Dir(path))
		if err != nil {
			return err
		}
		countMethods(f, filepath.ToSlash(rel), methods)
		if !ast.IsGenerated(f) && lineCount(src) > maxLines {
			long = append(long, path)
		}
		return nil
	})
	require.NoError(t, err)
	return methods, long
}

// countMethods adds f's method declarations and interface methods to
// methods, by "pkg.Type" ("Type" for the root package).
func countMethods(f *ast.File, pkg string, methods map[string]int) {
	key := func(name string) string {
		if pkg == "." {
			return name
		}
		return pkg + "." + name
	}
	for _, decl := range f.Decls {
		switch d := decl.(type) {
		case *ast.FuncDecl:
			if d.Recv == nil || len(d.Recv.List) == 0 {
				continue
			}
			if name := receiverName(d.Recv.List[0].Type); name != "" {
				methods[key(name)]++
			}
		case *ast.GenDecl:
			for _, spec := range d.Specs {
				ts, ok := spec.(*ast.TypeSpec)
				if !ok {
					continue
				}
				if it, ok := ts.Type.(*ast.InterfaceType); ok {
					methods[key(ts.Name.Name)] += len(it.Methods.List)
				}
			}
		}
	}
}

// receiverName is the type name of a method receiver: T, *T, T[P] or *T[P].
func receiverName(e ast.Expr) string {
	switch x := e.(type) {
	case *ast.StarExpr:
		return receiverName(x.X)
	case *ast.IndexExpr:
		return receiverName(x.X)
	case *ast.IndexListExpr:
		return receiverName(x.X)
	case *ast.Ident:
		return x.Name
	}
	return ""
}

func lineCount(src []byte) int {
	n := 0
	sc := bufio.NewScanner(bytes.NewReader(src))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		n++
	}
	return n
}
