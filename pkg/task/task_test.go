package task

import "testing"

func TestTransitionTable(t *testing.T) {
	allowed := map[[2]Status]bool{
		{StatusPending, StatusRunning}:   true,
		{StatusPending, StatusCancelled}: true,
		{StatusRunning, StatusSuccess}:   true,
		{StatusRunning, StatusFailed}:    true,
		{StatusRunning, StatusPending}:   true,
		{StatusRunning, StatusCancelled}: true,
		{StatusFailed, StatusPending}:    true,
		{StatusCancelled, StatusPending}: true,
	}
	for _, from := range Statuses {
		for _, to := range Statuses {
			want := from == to || allowed[[2]Status{from, to}]
			if got := CanTransition(from, to); got != want {
				t.Errorf("CanTransition(%s, %s) = %v, want %v", from, to, got, want)
			}
		}
	}
}
