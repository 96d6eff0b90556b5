// Command testreport reads `go test -json` on stdin and prints what a person needs: one line
// per package as go test prints it, the output of every failed test, the number of tests
// run per package group that must not be silently empty, and a closing line
// "tests: N passed, N failed, N skipped". It exits 1 when a test or package failed, when
// a test was skipped, or when a package named with -require ran no test.
//
//	go test -json ./... | go run ./internal/cmd/testreport -require store/postgres
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

type event struct {
	Action  string
	Package string
	Test    string
	Output  string
	Elapsed float64
}

type requireList []string

func (r *requireList) String() string     { return strings.Join(*r, ",") }
func (r *requireList) Set(s string) error { *r = append(*r, s); return nil }

func main() {
	var require requireList
	flag.Var(&require, "require", "package path suffix that must run at least one test (repeatable)")
	flag.Parse()
	os.Exit(report(os.Stdin, os.Stdout, require))
}

func report(in io.Reader, out io.Writer, require []string) int {
	var passed, failed, skipped int
	ranIn := map[string]int{}
	output := map[string][]string{} // package/test → its output lines
	var failures, skips []string
	pkgFailed := false
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var e event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			fmt.Fprintln(out, sc.Text()) // build errors come as plain text
			continue
		}
		key := e.Package + " " + e.Test
		switch e.Action {
		case "output":
			if e.Test != "" {
				output[key] = append(output[key], e.Output)
			} else if strings.HasPrefix(e.Output, "ok ") || strings.HasPrefix(e.Output, "FAIL") ||
				strings.HasPrefix(e.Output, "?") || strings.HasPrefix(e.Output, "panic") ||
				strings.HasPrefix(e.Output, "# ") || strings.Contains(e.Output, ".go:") {
				fmt.Fprint(out, e.Output)
			} else if !strings.HasPrefix(e.Output, "PASS") && !strings.HasPrefix(e.Output, "=== ") &&
				!strings.HasPrefix(e.Output, "--- ") && strings.TrimSpace(e.Output) != "" {
				fmt.Fprint(out, "    ", e.Output) // package-level lines, e.g. a TestMain's summary
			}
		case "pass", "fail", "skip":
			if e.Test == "" {
				if e.Action == "fail" {
					pkgFailed = true
				}
				continue
			}
			ranIn[e.Package]++
			switch e.Action {
			case "pass":
				passed++
			case "fail":
				failed++
				failures = append(failures, key)
			case "skip":
				skipped++
				skips = append(skips, key)
			}
			if e.Action != "fail" {
				delete(output, key)
			}
		}
	}
	for _, f := range failures {
		fmt.Fprintf(out, "\n--- FAIL: %s\n%s", f, strings.Join(output[f], ""))
	}
	for _, s := range skips {
		fmt.Fprintf(out, "skipped: %s (a skipped test hides a missing dependency; make it run)\n", s)
	}
	code := 0
	if failed > 0 || pkgFailed || skipped > 0 {
		code = 1
	}
	for _, r := range require {
		n := 0
		var pkgs []string
		for p, c := range ranIn {
			if strings.HasSuffix(p, r) {
				n += c
				pkgs = append(pkgs, p)
			}
		}
		sort.Strings(pkgs)
		fmt.Fprintf(out, "%s: %d tests ran\n", r, n)
		if n == 0 {
			fmt.Fprintf(out, "%s ran no test: it must\n", r)
			code = 1
		}
	}
	fmt.Fprintf(out, "tests: %d passed, %d failed, %d skipped\n", passed, failed, skipped)
	return code
}
