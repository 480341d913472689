package notify

import (
	"context"
	"errors"

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

// NewSenders builds one sender per URL (NOTIFY_URLS). Errors name the URL's position and
// service, never the URL; pass them through the redaction guard (the service's own
// validation message may quote a part of it).
func NewSenders(urls []string) ([]Sender, error) {
	var out []Sender
	for _, raw := range urls {
		svc, err := newService(raw)
		if err != nil {
			return nil, err
		}
		out = append(out, &shoutrrrSender{name: Service(raw), svc: svc})
	}
	return out, nil
}
