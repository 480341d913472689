package config

import (
	"os"
	"reflect"
	"strings"
	"testing"
)

// TestReadmesListEveryVariable: both READMEs list every environment variable Load reads
// (a *_FILE variant may be written "`X` / `_FILE`") with its default.
func TestReadmesListEveryVariable(t *testing.T) {
	typ := reflect.TypeOf(env{})
	if typ.NumField() < 20 {
		t.Fatalf("env has only %d fields", typ.NumField())
	}
	for _, readme := range []string{"../../README.md", "../../README.zh-CN.md"} {
		raw, err := os.ReadFile(readme)
		if err != nil {
			t.Fatal(err)
		}
		text := string(raw)
		for i := range typ.NumField() {
			f := typ.Field(i)
			name := f.Tag.Get("envconfig")
			if name == "" {
				t.Fatalf("field %s has no envconfig name", f.Name)
			}
			row := "| `" + name + "`"
			if base, ok := strings.CutSuffix(name, "_FILE"); ok && !strings.Contains(text, row) {
				row = "| `" + base + "` / `_FILE`"
			}
			line := ""
			for _, l := range strings.Split(text, "\n") {
				if strings.HasPrefix(l, row+" |") || strings.HasPrefix(l, row+" / `_FILE` |") {
					line = l
					break
				}
			}
			if line == "" {
				t.Errorf("%s has no configuration row for %s", readme, name)
				continue
			}
			if def := f.Tag.Get("default"); def != "" && !strings.Contains(line, "| `"+def+"` |") {
				t.Errorf("%s: the row of %s does not give its default %q: %s", readme, name, def, line)
			}
		}
	}
}
