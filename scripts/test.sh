#!/usr/bin/env bash
# Runs every test: installs the pinned reference MCP servers the integration tests talk to
# (tests/servers/package-lock.json) and the official MCP Python SDK into a test-only virtual
# environment (tests/python/requirements.txt), Chromium and ChromeDriver for the browser tests of
# `mcpward ui` (Debian's chromium and chromium-driver), nginx for the load-balancer test of
# `mcpward serve`, then the whole Rust test suite.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "error: Node.js and npm are required: the integration tests run the official MCP reference servers" >&2
  exit 2
fi
if [ -f tests/servers/package-lock.json ]; then
  npm ci --prefix tests/servers --no-audit --no-fund --loglevel=error
fi
if ! command -v python3 >/dev/null 2>&1; then
  echo "error: Python 3 is required: integration tests run servers built on the official MCP Python SDK" >&2
  exit 2
fi
venv=tests/python/.venv
if [ ! -x "$venv/bin/python" ] || ! cmp -s tests/python/requirements.txt "$venv/requirements.installed"; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r tests/python/requirements.txt
  cp tests/python/requirements.txt "$venv/requirements.installed"
fi
# The browser tests (crates/mcpward/tests/ui_browser.rs) drive Debian's Chromium through
# ChromeDriver. Install both when missing; when that is impossible the tests fail and say how to
# get them, unless MCPWARD_SKIP_BROWSER=1 (then they are skipped with a notice).
if [ "${MCPWARD_SKIP_BROWSER:-}" != "1" ] \
  && { ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; }; then
  sudo=""
  if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then
    sudo="sudo"
  fi
  echo "== installing chromium and chromium-driver for the browser tests"
  if ! command -v apt-get >/dev/null 2>&1 \
    || ! $sudo apt-get update -qq \
    || ! $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; then
    echo "warning: could not install chromium and chromium-driver (apt-get, as root or with sudo); the browser tests will fail; MCPWARD_SKIP_BROWSER=1 skips them" >&2
  fi
fi
# The load-balancer test of `mcpward serve` (crates/mcpward/tests/serve_nginx.rs) runs two
# instances behind Debian's nginx. Install it when missing; when that is impossible the test fails
# and says how to get it, unless MCPWARD_SKIP_NGINX=1 (then it is skipped with a notice).
if [ "${MCPWARD_SKIP_NGINX:-}" != "1" ] \
  && ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then
  sudo=""
  if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then
    sudo="sudo"
  fi
  echo "== installing nginx for the load-balancer test of mcpward serve"
  if ! command -v apt-get >/dev/null 2>&1 \
    || ! $sudo apt-get update -qq \
    || ! $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx; then
    echo "warning: could not install nginx (apt-get, as root or with sudo); the load-balancer test will fail; MCPWARD_SKIP_NGINX=1 skips it" >&2
  fi
fi
cargo test --workspace "$@"
