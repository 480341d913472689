package notify

import (
	"context"
	"errors"

	"github.com/cenkalti/backoff/v4"
	"github.com/nicholas-fedor/shoutrrr/pkg/types"
)

// Sender delivers one notice to one target.
type Sender interface {
	// Name names the target for logs and errors: the service ("telegram"), never the URL.
	Name() string
	Send(ctx context.Context, title, body string) error
}

// shoutrrrSender is one NOTIFY_URLS entry.
type shoutrrrSender struct {
	name string
	svc  types.Service
}

func (s *shoutrrrSender) Name() string { return s.name }

// Send runs shoutrrr's Send, which takes no context, on its own goroutine and gives up when ctx
// ends (the goroutine then finishes on its own: every shoutrrr service has an HTTP timeout or
// the default client's). Only the title parameter is set; each service places it its own way.
func (s *shoutrrrSender) Send(ctx context.Context, title, body string) error {
	params := types.Params{types.TitleKey: title}
	done := make(chan error, 1)
	go func() { done <- s.svc.Send(body, &params) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return errors.New("no answer in time: " + ctx.Err().Error())
	}
}

// Messenger sends through MoviePilot's own notification channels: the target moviepilot:// in
// NOTIFY_URLS (pkg/moviepilot's Client: MoviePilot's MCP tool send_message).
type Messenger interface {
	// SendMessage returns nil only when MoviePilot accepted the message.
	SendMessage(ctx context.Context, title, text string) error
	// CheckMessaging says whether SendMessage can work, sending nothing.
	CheckMessaging(ctx context.Context) error
}

// mpSender is the moviepilot:// target.
type mpSender struct{ mp Messenger }

func (s mpSender) Name() string { return MoviePilotService }

// Send hands the notice to MoviePilot. An error that says retrying cannot help (no MCP
// endpoint, a refused token, an answer that may mean "sent") ends the retries at once.
func (s mpSender) Send(ctx context.Context, title, body string) error {
	err := s.mp.SendMessage(ctx, title, body)
	var r interface{ Retryable() bool }
	if err != nil && errors.As(err, &r) && !r.Retryable() {
		return backoff.Permanent(err)
	}
	return err
}

// Check is run once when the notifier starts (see Run).
func (s mpSender) Check(ctx context.Context) error { return s.mp.CheckMessaging(ctx) }

// NewSenders builds one sender per URL (NOTIFY_URLS); moviepilot:// sends through mp, which
// must then be set. Errors name the URL's position and service, never the URL; pass them
// through the redaction guard (the service's own validation message may quote a part of it).
func NewSenders(urls []string, mp Messenger) ([]Sender, error) {
	var out []Sender
	for _, raw := range urls {
		if Service(raw) == MoviePilotService {
			if err := checkMoviePilotURL(raw); err != nil {
				return nil, err
			}
			if mp == nil {
				return nil, errors.New("moviepilot:// sends through MoviePilot, which is not configured (MP_URL)")
			}
			out = append(out, mpSender{mp})
			continue
		}
		svc, err := newService(raw)
		if err != nil {
			return nil, err
		}
		out = append(out, &shoutrrrSender{name: Service(raw), svc: svc})
	}
	return out, nil
}
