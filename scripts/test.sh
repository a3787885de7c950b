#!/usr/bin/env bash
# Runs every test: installs the pinned reference MCP servers the integration tests talk to
# (tests/servers/package-lock.json), then the whole Rust test suite.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "error: Node.js and npm are required: the integration tests run the official MCP reference servers" >&2
  exit 2
fi
if [ -f tests/servers/package-lock.json ]; then
  npm ci --prefix tests/servers --no-audit --no-fund --loglevel=error
fi
cargo test --workspace "$@"
