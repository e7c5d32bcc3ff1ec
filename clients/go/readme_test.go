package ferry

import (
	"os"
	"strings"
	"testing"
)

// TestReadmeExampleIsQuickstart keeps README.md's example identical to
// examples/quickstart/main.go, which go vet compiles and which uses only this API.
func TestReadmeExampleIsQuickstart(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	example, err := os.ReadFile("examples/quickstart/main.go")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), "```go\n"+string(example)+"```\n") {
		t.Error("README.md does not contain examples/quickstart/main.go verbatim in a go block; copy it over")
	}
}
