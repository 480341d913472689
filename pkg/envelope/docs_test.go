package envelope

import (
	"os"
	"strconv"
	"strings"
	"testing"
)

// TestReadmesListEveryCode: both READMEs' error code tables have a row for every code in
// the table above, with its number and name (scripts match on them).
func TestReadmesListEveryCode(t *testing.T) {
	var codes []Code
	for c := Code(-40000); c <= 10000; c++ {
		if c.String() != "UNKNOWN" {
			codes = append(codes, c)
		}
	}
	if len(codes) < 7 {
		t.Fatalf("found only %v", codes)
	}
	for _, readme := range []string{"../../README.md", "../../README.zh-CN.md"} {
		raw, err := os.ReadFile(readme)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range codes {
			row := "| `" + strconv.Itoa(int(c)) + "` | " + c.String() + " |"
			if !strings.Contains(string(raw), row) {
				t.Errorf("%s has no error code row %q", readme, row)
			}
		}
	}
}
