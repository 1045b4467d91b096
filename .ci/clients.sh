#!/usr/bin/env bash
# Installs the real agent clients that the client tests (make clients) run,
# at pinned versions, into a cache outside the repository:
# ${IPC_CLIENTS_DIR:-~/.cache/ipc-clients}/<client>-<version>. Prints one
# line per client, and the environment the tests read (IPC_CLAUDE, IPC_CODEX,
# IPC_GEMINI) with --env. A client npm cannot install is reported loudly;
# the others are still installed and the script still exits 0, so the tests
# of the missing client skip with its name.
set -uo pipefail

CLAUDE_CODE_VERSION=2.1.328
CODEX_VERSION=0.169.0
GEMINI_CLI_VERSION=0.61.0

dir="${IPC_CLIENTS_DIR:-$HOME/.cache/ipc-clients}"
mode="${1:-install}"

# install NAME PACKAGE VERSION BIN: npm-installs PACKAGE@VERSION under
# $dir/NAME-VERSION once, then checks that BIN runs --version.
install() {
  local name=$1 pkg=$2 version=$3 bin=$4
  local prefix="$dir/$name-$version"
  local exe="$prefix/node_modules/.bin/$bin"
  if [ ! -x "$exe" ] || ! "$exe" --version >/dev/null 2>&1; then
    mkdir -p "$prefix"
    # Claude Code declares node >= 22 but runs a native binary from its
    # platform package; npm only warns about engines, so node 20 installs it.
    if ! npm install --prefix "$prefix" --no-audit --no-fund --loglevel=error \
        "$pkg@$version" >"$prefix/npm.log" 2>&1; then
      echo "!! CLIENT MISSING: npm could not install $pkg@$version (see $prefix/npm.log); its tests will skip" >&2
      tail -5 "$prefix/npm.log" >&2
      return 0
    fi
  fi
  local got
  if ! got=$("$exe" --version 2>&1 | head -1); then
    echo "!! CLIENT MISSING: $pkg@$version installed but '$bin --version' fails: $got; its tests will skip" >&2
    return 0
  fi
  echo "client $name $version: $exe ($got)" >&2
  echo "export IPC_$(echo "$name" | tr a-z A-Z)=$exe"
}

envs=$(
  install claude @anthropic-ai/claude-code "$CLAUDE_CODE_VERSION" claude
  install codex @openai/codex "$CODEX_VERSION" codex
  install gemini @google/gemini-cli "$GEMINI_CLI_VERSION" gemini
)
if [ "$mode" = --env ]; then echo "$envs"; fi
exit 0
