// Package docs holds cuota's guides. Its only Go code is this test, which
// keeps the relative links of README.md and docs/*.md pointing at files and
// headings that exist.
package docs

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// linkRE matches an inline Markdown link or image target.
var linkRE = regexp.MustCompile(`\]\(([^)\s]+)\)`)

// inlineCodeRE matches inline code, where brackets are not links either.
var inlineCodeRE = regexp.MustCompile("`[^`]*`")

// slugDropRE is what GitHub removes from a heading to make its anchor.
var slugDropRE = regexp.MustCompile(`[^\p{L}\p{N}\- _]`)

// headingSlug returns the anchor GitHub gives a heading: lower case,
// punctuation dropped, spaces as hyphens.
func headingSlug(heading string) string {
	s := strings.ToLower(strings.TrimSpace(heading))
	s = slugDropRE.ReplaceAllString(s, "")
	return strings.ReplaceAll(s, " ", "-")
}

// outsideCode returns the lines of a Markdown text that are not inside a
// fenced code block, where brackets are code, not links.
func outsideCode(text string) []string {
	var lines []string
	fenced := false
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			fenced = !fenced
			continue
		}
		if !fenced {
			lines = append(lines, line)
		}
	}
	return lines
}

// anchors returns the heading anchors of a Markdown file.
func anchors(t *testing.T, path string) map[string]bool {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	out := map[string]bool{}
	for _, line := range outsideCode(string(b)) {
		if h, ok := strings.CutPrefix(line, "#"); ok {
			out[headingSlug(strings.TrimLeft(h, "#"))] = true
		}
	}
	return out
}

// brokenLinks lists the relative links of the Markdown file at path whose
// file or heading does not exist.
func brokenLinks(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	var broken []string
	for _, line := range outsideCode(string(b)) {
		line = inlineCodeRE.ReplaceAllString(line, "")
		for _, m := range linkRE.FindAllStringSubmatch(line, -1) {
			target := m[1]
			if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			file, anchor, _ := strings.Cut(target, "#")
			resolved := path
			if file != "" {
				resolved = filepath.Join(filepath.Dir(path), file)
			}
			info, err := os.Stat(resolved)
			if err != nil {
				broken = append(broken, target+" (no such file)")
				continue
			}
			if anchor != "" && (info.IsDir() || !strings.HasSuffix(resolved, ".md") || !anchors(t, resolved)[anchor]) {
				broken = append(broken, target+" (no such heading)")
			}
		}
	}
	return broken
}

func TestRelativeLinksResolve(t *testing.T) {
	files := []string{"../README.md"}
	guides, err := filepath.Glob("*.md")
	require.NoError(t, err)
	require.NotEmpty(t, guides)
	files = append(files, guides...)
	for _, f := range files {
		require.Empty(t, brokenLinks(t, f), "broken relative links in %s", f)
	}
}

func TestBrokenLinksAreFound(t *testing.T) {
	dir := t.TempDir()
	page := filepath.Join(dir, "page.md")
	require.NoError(t, os.WriteFile(filepath.Join(dir, "other.md"), []byte("# Other page\n\n## Keys and secrets\n"), 0o600))
	require.NoError(t, os.WriteFile(page, []byte(strings.Join([]string{
		"# Page",
		"[ok](other.md) [ok](other.md#keys-and-secrets) [ok](#page) [web](https://example.com/x.md)",
		"[gone](missing.md) [bad](other.md#nothing) [self](#nowhere)",
		"```",
		"[in code](missing-too.md)",
		"```",
		"`[inline](missing-three.md)`",
	}, "\n")), 0o600))
	require.Equal(t, []string{
		"missing.md (no such file)",
		"other.md#nothing (no such heading)",
		"#nowhere (no such heading)",
	}, brokenLinks(t, page))
}
