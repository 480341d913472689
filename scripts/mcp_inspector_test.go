package scripts

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const testToken = "inspector-test-token-4d2f9a"

// stubTools writes fake node and npx into a directory: node answers --version with
// nodeVersion and hands everything else to the real node (the script writes its config file
// with it); npx records its arguments and answers like the Inspector CLI.
func stubTools(t *testing.T, nodeVersion string) (dir, argsFile string) {
	t.Helper()
	realNode, err := exec.LookPath("node")
	if err != nil {
		realNode = "" // only the --version answer is needed unless the script gets that far
	}
	dir = t.TempDir()
	argsFile = filepath.Join(dir, "npx.args")
	node := "#!/bin/sh\nif [ \"$1\" = --version ]; then echo " + nodeVersion + "; exit 0; fi\n"
	if realNode != "" {
		node += "exec " + realNode + " \"$@\"\n"
	} else {
		node += "echo no real node >&2; exit 1\n"
	}
	npx := "#!/bin/sh\necho \"$@\" >> " + argsFile + "\n" +
		"case \"$*\" in\n" +
		"*tools/list*) for n in get_task_status retry_task stop_task subscribe_media reconcile queue_stats send_test_notification; do echo \"  \\\"name\\\": \\\"$n\\\",\"; done ;;\n" +
		"*tools/call*) echo '  \"code\": 0,'; echo '  \"text\": \"queue: 0 pending\"' ;;\n" +
		"esac\n"
	for name, body := range map[string]string{"node": node, "npx": npx} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir, argsFile
}

func runScript(t *testing.T, pathDir string, env map[string]string, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command("bash", append([]string{"mcp-inspector.sh"}, args...)...)
	cmd.Env = []string{"PATH=" + pathDir + ":/usr/bin:/bin", "HOME=" + t.TempDir()}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	out, err := cmd.CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return code, string(out)
}

// TestMCPInspectorScriptArguments: the documented invocation works; wrong usage and a
// too-old Node stop with exit 2 and say what to do; the token never reaches the command line.
func TestMCPInspectorScriptArguments(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	old, _ := stubTools(t, "v20.20.2")
	good := map[string]string{"SEERRPILOT_URL": "http://127.0.0.1:8770", "ADMIN_TOKEN": testToken}
	cases := []struct {
		name string
		env  map[string]string
		args []string
		code int
		want string
	}{
		{"help", nil, []string{"--help"}, 0, "SEERRPILOT_URL=http://127.0.0.1:8770"},
		{"extra argument", good, []string{"http://x"}, 2, "takes no arguments"},
		{"no URL", map[string]string{"ADMIN_TOKEN": testToken}, nil, 2, "SEERRPILOT_URL=http://127.0.0.1:8770"},
		{"URL without scheme", map[string]string{"SEERRPILOT_URL": "127.0.0.1:8770", "ADMIN_TOKEN": testToken}, nil, 2, "must start with http://"},
		{"no token", map[string]string{"SEERRPILOT_URL": "http://127.0.0.1:8770"}, nil, 2, "set ADMIN_TOKEN"},
		{"missing token file", map[string]string{"SEERRPILOT_URL": "http://127.0.0.1:8770", "ADMIN_TOKEN_FILE": filepath.Join(t.TempDir(), "missing")}, nil, 2, "not a readable file"},
		{"token file is a directory", map[string]string{"SEERRPILOT_URL": "http://127.0.0.1:8770", "ADMIN_TOKEN_FILE": t.TempDir()}, nil, 2, "not a readable file"},
		{"Node 20", good, nil, 2, "this machine has Node.js 20.20.2. The MCP Inspector 2.12.0 needs Node.js 22.19.0 or newer"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, out := runScript(t, old, tc.env, tc.args...)
			if code != tc.code || !strings.Contains(out, tc.want) {
				t.Fatalf("exit %d, want %d with %q:\n%s", code, tc.code, tc.want, out)
			}
			if strings.Contains(out, testToken) {
				t.Fatalf("output shows the token:\n%s", out)
			}
		})
	}

	t.Run("Node 22.19 runs the pinned Inspector", func(t *testing.T) {
		if _, err := exec.LookPath("node"); err != nil {
			t.Skip("no node to write the config file with")
		}
		dir, argsFile := stubTools(t, "v22.19.0")
		tokenFile := filepath.Join(t.TempDir(), "token")
		if err := os.WriteFile(tokenFile, []byte(testToken+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		code, out := runScript(t, dir, map[string]string{"SEERRPILOT_URL": "http://127.0.0.1:8770/", "ADMIN_TOKEN_FILE": tokenFile})
		if code != 0 || !strings.Contains(out, "on http://127.0.0.1:8770/mcp") || !strings.Contains(out, "mcp-inspector: OK") {
			t.Fatalf("exit %d:\n%s", code, out)
		}
		args, err := os.ReadFile(argsFile)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(args), "@modelcontextprotocol/inspector@2.12.0 --cli --config") || strings.Contains(string(args), testToken) {
			t.Fatalf("npx arguments:\n%s", args)
		}
	})
}
