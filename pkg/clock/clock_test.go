package clock

import (
	"context"
	"testing"
	"time"
)

func TestSleep(t *testing.T) {
	if !Sleep(context.Background(), time.Millisecond) {
		t.Fatal("a wait with a live context did not pass")
	}
	if !Sleep(context.Background(), 0) {
		t.Fatal("a zero wait with a live context did not pass")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if Sleep(ctx, time.Hour) {
		t.Fatal("an hour's wait on an ended context passed")
	}
	if Sleep(ctx, 0) {
		t.Fatal("a zero wait on an ended context passed")
	}
}
