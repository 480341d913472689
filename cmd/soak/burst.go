package main

import (
	"context"
	"fmt"

	"github.com/seerrpilot/seerrpilot/pkg/proc"
	"github.com/seerrpilot/seerrpilot/webhook/webhooktest"
)

// webhook is one approval to send.
type webhook struct {
	id   int // Seerr request id; the TMDB id is tmdbBase+id
	body []byte
}

// movieWebhooks renders a "request approved" movie webhook for each id, as Seerr does.
func movieWebhooks(ids []int) ([]webhook, error) {
	out := make([]webhook, len(ids))
	for i, id := range ids {
		b, err := webhooktest.Render(webhooktest.MovieApproved(id, tmdbBase+id, fmt.Sprintf("Soak Movie %d", id), 1990+id%35))
		if err != nil {
			return nil, err
		}
		out[i] = webhook{id: id, body: b}
	}
	return out, nil
}

// idRange is first, first+1, …, first+n-1.
func idRange(first, n int) []int {
	ids := make([]int, n)
	for i := range ids {
		ids[i] = first + i
	}
	return ids
}

// send posts hooks to svc's webhook endpoint as b says (proc.Sender.Send).
func send(ctx context.Context, svc *service, hooks []webhook, b proc.Burst) ([]proc.Outcome, error) {
	snd := proc.NewSender(svc.URL("/webhook/jellyseerr"), webhookSecret, b.Senders)
	return snd.Send(ctx, len(hooks), func(i int) ([]byte, error) { return hooks[i].body, nil }, b)
}

// sendAll sends every webhook and fails unless all were acknowledged.
func (h *harness) sendAll(ctx context.Context, svc *service, hooks []webhook) error {
	out, err := send(ctx, svc, hooks, proc.Burst{Senders: h.cfg.senders})
	if c := proc.CountOutcomes(out); c.Acked != len(hooks) {
		return fmt.Errorf("webhooks not all acknowledged: %s%s", c, errSuffix(err))
	}
	return nil
}
