package drs_test

import (
	"bufio"
	"fmt"
	"go/scanner"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// TestDocSnippetsCompile checks that every ```go block of README.md and
// docs/*.md compiles and passes go vet, so that what a reader copies works.
//
// A block whose first line of code is a package clause is a complete file
// and is vetted as it is. Any other block is a fragment: a list of
// statements. It becomes the body of func main in a file that declares, at
// package level, the variables of snippetPrelude (a fragment may use them
// without declaring them, and may shadow them), and that imports the
// packages of snippetImports the fragment names. Every name a fragment
// declares must be used, as in any Go function. A //line directive makes
// the compiler's messages point at the Markdown file and line.
func TestDocSnippetsCompile(t *testing.T) {
	root, err := os.Getwd() // the module root: the test runs in its package's directory
	if err != nil {
		t.Fatal(err)
	}
	docs, err := filepath.Glob("docs/*.md")
	if err != nil {
		t.Fatal(err)
	}
	files := append([]string{"README.md"}, docs...)
	var all []snippet
	for _, f := range files {
		abs, err := filepath.Abs(f) // for //line: messages name the file wherever go vet runs
		if err != nil {
			t.Fatal(err)
		}
		s, err := goBlocks(abs)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, s...)
	}
	// The README's own blocks and the moved reference pages' together; a
	// parser that found none would pass vacuously.
	if n := countFrom(all, filepath.Join(root, "README.md")); n < 1 {
		t.Fatalf("found %d ```go blocks in README.md, want at least 1", n)
	}
	if len(all) < 8 {
		t.Fatalf("found %d ```go blocks in README.md and docs/*.md, want at least 8", len(all))
	}
	goTool, err := exec.LookPath("go") // go test puts GOROOT/bin first in PATH
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range all {
		rel, err := filepath.Rel(root, s.file)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(fmt.Sprintf("%s:%d", rel, s.line), func(t *testing.T) {
			t.Parallel()
			src, name := s.source()
			path := filepath.Join(t.TempDir(), name)
			if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
				t.Fatal(err)
			}
			// From the module root, a file outside it resolves imports
			// against this module and its go.sum; GOPROXY=off keeps the
			// test off the network.
			cmd := exec.Command(goTool, "vet", path)
			cmd.Env = append(os.Environ(), "GOPROXY=off", "GOFLAGS=-mod=readonly")
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("the ```go block at %s:%d does not compile or vet: %v\n%s\nas vetted:\n%s",
					rel, s.line, err, out, numbered(src))
			}
		})
	}
}

// snippetPrelude declares what fragments may use without declaring it.
const snippetPrelude = `var (
	ctx                      = context.Background()
	client                   *drs.Client
	clientID, clientSecret   string // the LWA security profile
	model, serial, slotID    string
	mux                      = http.NewServeMux()
	s                        *drssim.Server // a started emulator
	inner                    store.TokenStore
	onNote                   func(context.Context, *sns.Notification) error
	recordOrder              func(ctx context.Context, serial string, o sns.Order) error
)
`

// preludeImports are the packages snippetPrelude uses.
var preludeImports = []string{"context", "net/http", "github.com/amazondrs/drs",
	"github.com/amazondrs/drs/drssim", "github.com/amazondrs/drs/sns", "github.com/amazondrs/drs/store"}

// snippetImports maps a package name a fragment may use to its import path.
var snippetImports = map[string]string{
	"context":     "context",
	"errors":      "errors",
	"fmt":         "fmt",
	"http":        "net/http",
	"httptest":    "net/http/httptest",
	"log":         "log",
	"os":          "os",
	"time":        "time",
	"drs":         "github.com/amazondrs/drs",
	"drssim":      "github.com/amazondrs/drs/drssim",
	"sns":         "github.com/amazondrs/drs/sns",
	"login":       "github.com/amazondrs/drs/login",
	"store":       "github.com/amazondrs/drs/store",
	"filestore":   "github.com/amazondrs/drs/store/filestore",
	"sqlitestore": "github.com/amazondrs/drs/store/sqlitestore",
	"pgstore":     "github.com/amazondrs/drs/store/pgstore",
	"storeopen":   "github.com/amazondrs/drs/store/storeopen",
}

// A snippet is one ```go block of a Markdown file.
type snippet struct {
	file string
	line int // of the block's first line of code
	code string
}

// goBlocks returns the ```go blocks of a Markdown file.
func goBlocks(path string) ([]snippet, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var (
		out     []snippet
		cur     *strings.Builder
		start   int
		inFence bool
	)
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		fence := strings.HasPrefix(strings.TrimSpace(line), "```")
		switch {
		case fence && !inFence:
			inFence = true
			if strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), "```")) == "go" {
				cur, start = new(strings.Builder), n+1
			}
		case fence && inFence:
			inFence = false
			if cur != nil {
				out = append(out, snippet{file: path, line: start, code: cur.String()})
				cur = nil
			}
		case cur != nil:
			cur.WriteString(line + "\n")
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if inFence {
		return nil, fmt.Errorf("%s: a ``` block is not closed", path)
	}
	return out, nil
}

// complete reports whether the snippet is a whole file: its first token is
// the package keyword.
func (s snippet) complete() bool {
	tok := s.tokens()
	return len(tok) > 0 && tok[0].tok == token.PACKAGE
}

type lexeme struct {
	tok token.Token
	lit string
}

// tokens returns the snippet's tokens, without comments.
func (s snippet) tokens() []lexeme {
	fset := token.NewFileSet()
	src := []byte(s.code)
	var sc scanner.Scanner
	sc.Init(fset.AddFile(s.file, -1, len(src)), src, nil, 0)
	var out []lexeme
	for {
		_, tok, lit := sc.Scan()
		if tok == token.EOF {
			return out
		}
		out = append(out, lexeme{tok, lit})
	}
}

// source returns the Go file to vet and its name.
func (s snippet) source() (src, name string) {
	name = "snippet.go"
	if strings.Contains(s.code, "*testing.T)") {
		name = "snippet_test.go"
	}
	if s.complete() {
		return fmt.Sprintf("//line %s:%d\n%s", s.file, s.line, s.code), name
	}
	imports := map[string]bool{}
	for _, p := range preludeImports {
		imports[p] = true
	}
	tok := s.tokens()
	for i := 0; i+1 < len(tok); i++ {
		if tok[i].tok == token.IDENT && tok[i+1].tok == token.PERIOD && (i == 0 || tok[i-1].tok != token.PERIOD) {
			if p, ok := snippetImports[tok[i].lit]; ok {
				imports[p] = true
			}
		}
	}
	paths := make([]string, 0, len(imports))
	for p := range imports {
		paths = append(paths, fmt.Sprintf("\t%q\n", p))
	}
	sort.Strings(paths)
	return fmt.Sprintf("package main\n\nimport (\n%s)\n\n%s\nfunc main() {\n//line %s:%d\n%s}\n",
		strings.Join(paths, ""), snippetPrelude, s.file, s.line, s.code), name
}

func countFrom(all []snippet, file string) int {
	n := 0
	for _, s := range all {
		if s.file == file {
			n++
		}
	}
	return n
}

func numbered(src string) string {
	var b strings.Builder
	for i, l := range strings.Split(src, "\n") {
		fmt.Fprintf(&b, "%4d  %s\n", i+1, l)
	}
	return b.String()
}
