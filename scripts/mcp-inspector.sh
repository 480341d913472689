#!/usr/bin/env bash
# mcp-inspector.sh — check a running seerrpilot's MCP endpoint with the official MCP Inspector
# CLI (npm @modelcontextprotocol/inspector). It starts nothing itself.
#
#   SEERRPILOT_URL=http://127.0.0.1:8770 ADMIN_TOKEN=... scripts/mcp-inspector.sh
#
# Needs Node.js 22.19 or newer (and npx): the pinned Inspector (2.x) declares
# engines node >= 22.19.0 and every release since 0.16 needs >= 22.7.5. On an older Node, a
# plain `npx @modelcontextprotocol/inspector` quietly falls back to 0.15, which has no
# --header; so this script checks the Node version first and says what to install.
#
# Steps: tools/list (all seven seerrpilot tools must be listed, and --strict must find no schema
# portability error), then tools/call queue_stats (must answer code 0). Any failure exits non-zero.
#
# The token goes into a temporary config file (mode 600, deleted on exit) rather than onto the
# command line, so `ps` never shows it. The equivalent one-off command (Node >= 22.19) is:
#   npx -y @modelcontextprotocol/inspector@2.12.0 --cli "$SEERRPILOT_URL/mcp" --transport http \
#     --header "Authorization: Bearer $ADMIN_TOKEN" --method tools/list
#
# Environment:
#   SEERRPILOT_URL     base URL of seerrpilot (required)
#   ADMIN_TOKEN        the operator token (or ADMIN_TOKEN_FILE: a file holding it)
#   INSPECTOR_VERSION  npm version of the Inspector (default 2.12.0, the one this was checked with)
#   NODE_MIN           the Node.js version it needs (default 22.19.0, from its package engines)
#
# Exit: 0 all checks passed, 1 a check failed, 2 wrong usage or a missing requirement.
set -euo pipefail

die() { echo "mcp-inspector: $*" >&2; exit 1; }
usage() { echo "mcp-inspector: $*" >&2; exit 2; }

case "${1:-}" in
-h | --help)
	sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"
	exit 0
	;;
"") ;;
*) usage "takes no arguments (got '$*'); it reads SEERRPILOT_URL and ADMIN_TOKEN, see --help" ;;
esac

[[ -n "${SEERRPILOT_URL:-}" ]] || usage "set SEERRPILOT_URL, e.g. SEERRPILOT_URL=http://127.0.0.1:8770 (seerrpilot's default port; add BASE_PATH if you set one)"
[[ "$SEERRPILOT_URL" =~ ^https?://[^/]+ ]] || usage "SEERRPILOT_URL must start with http:// or https://, e.g. http://127.0.0.1:8770"
if [[ -z "${ADMIN_TOKEN:-}" && -n "${ADMIN_TOKEN_FILE:-}" ]]; then
	[[ -f "$ADMIN_TOKEN_FILE" && -r "$ADMIN_TOKEN_FILE" ]] || usage "ADMIN_TOKEN_FILE $ADMIN_TOKEN_FILE is not a readable file"
	ADMIN_TOKEN="$(tr -d '\r\n' <"$ADMIN_TOKEN_FILE")"
fi
[[ -n "${ADMIN_TOKEN:-}" ]] || usage "set ADMIN_TOKEN (or ADMIN_TOKEN_FILE) to seerrpilot's ADMIN_TOKEN"

version="${INSPECTOR_VERSION:-2.12.0}"
node_min="${NODE_MIN:-22.19.0}"
need_node() {
	usage "$1. The MCP Inspector $version needs Node.js $node_min or newer: install Node.js 22 LTS or 24 (https://nodejs.org, or: nvm install 22), or run this script in a container: docker run --rm -it --network host -v \"\$PWD\":/w -w /w -e SEERRPILOT_URL -e ADMIN_TOKEN node:22 bash scripts/mcp-inspector.sh"
}
command -v node >/dev/null || need_node "node not found"
command -v npx >/dev/null || need_node "npx not found"
node_have="$(node --version)"
node_have="${node_have#v}"
# version_ge A B: A >= B, both x.y.z.
version_ge() {
	local IFS=.
	local -a a b
	read -r -a a <<<"$1"
	read -r -a b <<<"$2"
	for i in 0 1 2; do
		((${a[i]:-0} > ${b[i]:-0})) && return 0
		((${a[i]:-0} < ${b[i]:-0})) && return 1
	done
	return 0
}
version_ge "${node_have%%-*}" "$node_min" || need_node "this machine has Node.js $node_have"

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
for tool in get_task_status retry_task stop_task subscribe_media reconcile queue_stats send_test_notification; do
	grep -q "\"name\": \"$tool\"" <<<"$list" || die "tools/list does not list $tool"
done
echo "mcp-inspector: all seven tools listed"

echo "mcp-inspector: tools/call queue_stats"
if ! stats="$(inspector --method tools/call --tool-name queue_stats 2>"$tmp/call.err")"; then
	grep -Ev '^(npm warn|\[mcp-inspector\])' "$tmp/call.err" >&2 || true
	printf '%s\n' "$stats" >&2
	die "tools/call queue_stats failed"
fi
grep -q '"code": 0' <<<"$stats" || { printf '%s\n' "$stats" >&2; die "queue_stats did not answer code 0"; }
grep -m1 '^ *"text": ' <<<"$stats" | sed 's/^ *"text": /mcp-inspector: /' || true
echo "mcp-inspector: OK"
