package billing_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/billing"
)

// TestCodeRegistry checks the registry's own invariants: each code once,
// with a meaning, and either domain kinds (whose statuses come from the one
// Kind mapping) or, for transport-only codes, an explicit 4xx status.
func TestCodeRegistry(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range billing.Codes() {
		require.False(t, seen[c.Code], "%s is registered twice", c.Code)
		seen[c.Code] = true
		require.Regexp(t, `^[a-z][a-z_]*[a-z]$`, c.Code)
		require.NotEmpty(t, c.Meaning, c.Code)
		require.NotContains(t, c.Meaning, "|", "%s: the meaning is a cell of the docs table", c.Code)
		if len(c.Kinds) == 0 {
			require.True(t, c.Status >= 400 && c.Status < 500, "%s: a transport code needs its 4xx status", c.Code)
		} else {
			require.Zero(t, c.Status, "%s: a code with kinds takes its status from them", c.Code)
		}
		for _, k := range c.Kinds {
			if k != billing.KindInternal {
				require.NotEqual(t, 500, k.HTTPStatus(), "%s: kind %q has no status of its own", c.Code, k)
			}
		}
		got, ok := billing.LookupCode(c.Code)
		require.True(t, ok)
		require.Equal(t, c, got)
		require.Equal(t, c.Statuses()[0], billing.CodeStatus(c.Code))
	}
	require.Equal(t, 500, billing.CodeStatus("no_such_code"))
}

// codeSites are the functions whose argument at the given index is an
// error code, by package directory and name (methods by the directory of
// the package that calls them).
var codeSites = map[string]int{
	"internal/billing.Errorf": 1, "internal/billing.Invalid": 1,
	"internal/httpapi.codeProblem": 1,
	"internal/app.fail":            1, // the validator's v.fail(param, code, …)
}

// passThrough lists the places that pass a code on from a variable rather
// than name one; every other code must be a registered constant.
var passThrough = map[string]bool{
	"internal/billing/errors.go": true, // Errorf, Invalid: the constructors themselves
	"internal/app/validate.go":   true, // validator.fail hands its code to Invalid
	"internal/httpapi/errors.go": true, // problemFor copies a *billing.Error's code
}

// TestEveryUsedCodeIsRegistered reads the non-test Go source of cmd/ and
// internal/ and checks that every error code given to an error constructor
// (billing.Errorf, billing.Invalid, a billing.Error or httpapi Problem
// literal, a Problem's Code field) is a constant whose value is registered;
// string literals are refused, so a new code cannot bypass the registry.
func TestEveryUsedCodeIsRegistered(t *testing.T) {
	root, err := filepath.Abs("../..")
	require.NoError(t, err)
	fset := token.NewFileSet()
	files := map[string][]*ast.File{} // package dir (relative) → files
	names := map[*ast.File]string{}
	for _, top := range []string{"cmd", "internal"} {
		err := filepath.WalkDir(filepath.Join(root, top), func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			f, err := parser.ParseFile(fset, path, nil, 0)
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(root, path)
			rel = filepath.ToSlash(rel)
			files[filepath.ToSlash(filepath.Dir(rel))] = append(files[filepath.ToSlash(filepath.Dir(rel))], f)
			names[f] = rel
			return nil
		})
		require.NoError(t, err)
	}
	// consts: package dir → constant name → its value expression and file.
	type constDef struct {
		expr ast.Expr
		file *ast.File
	}
	consts := map[string]map[string]constDef{}
	for dir, fs := range files {
		consts[dir] = map[string]constDef{}
		for _, f := range fs {
			for _, decl := range f.Decls {
				g, ok := decl.(*ast.GenDecl)
				if !ok || g.Tok != token.CONST {
					continue
				}
				for _, spec := range g.Specs {
					vs := spec.(*ast.ValueSpec)
					for i, n := range vs.Names {
						if i < len(vs.Values) {
							consts[dir][n.Name] = constDef{vs.Values[i], f}
						}
					}
				}
			}
		}
	}
	const module = "github.com/cuota/cuota/"
	importDir := func(f *ast.File, name string) string {
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			local := p[strings.LastIndex(p, "/")+1:]
			if imp.Name != nil {
				local = imp.Name.Name
			}
			if local == name && strings.HasPrefix(p, module) {
				return strings.TrimPrefix(p, module)
			}
		}
		return ""
	}
	imported := func(f *ast.File, name string) bool {
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if (imp.Name != nil && imp.Name.Name == name) || (imp.Name == nil && p[strings.LastIndex(p, "/")+1:] == name) {
				return true
			}
		}
		return false
	}
	// resolve returns the string value of a constant code expression, or
	// ok=false for a variable; literal reports a string literal.
	var resolve func(dir string, f *ast.File, e ast.Expr) (value string, ok, literal bool)
	resolve = func(dir string, f *ast.File, e ast.Expr) (string, bool, bool) {
		switch x := e.(type) {
		case *ast.BasicLit:
			v, err := strconv.Unquote(x.Value)
			require.NoError(t, err)
			return v, true, true
		case *ast.Ident:
			if c, found := consts[dir][x.Name]; found {
				v, ok, _ := resolve(dir, c.file, c.expr)
				return v, ok, false
			}
		case *ast.SelectorExpr:
			if pkg, isIdent := x.X.(*ast.Ident); isIdent {
				if d := importDir(f, pkg.Name); d != "" {
					if c, found := consts[d][x.Sel.Name]; found {
						v, ok, _ := resolve(d, c.file, c.expr)
						return v, ok, false
					}
				}
			}
		}
		return "", false, false
	}

	sites := 0
	for dir, fs := range files {
		for _, f := range fs {
			check := func(e ast.Expr) {
				sites++
				pos := fset.Position(e.Pos())
				v, ok, literal := resolve(dir, f, e)
				require.False(t, literal, "%s:%d: the error code %q is a string literal: use the registry's constant", names[f], pos.Line, v)
				if !ok {
					require.True(t, passThrough[names[f]], "%s:%d: the error code is not a constant (add the place to passThrough only if it passes a code on)", names[f], pos.Line)
					return
				}
				_, registered := billing.LookupCode(v)
				require.True(t, registered, "%s:%d: error code %q is not in billing's registry (internal/billing/codes.go)", names[f], pos.Line, v)
			}
			ast.Inspect(f, func(n ast.Node) bool {
				switch x := n.(type) {
				case *ast.CallExpr:
					name := ""
					switch fn := x.Fun.(type) {
					case *ast.Ident:
						name = dir + "." + fn.Name
					case *ast.SelectorExpr:
						id, _ := fn.X.(*ast.Ident)
						switch {
						case id == nil:
						case importDir(f, id.Name) != "":
							name = importDir(f, id.Name) + "." + fn.Sel.Name
						case !imported(f, id.Name):
							name = dir + "." + fn.Sel.Name // a method, as in v.fail
						}
					}
					if i, found := codeSites[name]; found && i < len(x.Args) {
						check(x.Args[i])
					}
				case *ast.CompositeLit:
					typ := ""
					switch tx := x.Type.(type) {
					case *ast.Ident:
						typ = dir + "." + tx.Name
					case *ast.SelectorExpr:
						if id, ok := tx.X.(*ast.Ident); ok {
							typ = importDir(f, id.Name) + "." + tx.Sel.Name
						}
					}
					if typ != "internal/billing.Error" && typ != "internal/httpapi.Problem" {
						return true
					}
					for _, el := range x.Elts {
						if kv, ok := el.(*ast.KeyValueExpr); ok {
							if k, ok := kv.Key.(*ast.Ident); ok && k.Name == "Code" {
								check(kv.Value)
							}
						}
					}
				case *ast.AssignStmt:
					// p.Code = … on a Problem (humaError sets codes this way).
					if dir != "internal/httpapi" {
						return true
					}
					for i, lhs := range x.Lhs {
						if sel, ok := lhs.(*ast.SelectorExpr); ok && sel.Sel.Name == "Code" && i < len(x.Rhs) {
							check(x.Rhs[i])
						}
					}
				}
				return true
			})
		}
	}
	// The scan must have found the constructors' calls, or it checks nothing.
	require.Greater(t, sites, 200)
}
