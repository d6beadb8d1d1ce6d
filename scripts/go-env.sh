# Sourced by the scripts that run Go: puts a Go toolchain on PATH (the machine's, or the
# one scripts/install-deps.sh fetched from the Go module proxy).
if ! command -v go >/dev/null 2>&1; then
  if [ -x /usr/local/go/bin/go ]; then
    PATH="/usr/local/go/bin:$PATH"
  else
    for d in "${XDG_CACHE_HOME:-$HOME/.cache}"/cos-ci/go*/bin; do
      [ -x "$d/go" ] && PATH="$d:$PATH" && break
    done
  fi
  export PATH
fi
