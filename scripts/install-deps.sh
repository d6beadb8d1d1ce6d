#!/usr/bin/env bash
# Installs the Debian packages cos-ci needs to build and test (scripts/apt-packages.txt),
# plus any given as arguments (benchmarks add their inputs and peers). Idempotent:
# installs only what is missing and runs `apt-get update` only then.
set -euo pipefail
cd "$(dirname "$0")/.."

mapfile -t wanted < <(grep -v '^\s*#' scripts/apt-packages.txt | sed 's/#.*//; s/\s*$//; /^$/d')
wanted+=("$@")
missing=()
for pkg in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]} > 0)); then
  echo "install-deps: apt-get install ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Go for ci-go and tests/interop-go. The machines we run on ship it in /usr/local/go;
# where it is missing, fetch the official toolchain from the Go module proxy (the same
# zip `GOTOOLCHAIN` downloads; Debian's golang-go is older than our go.mod needs).
# Scripts that use Go source scripts/go-env.sh to find it.
if ! command -v go >/dev/null 2>&1 && [ ! -x /usr/local/go/bin/go ]; then
  GO_TOOLCHAIN=${GO_TOOLCHAIN:-go1.23.12}
  dest="${XDG_CACHE_HOME:-$HOME/.cache}/cos-ci/$GO_TOOLCHAIN"
  if [ ! -x "$dest/bin/go" ]; then
    echo "install-deps: $GO_TOOLCHAIN from proxy.golang.org into $dest"
    tmp=$(mktemp -d)
    curl -fsSL -o "$tmp/go.zip" \
      "https://proxy.golang.org/golang.org/toolchain/@v/v0.0.1-$GO_TOOLCHAIN.linux-amd64.zip"
    python3 -m zipfile -e "$tmp/go.zip" "$tmp/x"
    mkdir -p "$(dirname "$dest")"
    mv "$tmp/x/golang.org/toolchain@v0.0.1-$GO_TOOLCHAIN.linux-amd64" "$dest"
    chmod +x "$dest"/bin/* "$dest"/pkg/tool/*/* 2>/dev/null || true
    rm -rf "$tmp"
  fi
fi
