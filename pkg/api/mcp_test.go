package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/seerrpilot/seerrpilot/pkg/api"
	"github.com/seerrpilot/seerrpilot/pkg/reconcilepass"
	"github.com/seerrpilot/seerrpilot/pkg/task"
	"github.com/seerrpilot/seerrpilot/pkg/taskdb"
)

// bearer adds the admin token to every request, as an MCP client configured with a header does.
type bearer struct {
	base  http.RoundTripper
	token string
}

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	if b.token != "" {
		r.Header.Set("Authorization", "Bearer "+b.token)
	}
	return b.base.RoundTrip(r)
}

// connect opens an MCP session over real HTTP with the go-sdk's own client.
func connect(t *testing.T, e *env, tok string) (*mcp.ClientSession, error) {
	t.Helper()
	srv := httptest.NewServer(e.h)
	t.Cleanup(srv.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	client := mcp.NewClient(&mcp.Implementation{Name: "seerrpilot-test", Version: "1"}, nil)
	cs, err := client.Connect(ctx, &mcp.StreamableClientTransport{
		Endpoint:   srv.URL + "/mcp",
		HTTPClient: &http.Client{Transport: bearer{base: http.DefaultTransport, token: tok}, Timeout: 10 * time.Second},
		MaxRetries: -1,
	}, nil)
	if err == nil {
		t.Cleanup(func() { _ = cs.Close() })
	}
	return cs, err
}

func mustConnect(t *testing.T, e *env) *mcp.ClientSession {
	t.Helper()
	cs, err := connect(t, e, token)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	return cs
}

// toolAnswer is a tool result: its envelope, text and error flag.
type toolAnswer struct {
	answer
	IsError bool
	Text    string
}

func call(t *testing.T, cs *mcp.ClientSession, name string, args map[string]any) toolAnswer {
	t.Helper()
	res, err := cs.CallTool(t.Context(), &mcp.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		t.Fatalf("%s: protocol error %v (tool errors must be results)", name, err)
	}
	out := toolAnswer{IsError: res.IsError}
	for _, c := range res.Content {
		if tc, ok := c.(*mcp.TextContent); ok {
			out.Text += tc.Text
		}
	}
	raw, err := json.Marshal(res.StructuredContent)
	if err != nil || res.StructuredContent == nil {
		t.Fatalf("%s: no structured content (%v): %+v", name, err, res)
	}
	out.Raw = string(raw)
	if err := json.Unmarshal(raw, &out.answer); err != nil {
		t.Fatalf("%s: structured content is not an envelope: %s", name, raw)
	}
	if strings.Contains(out.Raw+out.Text, token) {
		t.Fatalf("%s: result leaks the token", name)
	}
	if out.Text == "" {
		t.Fatalf("%s: no human text content", name)
	}
	return out
}

func (a toolAnswer) wantOK(t *testing.T, msgHas ...string) {
	t.Helper()
	if a.IsError || a.Code != 0 {
		t.Fatalf("want success, got isError=%v code %d %q", a.IsError, a.Code, a.Msg)
	}
	for _, s := range msgHas {
		if !strings.Contains(a.Msg, s) {
			t.Fatalf("msg %q lacks %q", a.Msg, s)
		}
	}
}

func (a toolAnswer) wantErr(t *testing.T, code int, msgHas ...string) {
	t.Helper()
	if !a.IsError || a.Code != code {
		t.Fatalf("want isError with code %d, got isError=%v code %d %q", code, a.IsError, a.Code, a.Msg)
	}
	for _, s := range msgHas {
		if !strings.Contains(a.Msg, s) {
			t.Fatalf("msg %q lacks %q", a.Msg, s)
		}
	}
	if !strings.Contains(a.Text, "error") {
		t.Fatalf("error text %q does not say so", a.Text)
	}
}

func TestMCPNeedsTheToken(t *testing.T) {
	e := newEnv(t, envOpts{})
	for _, tok := range []string{"", "wrong-token"} {
		if _, err := connect(t, e, tok); err == nil {
			t.Fatalf("connected with token %q", tok)
		}
	}
}

func TestMCPInitializeAndListTools(t *testing.T) {
	e := newEnv(t, envOpts{})
	cs := mustConnect(t, e)
	init := cs.InitializeResult()
	if init == nil || init.ServerInfo == nil || init.ServerInfo.Name != "seerrpilot" || init.ServerInfo.Version != "test" {
		t.Fatalf("initialize: %+v", init)
	}
	if init.Capabilities == nil || init.Capabilities.Tools == nil {
		t.Fatalf("no tools capability: %+v", init.Capabilities)
	}
	if !strings.Contains(init.Instructions, "{code, msg, data}") {
		t.Fatalf("instructions %q", init.Instructions)
	}

	res, err := cs.ListTools(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	type want struct {
		readOnly, destructive, idempotent bool
		required                          []string
		props                             []string
	}
	wants := map[string]want{
		api.ToolGetTaskStatus:        {readOnly: true, idempotent: true, props: []string{"taskId", "status", "limit"}},
		api.ToolQueueStats:           {readOnly: true, idempotent: true},
		api.ToolRetryTask:            {idempotent: true, required: []string{"taskId"}, props: []string{"taskId"}},
		api.ToolStopTask:             {destructive: true, idempotent: true, required: []string{"taskId"}, props: []string{"taskId", "reason"}},
		api.ToolSubscribeMedia:       {idempotent: true, required: []string{"tmdbId", "mediaType"}, props: []string{"tmdbId", "mediaType", "seasons", "title", "year"}},
		api.ToolReconcile:            {idempotent: true, props: []string{"dryRun"}},
		api.ToolSendTestNotification: {},
	}
	if len(res.Tools) != len(wants) {
		t.Fatalf("%d tools, want %d", len(res.Tools), len(wants))
	}
	for _, tool := range res.Tools {
		w, ok := wants[tool.Name]
		if !ok {
			t.Fatalf("unexpected tool %q", tool.Name)
		}
		a := tool.Annotations
		if a == nil || a.ReadOnlyHint != w.readOnly || a.IdempotentHint != w.idempotent ||
			a.DestructiveHint == nil || *a.DestructiveHint != w.destructive || a.Title == "" {
			t.Errorf("%s annotations %+v", tool.Name, a)
		}
		if tool.Description == "" || tool.Title == "" {
			t.Errorf("%s has no description or title", tool.Name)
		}
		var schema struct {
			Type                 string `json:"type"`
			Required             []string
			AdditionalProperties any `json:"additionalProperties"`
			Properties           map[string]struct {
				Type        any    `json:"type"`
				Description string `json:"description"`
			} `json:"properties"`
		}
		raw, _ := json.Marshal(tool.InputSchema)
		if err := json.Unmarshal(raw, &schema); err != nil || schema.Type != "object" {
			t.Fatalf("%s schema %s", tool.Name, raw)
		}
		if schema.AdditionalProperties != false {
			t.Errorf("%s schema allows unknown arguments: %s", tool.Name, raw)
		}
		slices.Sort(schema.Required)
		wr := slices.Clone(w.required)
		slices.Sort(wr)
		if !slices.Equal(schema.Required, wr) {
			t.Errorf("%s required %v, want %v", tool.Name, schema.Required, wr)
		}
		if len(schema.Properties) != len(w.props) {
			t.Errorf("%s properties %s", tool.Name, raw)
		}
		for _, p := range w.props {
			if schema.Properties[p].Description == "" {
				t.Errorf("%s.%s has no description", tool.Name, p)
			}
		}
		var out struct {
			Properties map[string]any `json:"properties"`
		}
		raw, _ = json.Marshal(tool.OutputSchema)
		_ = json.Unmarshal(raw, &out)
		for _, f := range []string{"code", "msg", "data"} {
			if _, ok := out.Properties[f]; !ok {
				t.Errorf("%s output schema lacks %s: %s", tool.Name, f, raw)
			}
		}
	}
}

func TestMCPGetTaskStatus(t *testing.T) {
	e := newEnv(t, envOpts{})
	a1 := e.seed(t, task.SourceWebhook, seerrMovie(1, 601))
	a2 := e.seed(t, task.SourceWebhook, seerrMovie(2, 602))
	e.claim(t)
	e.fail(t, a1.ID)
	cs := mustConnect(t, e)

	r := call(t, cs, api.ToolGetTaskStatus, map[string]any{"taskId": a1.ID})
	r.wantOK(t, a1.ID, "failed", "moviepilot said no")
	var tk task.Task
	r.into(t, &tk)
	if tk.ID != a1.ID || tk.Attempts != 3 || len(tk.History) == 0 {
		t.Fatalf("task %+v", tk)
	}

	r = call(t, cs, api.ToolGetTaskStatus, map[string]any{})
	r.wantOK(t, "2 of 2")
	var list api.TaskList
	r.into(t, &list)
	if list.Total != 2 || list.Tasks[0].ID != a2.ID {
		t.Fatalf("list %+v", list)
	}
	r = call(t, cs, api.ToolGetTaskStatus, map[string]any{"status": "failed", "limit": 1})
	r.into(t, &list)
	if list.Total != 1 || len(list.Tasks) != 1 || list.Tasks[0].ID != a1.ID {
		t.Fatalf("filtered %+v", list)
	}

	bad := []struct {
		name string
		args map[string]any
		code int
		has  []string
	}{
		{"not found", map[string]any{"taskId": "tsk_404"}, 1002, []string{"tsk_404"}},
		{"malformed id", map[string]any{"taskId": "42"}, 1001, []string{"tsk_<number>"}},
		{"bad status", map[string]any{"status": "broken"}, 1001, []string{"pending, running"}},
		{"limit too big", map[string]any{"limit": 500}, 1001, []string{"1 to 100"}},
		{"id and status", map[string]any{"taskId": a1.ID, "status": "failed"}, 1001, []string{"not both"}},
		{"unknown argument", map[string]any{"id": a1.ID}, 1001, []string{"invalid arguments"}},
		{"wrong type", map[string]any{"limit": "ten"}, 1001, []string{"invalid arguments"}},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			call(t, cs, api.ToolGetTaskStatus, tt.args).wantErr(t, tt.code, tt.has...)
		})
	}
}

func TestMCPRetryAndStop(t *testing.T) {
	e := newEnv(t, envOpts{})
	a1 := e.seed(t, task.SourceWebhook, seerrMovie(1, 601))
	a2 := e.seed(t, task.SourceWebhook, seerrMovie(2, 602))
	e.claim(t)
	e.fail(t, a1.ID)
	cs := mustConnect(t, e)

	r := call(t, cs, api.ToolRetryTask, map[string]any{"taskId": a1.ID})
	r.wantOK(t, "pending")
	var tk task.Task
	r.into(t, &tk)
	if tk.ID != a1.ID || tk.Attempts != 0 || tk.Status != task.StatusPending {
		t.Fatalf("retry %+v", tk)
	}
	r = call(t, cs, api.ToolRetryTask, map[string]any{"taskId": a1.ID})
	r.wantErr(t, 1003, "is pending")
	var sd api.StatusData
	r.into(t, &sd)
	if sd.ID != a1.ID || sd.Status != task.StatusPending {
		t.Fatalf("conflict data %+v", sd)
	}
	call(t, cs, api.ToolRetryTask, map[string]any{"taskId": "tsk_99"}).wantErr(t, 1002)
	call(t, cs, api.ToolRetryTask, map[string]any{}).wantErr(t, 1001, "invalid arguments")

	// a2 is the next due: make it running, then stop it.
	if run := e.claim(t); run.ID != a1.ID && run.ID != a2.ID {
		t.Fatalf("claimed %s", run.ID)
	}
	running, _, _ := e.store.List(t.Context(), taskdb.ListOptions{Status: task.StatusRunning})
	if len(running) != 1 {
		t.Fatalf("running: %d", len(running))
	}
	r = call(t, cs, api.ToolStopTask, map[string]any{"taskId": running[0].ID, "reason": "operator test"})
	r.wantOK(t, "cancelled")
	r.into(t, &tk)
	if tk.Status != task.StatusCancelled || tk.Reason != "operator test" {
		t.Fatalf("stop %+v", tk)
	}
	call(t, cs, api.ToolStopTask, map[string]any{"taskId": running[0].ID}).wantErr(t, 1003, "is cancelled")
	call(t, cs, api.ToolStopTask, map[string]any{"taskId": "tsk_99"}).wantErr(t, 1002)
}

func TestMCPSubscribeMedia(t *testing.T) {
	e := newEnv(t, envOpts{})
	cs := mustConnect(t, e)

	r := call(t, cs, api.ToolSubscribeMedia, map[string]any{"tmdbId": 1399, "mediaType": "tv", "seasons": []int{1, 1, 2}})
	r.wantOK(t, "created")
	var res api.SubscribeResult
	r.into(t, &res)
	if !res.Created || res.Key != "tmdb:tv:1399" {
		t.Fatalf("%+v", res)
	}
	tk, err := e.store.Get(t.Context(), res.TaskID)
	if err != nil || tk.Source != task.SourceManual || len(tk.Input.Seasons) != 2 {
		t.Fatalf("stored %+v %v", tk, err)
	}
	bad := []struct {
		name string
		args map[string]any
		has  string
	}{
		{"movie with seasons", map[string]any{"tmdbId": 603, "mediaType": "movie", "seasons": []int{1}}, "movie has no seasons"},
		{"tv without seasons", map[string]any{"tmdbId": 1, "mediaType": "tv"}, "seasons is required"},
		{"missing tmdbId", map[string]any{"mediaType": "movie"}, "invalid arguments"},
		{"unknown argument", map[string]any{"tmdbId": 1, "mediaType": "movie", "quality": "4k"}, "invalid arguments"},
		{"string id", map[string]any{"tmdbId": "603", "mediaType": "movie"}, "invalid arguments"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			call(t, cs, api.ToolSubscribeMedia, tt.args).wantErr(t, 1001, tt.has)
		})
	}
}

func TestMCPReconcile(t *testing.T) {
	e := newEnv(t, envOpts{})
	cs := mustConnect(t, e)
	r := call(t, cs, api.ToolReconcile, map[string]any{"dryRun": true})
	r.wantOK(t, "dry-run", "enqueued 2")
	var sum reconcilepass.Summary
	r.into(t, &sum)
	if sum.RunID != "run-1" || !sum.DryRun || sum.Enqueued != 2 {
		t.Fatalf("summary %+v", sum)
	}
	r = call(t, cs, api.ToolReconcile, nil)
	r.wantOK(t, "reconcile pass run-1")
	if len(e.rec.opts) != 2 || !e.rec.opts[0].DryRun || e.rec.opts[1].DryRun {
		t.Fatalf("trigger options %+v", e.rec.opts)
	}

	e.rec.sum = &reconcilepass.Summary{RunID: "run-2", Outcome: "error", Error: "seerr: 502 bad gateway"}
	r = call(t, cs, api.ToolReconcile, nil)
	r.wantErr(t, 5000, "run-2 failed", "502")
	r.into(t, &sum)
	if sum.RunID != "run-2" {
		t.Fatalf("failed summary %+v", sum)
	}
	// The poller returns the summary and the pass error together.
	e.rec.sum = &reconcilepass.Summary{RunID: "run-3", Outcome: "error"}
	e.rec.err = errors.New("seerr: connection refused")
	call(t, cs, api.ToolReconcile, nil).wantErr(t, 5000, "run-3 failed", "connection refused")
	// No pass at all (poller stopping): no summary.
	e.rec.sum, e.rec.err = nil, errors.New("reconcile: poller stopped")
	call(t, cs, api.ToolReconcile, nil).wantErr(t, 5000, "could not run", "poller stopped")
	// A pass that outlives the wait goes on: code 0 with its run id, as POST /reconcile?wait=true
	// answers (it answered 504 here before the two shared one trigger).
	e.rec.runID, e.rec.err = "run-4", context.DeadlineExceeded
	r = call(t, cs, api.ToolReconcile, nil)
	r.wantOK(t, "run-4 is still running")
	var started struct {
		RunID  string `json:"runId"`
		Joined bool   `json:"joined"`
	}
	if r.into(t, &started); started.RunID != "run-4" {
		t.Fatalf("data %+v", started)
	}

	off := newEnv(t, envOpts{noRec: true})
	call(t, mustConnect(t, off), api.ToolReconcile, nil).wantErr(t, 5000, "reconcile is off: set JELLY_URL and JELLY_API_KEY")
}

func TestMCPQueueStats(t *testing.T) {
	e := newEnv(t, envOpts{})
	e.seed(t, task.SourceManual, movie(1))
	cs := mustConnect(t, e)
	r := call(t, cs, api.ToolQueueStats, nil)
	r.wantOK(t, "1 tasks", "1 pending")
	var st api.Stats
	r.into(t, &st)
	if st.Total != 1 || st.ByStatus[task.StatusPending] != 1 || st.Worker == nil {
		t.Fatalf("stats %+v", st)
	}
	call(t, cs, api.ToolQueueStats, map[string]any{"x": 1}).wantErr(t, 1001, "invalid arguments")

	broken := newEnv(t, envOpts{store: brokenStore{err: errDisk}})
	call(t, mustConnect(t, broken), api.ToolQueueStats, nil).wantErr(t, 5000, "unavailable")
}

// Requests larger than the body limit are refused by the transport.
func TestMCPBodyLimit(t *testing.T) {
	e := newEnv(t, envOpts{})
	srv := httptest.NewServer(e.h)
	defer srv.Close()
	body := `{"jsonrpc":"2.0","id":1,"method":"ping","params":{"pad":"` + strings.Repeat("x", api.MaxBodyBytes) + `"}}`
	req, _ := http.NewRequest("POST", srv.URL+"/mcp", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("status %d, want 413", resp.StatusCode)
	}
}

// A reverse proxy on the same host connects over loopback with the public Host header.
func TestMCPBehindLocalReverseProxy(t *testing.T) {
	e := newEnv(t, envOpts{})
	srv := httptest.NewServer(e.h)
	defer srv.Close()
	body := `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"queue_stats","arguments":{}}}`
	req, _ := http.NewRequest("POST", srv.URL+"/mcp", strings.NewReader(body))
	req.Host = "seerrpilot.example.com"
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var rpc struct {
		Result struct {
			StructuredContent struct {
				Code int `json:"code"`
			} `json:"structuredContent"`
		} `json:"result"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&rpc); err != nil || resp.StatusCode != 200 || rpc.Result.StructuredContent.Code != 0 {
		t.Fatalf("status %d, %+v, %v", resp.StatusCode, rpc, err)
	}
}
