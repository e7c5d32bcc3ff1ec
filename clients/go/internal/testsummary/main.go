// Command testsummary reads `go test -json` events on stdin and prints a
// readable report: the output of failed tests, the standard package lines
// ("ok ...", "FAIL ..."), and a one-line count. With -counts FILE it writes
// "<passed> <failed>" there, counting top-level tests and subtests; a package
// that fails without a failing test (a build error, a TestMain failure)
// counts as one failure, and so does a run in which no test passed (all
// skipped, or none ran). It exits 1 when anything failed.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"
)

type event struct {
	Action  string
	Package string
	Test    string
	Output  string
}

func main() {
	countsPath := flag.String("counts", "", "write `<passed> <failed>` to this file")
	extraFailed := flag.Int("extra-failed", 0, "failures found before the tests (vet, generated code)")
	flag.Parse()

	var (
		passed, failed, skipped int
		failedTests             []string
		testOut                 = map[string]*strings.Builder{} // package/test → output
		pkgFailed               = map[string]bool{}
		pkgTestFailed           = map[string]bool{}
	)
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 16<<20)
	for in.Scan() {
		line := in.Bytes()
		var ev event
		if len(line) == 0 || line[0] != '{' || json.Unmarshal(line, &ev) != nil {
			fmt.Println(string(line)) // not an event: compiler output, say
			continue
		}
		id := ev.Package + "/" + ev.Test
		switch {
		case ev.Action == "build-output":
			fmt.Print(ev.Output)
		case ev.Test == "" && ev.Action == "output":
			// Package-level output: the standard final lines, and anything
			// printed outside tests (TestMain).
			if o := ev.Output; o != "PASS\n" && !strings.HasPrefix(o, "=== RUN") {
				fmt.Print(o)
			}
		case ev.Test == "" && ev.Action == "fail":
			pkgFailed[ev.Package] = true
		case ev.Test == "":
			// Package start, pass or skip ("no test files"): not a test.
		case ev.Action == "output":
			b := testOut[id]
			if b == nil {
				b = &strings.Builder{}
				testOut[id] = b
			}
			b.WriteString(ev.Output)
		case ev.Action == "pass":
			passed++
			delete(testOut, id)
		case ev.Action == "skip":
			skipped++
			if b := testOut[id]; b != nil && !strings.Contains(ev.Test, "/") {
				fmt.Print(b.String()) // says why
			}
			delete(testOut, id)
		case ev.Action == "fail":
			failed++
			pkgTestFailed[ev.Package] = true
			failedTests = append(failedTests, ev.Package+" "+ev.Test)
			if b := testOut[id]; b != nil && !strings.Contains(ev.Test, "/") {
				// A top-level test's output includes its subtests'.
				fmt.Print(b.String())
			}
			delete(testOut, id)
		}
	}
	if err := in.Err(); err != nil {
		fmt.Fprintln(os.Stderr, "testsummary:", err)
		failed++
	}
	for pkg := range pkgFailed {
		if !pkgTestFailed[pkg] {
			failed++
			failedTests = append(failedTests, pkg+" (package failed outside any test)")
		}
	}
	failed += *extraFailed
	if passed == 0 {
		// Every test skipped (no broker, say) or none ran: that is not a success.
		failed++
		failedTests = append(failedTests, fmt.Sprintf("no test passed (%d skipped)", skipped))
	}

	sort.Strings(failedTests)
	fmt.Println()
	for _, t := range failedTests {
		fmt.Println("FAILED:", t)
	}
	fmt.Printf("go client tests: %d passed, %d failed, %d skipped\n", passed, failed, skipped)
	if *countsPath != "" {
		if err := os.WriteFile(*countsPath, fmt.Appendf(nil, "%d %d\n", passed, failed), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "testsummary:", err)
			os.Exit(1)
		}
	}
	if failed > 0 {
		os.Exit(1)
	}
}
