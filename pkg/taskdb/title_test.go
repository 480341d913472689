package taskdb

import (
	"path/filepath"
	"testing"

	"github.com/seerrpilot/seerrpilot/pkg/task"
)

// The store cleans whatever a producer hands it (reconcile has no edge of its own for titles).
func TestEnqueueCleansTheTitle(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), FileName), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	res, err := s.Enqueue(t.Context(), task.SourceReconcile, task.Input{RequestID: 5, TMDBID: 603, MediaType: task.TypeMovie, Title: "The\r\nMatrix\u202e\x1b"})
	if err != nil {
		t.Fatal(err)
	}
	tk, err := s.Get(t.Context(), res.Task.ID)
	if err != nil {
		t.Fatal(err)
	}
	if tk.Input.Title != "The  Matrix" {
		t.Fatalf("stored title %q", tk.Input.Title)
	}
}
