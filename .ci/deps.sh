#!/usr/bin/env bash
# The import arrows of ARCHITECTURE.md, enforced: for each package of the
# module, the packages of this module it may import directly (test files
# excluded). A package missing from the table fails, so a new package
# gets its arrows written down here and in ARCHITECTURE.md.
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
M=github.com/ipc-dev/ipc

# package            may import (space-separated, relative to the module)
arrows=$(cat <<'TABLE'
maildir              internal/durable internal/watch internal/text internal/search
internal/durable     -
internal/watch       -
internal/text        -
internal/search      -
internal/wire        -
internal/readcount   -
internal/peercred    -
internal/rootfile    internal/wire
internal/present     maildir internal/text internal/wire
internal/sharecmd    maildir
client               internal/wire internal/rootfile
mcp                  maildir internal/present internal/sharecmd internal/text internal/wire
socket               maildir client internal/durable internal/peercred internal/present internal/rootfile internal/text internal/wire
hook                 maildir internal/present internal/text
web                  maildir internal/peercred
cmd/ipc              *
internal/ipctest     -
internal/ipcchild    -
internal/fakemodel   -
e2e                  *
e2e/console          *
TABLE
)

fail=0
while read -r pkg imports; do
  rel=${pkg#"$M"}; rel=${rel#/}
  allowed=$(awk -v p="$rel" '$1 == p { $1 = ""; print; found = 1 } END { if (!found) print "?" }' <<<"$arrows")
  allowed=${allowed# }
  if [ "$allowed" = "?" ]; then
    echo "deps: $rel has no row in .ci/deps.sh (and none in ARCHITECTURE.md)"; fail=1; continue
  fi
  [ "$allowed" = "*" ] && continue
  for imp in $imports; do
    case $imp in "$M"/*) ;; *) continue ;; esac
    dep=${imp#"$M"/}
    if ! grep -qw -- "$dep" <<<" $allowed "; then
      echo "deps: $rel must not import $dep"; fail=1
    fi
  done
done < <($GO list -f '{{.ImportPath}} {{join .Imports " "}}' ./...)

# Beyond the module: the core runs no programs and knows no MCP library;
# the Go client drags in neither fsnotify nor flock.
if $GO list -deps ./maildir | grep -xE 'os/exec|github.com/mark3labs/.*'; then
  echo "deps: maildir must not run programs (internal/sharecmd does) or import the MCP library"; fail=1
fi
if $GO list -deps ./cmd/ipc | grep -E 'chromedp'; then
  echo "deps: the ipc binary must not import the browser driver (the e2e/console tests use it)"; fail=1
fi
if $GO list -deps ./client | grep -E 'fsnotify|gofrs/flock'; then
  echo "deps: the Go client must not import fsnotify or flock"; fail=1
fi

# The environment is read in cmd/ only: the packages take values, a getenv
# func or an environ list. bench/ and e2e/ are test tooling.
if grep -rnE 'os\.(Getenv|LookupEnv|Environ\(\))' --include='*.go' --exclude='*_test.go' \
    --exclude-dir=.git --exclude-dir=cmd --exclude-dir=bench --exclude-dir=e2e .; then
  echo "deps: only cmd/ reads the environment"; fail=1
fi

exit $fail
