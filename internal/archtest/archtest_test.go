package archtest

import (
	"bytes"
	"encoding/json"
	"io"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestImports runs the rules over the module's real import graph.
func TestImports(t *testing.T) {
	g := moduleGraph(t)
	require.Contains(t, g, Module+"/internal/app", "the graph must hold the module's packages")
	var lines []string
	for _, v := range Check(g) {
		lines = append(lines, v.String())
	}
	require.Empty(t, lines, "imports that break the architecture's rules")
}

// TestCheckCatchesViolations feeds Check a made-up graph with one import
// of each forbidden kind, next to allowed ones, so that a rule that stopped
// biting would show here.
func TestCheckCatchesViolations(t *testing.T) {
	m := func(p string) string { return Module + "/" + p }
	g := Graph{
		m("internal/money"):          {"strconv", m("internal/textcut")},
		m("internal/billing"):        {"time", m("internal/money"), m("internal/app")},
		m("internal/app"):            {"context", m("internal/billing"), m("internal/secretbox"), m("internal/httpapi"), m("internal/gateway/sim")},
		m("internal/jobs"):           {m("internal/app"), m("internal/apiobj"), m("internal/httpapi")},
		m("internal/gateway/flowgw"): {m("internal/gateway/flow"), m("internal/gateway/stripegw")},
		m("internal/sqlite"):         {m("internal/sqlite/litedb"), m("internal/riverlog")},
		m("internal/apiobj"):         {m("internal/billing"), m("internal/httpapi")},
		m("cmd/cuota"):               {m("internal/sqlite"), m("internal/mail"), m("internal/wiring")},
		m("internal/wiring"):         {m("internal/httpapi"), m("internal/web")},
		m("internal/web"):            {m("internal/wiring")},
	}
	var got []string
	for _, v := range Check(g) {
		got = append(got, strings.TrimPrefix(v.From, Module+"/")+" → "+strings.TrimPrefix(v.To, Module+"/"))
	}
	require.Equal(t, []string{
		"internal/apiobj → internal/httpapi",
		"internal/app → internal/gateway/sim",
		"internal/app → internal/httpapi",
		"internal/app → internal/secretbox",
		"internal/billing → internal/app",
		"internal/gateway/flowgw → internal/gateway/stripegw",
		"internal/jobs → internal/httpapi",
		"internal/money → internal/textcut",
		"internal/web → internal/wiring",
	}, got)
}

// moduleGraph lists the module's packages with `go list -json` (run from
// the module root) and returns their non-test imports.
func moduleGraph(t *testing.T) Graph {
	t.Helper()
	root, err := exec.Command("go", "env", "GOMOD").Output()
	require.NoError(t, err)
	cmd := exec.Command("go", "list", "-json=ImportPath,Imports", "./...")
	cmd.Dir = filepath.Dir(strings.TrimSpace(string(root)))
	out, err := cmd.Output()
	require.NoError(t, err)
	g := Graph{}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p struct {
			ImportPath string
			Imports    []string
		}
		err := dec.Decode(&p)
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		g[p.ImportPath] = p.Imports
	}
	return g
}
