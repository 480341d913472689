package clocktest

import (
	"context"
	"testing"
	"time"
)

func TestClockMovesOnlyWhenMoved(t *testing.T) {
	c := New(time.Time{})
	if !c.Now().Equal(Start) {
		t.Fatalf("New(zero) = %v, want %v", c.Now(), Start)
	}
	c.Advance(90 * time.Second)
	if got := c.Now().Sub(Start); got != 90*time.Second {
		t.Fatalf("after Advance: +%s", got)
	}
	if !c.Sleep(context.Background(), time.Minute) || c.Now().Sub(Start) != 150*time.Second {
		t.Fatalf("Sleep did not advance: +%s", c.Now().Sub(Start))
	}
	c.Sleep(context.Background(), -time.Hour) // a negative wait does not move time back
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if c.Sleep(ctx, time.Hour) || c.Now().Sub(Start) != 150*time.Second {
		t.Fatalf("Sleep on an ended context: +%s", c.Now().Sub(Start))
	}
	at := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	c.Set(at)
	if !New(at).Now().Equal(c.Now()) {
		t.Fatalf("Set: %v", c.Now())
	}
}
