#!/usr/bin/env bash
# mcp-inspector.sh — check a running seerrpilot's MCP endpoint with the official MCP Inspector
# CLI (npm @modelcontextprotocol/inspector). It starts nothing itself.
#
#   SEERRPILOT_URL=http://127.0.0.1:8080 ADMIN_TOKEN=... scripts/mcp-inspector.sh
#
# Steps: tools/list (all six seerrpilot tools must be listed, and --strict must find no schema
# portability error), then tools/call queue_stats (must answer code 0). Any failure exits non-zero.
#
# The token goes into a temporary config file (mode 600, deleted on exit) rather than onto the
# command line, so `ps` never shows it. The equivalent one-off command is:
#   npx -y @modelcontextprotocol/inspector --cli "$SEERRPILOT_URL/mcp" --transport http \
#     --header "Authorization: Bearer $ADMIN_TOKEN" --method tools/list
#
# Environment:
#   SEERRPILOT_URL     base URL of seerrpilot (required)
#   ADMIN_TOKEN        the operator token (or ADMIN_TOKEN_FILE: a file holding it)
#   INSPECTOR_VERSION  npm version of the Inspector (default 2.12.0, the one this was checked with)
set -euo pipefail

die() { echo "mcp-inspector: $*" >&2; exit 1; }

[[ -n "${SEERRPILOT_URL:-}" ]] || die "set SEERRPILOT_URL, e.g. http://127.0.0.1:8080"
if [[ -z "${ADMIN_TOKEN:-}" && -n "${ADMIN_TOKEN_FILE:-}" ]]; then
	[[ -r "$ADMIN_TOKEN_FILE" ]] || die "ADMIN_TOKEN_FILE $ADMIN_TOKEN_FILE is not readable"
	ADMIN_TOKEN="$(tr -d '\r\n' <"$ADMIN_TOKEN_FILE")"
fi
[[ -n "${ADMIN_TOKEN:-}" ]] || die "set ADMIN_TOKEN (or ADMIN_TOKEN_FILE)"
command -v npx >/dev/null || die "npx not found: install Node.js 20 or newer"
command -v node >/dev/null || die "node not found: install Node.js 20 or newer"

version="${INSPECTOR_VERSION:-2.12.0}"
endpoint="${SEERRPILOT_URL%/}/mcp"

umask 077
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
config="$tmp/mcp.json"
# node writes the JSON so any character in the token is escaped correctly.
MCP_ENDPOINT="$endpoint" node -e '
const fs = require("fs");
fs.writeFileSync(process.argv[1], JSON.stringify({mcpServers: {seerrpilot: {
  type: "streamable-http",
  url: process.env.MCP_ENDPOINT,
  headers: {Authorization: "Bearer " + process.env.ADMIN_TOKEN},
}}}), {mode: 0o600});
' "$config"
export ADMIN_TOKEN

# No OS keychain is needed: secrets stay in memory for this run only.
export MCP_INSPECTOR_SECRET_STORE=memory

inspector() {
	# --stored-auth-only: never start an interactive OAuth flow on a 401; fail instead.
	npx -y "@modelcontextprotocol/inspector@${version}" --cli \
		--config "$config" --server seerrpilot --stored-auth-only "$@"
}

echo "mcp-inspector: tools/list on $endpoint (Inspector $version)"
if ! list="$(inspector --method tools/list --strict 2>"$tmp/list.err")"; then
	grep -Ev '^(npm warn|\[mcp-inspector\])' "$tmp/list.err" >&2 || true
	die "tools/list failed (wrong token, wrong URL, or a schema error above)"
fi
for tool in get_task_status retry_task stop_task subscribe_media reconcile queue_stats; do
	grep -q "\"name\": \"$tool\"" <<<"$list" || die "tools/list does not list $tool"
done
echo "mcp-inspector: all six tools listed"

echo "mcp-inspector: tools/call queue_stats"
if ! stats="$(inspector --method tools/call --tool-name queue_stats 2>"$tmp/call.err")"; then
	grep -Ev '^(npm warn|\[mcp-inspector\])' "$tmp/call.err" >&2 || true
	printf '%s\n' "$stats" >&2
	die "tools/call queue_stats failed"
fi
grep -q '"code": 0' <<<"$stats" || { printf '%s\n' "$stats" >&2; die "queue_stats did not answer code 0"; }
grep -m1 '^ *"text": ' <<<"$stats" | sed 's/^ *"text": /mcp-inspector: /' || true
echo "mcp-inspector: OK"
