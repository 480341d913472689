package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestHelpers(t *testing.T) {
	if !idLess("tsk_2", "tsk_10") || idLess("tsk_10", "tsk_9") {
		t.Error("idLess orders numerically")
	}
	if !equal([]string{"1396/S2", "550"}, []string{"550", "1396/S2"}) || equal([]string{"550"}, []string{"550", "1"}) {
		t.Error("equal ignores order only")
	}
	if key(1396, ptr(1)) != "1396/S1" || key(550, nil) != "550" || season(ptr(0)) != "S00" || season(nil) != "-" {
		t.Error("key/season formatting")
	}
}

func TestTailKeepsLastLines(t *testing.T) {
	p := filepath.Join(t.TempDir(), "log")
	var b strings.Builder
	for i := 0; i < 100; i++ {
		b.WriteString("line " + string(rune('a'+i%26)) + "\n")
	}
	b.WriteString("last\n")
	if err := os.WriteFile(p, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	got := tail(p, 3)
	if lines := strings.Split(strings.TrimSpace(got), "\n"); len(lines) != 3 || lines[2] != "last" {
		t.Fatalf("tail: %q", got)
	}
	kept := keepLog(p)
	defer os.Remove(kept)
	if b, err := os.ReadFile(kept); err != nil || !strings.HasSuffix(string(b), "last\n") {
		t.Fatalf("keepLog: %q %v", b, err)
	}
}
