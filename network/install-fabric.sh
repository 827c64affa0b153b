#!/usr/bin/env bash
# Builds Hyperledger Fabric's own binaries (peer, orderer, configtxgen, osnadmin, cryptogen and the ccaas
# external builder) from the Go module proxy, pinned to one commit, into a per-user cache outside the repo.
# A second run finds them there and builds nothing.
#
# Exit codes: 0 installed or already there; 2 Go missing; 3 Go older than Fabric's go.mod asks;
#             4 the module could not be downloaded; 5 the build failed.
set -euo pipefail

# v3.1.5 is tagged on a module whose path has no /v3, so the tag cannot be named as a Go version: pin the commit.
readonly FABRIC_VERSION=v3.1.5
readonly FABRIC_COMMIT=86c1172bec37e6590c6b1ae6f847833df48d65fc
readonly FABRIC_MODULE=github.com/hyperledger/fabric
readonly BINARIES=(peer orderer configtxgen osnadmin cryptogen)
readonly CCAAS_BUILDER=(detect build release)

cache_root="${PROVENA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/provena}"
readonly install_dir="$cache_root/fabric-$FABRIC_VERSION-${FABRIC_COMMIT:0:12}"
readonly stamp="$install_dir/installed.env"

say() { printf '[install-fabric] %s\n' "$*" >&2; }
fail() {
  local code=$1 first=$2
  shift 2
  printf '[install-fabric] ERROR: %s\n' "$first" >&2
  local line
  for line in "$@"; do printf '%s\n' "$line" | sed 's/^/    /' >&2; done
  exit "$code"
}

all_present() {
  [[ -f "$stamp" ]] || return 1
  local b
  for b in "${BINARIES[@]}"; do [[ -x "$install_dir/bin/$b" ]] || return 1; done
  for b in "${CCAAS_BUILDER[@]}"; do [[ -x "$install_dir/ccaas_builder/bin/$b" ]] || return 1; done
}

if all_present; then
  say "Fabric $FABRIC_VERSION binaries already installed in $install_dir (nothing to build)"
  exit 0
fi

command -v go >/dev/null 2>&1 ||
  fail 2 "Go is not installed (no 'go' on PATH). Provena builds Fabric $FABRIC_VERSION from source with Go;" \
    "install Go (the minimum is the 'go' line of Fabric's go.mod at $FABRIC_COMMIT) and run this again."

# Never let the go command fetch another toolchain behind our back: a too-old Go must be reported, not patched.
export GOTOOLCHAIN=local GOFLAGS=-mod=mod

say "Downloading $FABRIC_MODULE@$FABRIC_COMMIT ($FABRIC_VERSION) through ${GOPROXY:-$(go env GOPROXY)}"
if ! download_json=$(go mod download -json "$FABRIC_MODULE@$FABRIC_COMMIT" 2>&1); then
  fail 4 "could not download $FABRIC_MODULE@$FABRIC_COMMIT from the Go module proxy:" "$download_json"
fi
json_field() { sed -n "s/^[[:space:]]*\"$1\": \"\\(.*\\)\",\\{0,1\\}\$/\\1/p" <<<"$download_json" | head -n 1; }
module_dir=$(json_field Dir)
go_mod=$(json_field GoMod)
[[ -n "$module_dir" && -f "$go_mod" ]] || fail 4 "the go command did not report where the module landed:" "$download_json"

required=$(sed -n 's/^go[[:space:]]\{1,\}\([0-9][0-9.]*\).*/\1/p' "$go_mod" | head -n 1)
have=$(go env GOVERSION)
have=${have#go}
have=${have%%[!0-9.]*}
if [[ -n "$required" ]] && [[ "$(printf '%s\n%s\n' "$required" "$have" | sort -V | head -n 1)" != "$required" ]]; then
  fail 3 "Fabric $FABRIC_VERSION needs Go $required or newer (its go.mod says so); this machine has Go $have."
fi
say "Go $have satisfies Fabric's go.mod (go $required)"

# Build into a scratch folder and move it into place at the end, so an interrupted build never looks installed.
mkdir -p "$cache_root"
scratch=$(mktemp -d "$cache_root/.fabric-build.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
started=$SECONDS
build() {
  local dest=$1 pkg=$2
  say "building $pkg ($((SECONDS - started)) s elapsed)"
  GOBIN="$dest" go install -v "$FABRIC_MODULE/$pkg@$FABRIC_COMMIT" 2>&1 | sed -u 's/^/    /' >&2 ||
    fail 5 "go install $FABRIC_MODULE/$pkg@$FABRIC_COMMIT failed (output above)"
}
for b in "${BINARIES[@]}"; do build "$scratch/bin" "cmd/$b"; done
for b in "${CCAAS_BUILDER[@]}"; do build "$scratch/ccaas_builder/bin" "ccaas_builder/cmd/$b"; done

cat >"$scratch/installed.env" <<ENV
FABRIC_VERSION=$FABRIC_VERSION
FABRIC_COMMIT=$FABRIC_COMMIT
FABRIC_BIN=$install_dir/bin
FABRIC_CCAAS_BUILDER=$install_dir/ccaas_builder
FABRIC_SAMPLECONFIG=$module_dir/sampleconfig
ENV
rm -rf "$install_dir"
mv "$scratch" "$install_dir"
trap - EXIT
say "installed Fabric $FABRIC_VERSION into $install_dir in $((SECONDS - started)) s"
