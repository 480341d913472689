package server

import (
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"
)

// State is one component's readiness as /readyz shows it.
type State struct {
	Ready  bool           `json:"ready"`
	Status string         `json:"status"`           // short word: ok, disabled, degraded, paused, starting, error
	Detail string         `json:"detail,omitempty"` // one human sentence, never a secret
	Since  time.Time      `json:"since"`
	Info   map[string]any `json:"info,omitempty"` // e.g. the last reconcile summary
	// Problem names what is failing, for the body's "problems" list ("unreachable since …"),
	// even while the component is ready: readiness means webhooks can be stored.
	Problem string `json:"problem,omitempty"`
}

// Readiness collects component states. Components report; /readyz reads. Safe for concurrent use.
type Readiness struct {
	mu    sync.RWMutex
	now   func() time.Time
	state map[string]State
}

// NewReadiness returns an empty registry.
func NewReadiness(now func() time.Time) *Readiness {
	if now == nil {
		now = time.Now
	}
	return &Readiness{now: now, state: map[string]State{}}
}

// Set records a component's state. Since only moves when readiness or status changes.
func (r *Readiness) Set(name string, ready bool, status, detail string, info map[string]any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	old, had := r.state[name]
	since := r.now().UTC()
	if had && old.Ready == ready && old.Status == status {
		since = old.Since
	}
	r.state[name] = State{Ready: ready, Status: status, Detail: detail, Since: since, Info: info}
}

// SetState records a component's whole state, Problem included; Since is kept as in Set.
func (r *Readiness) SetState(name string, st State) {
	r.mu.Lock()
	defer r.mu.Unlock()
	old, had := r.state[name]
	st.Since = r.now().UTC()
	if had && old.Ready == st.Ready && old.Status == st.Status {
		st.Since = old.Since
	}
	r.state[name] = st
}

// Get returns a component's state.
func (r *Readiness) Get(name string) (State, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	s, ok := r.state[name]
	return s, ok
}

// Snapshot returns every state and whether all components are ready.
func (r *Readiness) Snapshot() (map[string]State, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make(map[string]State, len(r.state))
	all := true
	for k, v := range r.state {
		out[k] = v
		all = all && v.Ready
	}
	return out, all
}

// Pinger is the store as health checks see it.
type Pinger interface {
	Ping() error
}

type healthHandler struct {
	db    Pinger
	ready *Readiness
	out   jsonWriter
	check func() // runs before each /readyz answer (Options.ReadyCheck)
}

func (h healthHandler) Routes(r chi.Router) {
	r.Get("/healthz", h.healthz)
	r.Head("/healthz", h.healthz)
	r.Get("/readyz", h.readyz)
	r.Head("/readyz", h.readyz)
}

// healthz answers 200 {"status":"ok"} while the process and the database are usable.
// It is what Docker/k8s liveness probes and `seerrpilot healthcheck` call.
func (h healthHandler) healthz(w http.ResponseWriter, r *http.Request) {
	if err := h.db.Ping(); err != nil {
		h.out(w, http.StatusServiceUnavailable, map[string]any{"status": "error", "detail": "database unusable"})
		return
	}
	h.out(w, http.StatusOK, map[string]any{"status": "ok"})
}

// readyz answers 200 when every component is ready, else 503, with each component's state.
//
// Besides "status" and "components" the body has "problems": one "<component>: <problem>" line
// per failing part, ready or not ("moviepilot: unreachable since …", "store: disk full since …").
func (h healthHandler) readyz(w http.ResponseWriter, r *http.Request) {
	if h.check != nil {
		h.check()
	}
	states, ready := h.ready.Snapshot()
	if err := h.db.Ping(); err != nil {
		states["store"] = State{Ready: false, Status: "error", Detail: "database unusable", Since: time.Now().UTC()}
		ready = false
	} else if _, ok := states["store"]; !ok {
		states["store"] = State{Ready: true, Status: "ok", Since: time.Now().UTC()}
	}
	names := make([]string, 0, len(states))
	for k := range states {
		names = append(names, k)
	}
	sort.Strings(names)
	problems := []string{}
	for _, k := range names {
		switch st := states[k]; {
		case st.Problem != "":
			problems = append(problems, k+": "+st.Problem)
		case !st.Ready:
			problems = append(problems, k+": "+st.Status+detailSuffix(st.Detail))
		}
	}
	status, code := "ready", http.StatusOK
	if !ready {
		status, code = "not ready", http.StatusServiceUnavailable
	}
	h.out(w, code, ReadyzBody{Status: status, Components: states, Problems: problems})
}

// ReadyzBody is the /readyz answer, for the programs that read it (doctor, the soak).
// Fields are in the JSON's key order.
type ReadyzBody struct {
	Components map[string]State `json:"components"`
	Problems   []string         `json:"problems"`
	Status     string           `json:"status"` // "ready" or "not ready"
}

func detailSuffix(d string) string {
	if d == "" {
		return ""
	}
	return " (" + d + ")"
}
