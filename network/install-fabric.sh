#!/usr/bin/env bash
# Provides Hyperledger Fabric 3.1 to the native network: its binaries (peer, orderer, configtxgen, cryptogen,
# osnadmin, configtxlator, discover), the ccaas external builder (detect, build, release) and the config templates
# the binaries expect at FABRIC_CFG_PATH (core.yaml, orderer.yaml, configtx.yaml). It uses the first of these
# sources that is available:
#   1. PROVENA_FABRIC_BIN, the bin/ folder of Fabric 3.1.x binaries, e.g. Fabric's official release tarball
#      unpacked; config/ and builders/ccaas/ are looked for beside it, as that tarball lays them out.
#   2. the per-user cache ${PROVENA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/provena}/fabric-3.1.5-86c1172bec37/,
#      filled by an earlier build: nothing is built.
#   3. a build with this machine's Go from Fabric's source tarball, PROVENA_FABRIC_SRC (default:
#      ../shared/fabric/fabric-3.1.5-src.tar.gz next to the repository), checked against its pinned sha256. The Go
#      module proxy refuses github.com/hyperledger/fabric itself (403) but serves all of its dependencies.
#
# Output: on success, exactly these four lines on stdout, which the network scripts read; progress and errors go
# to stderr.
#   FABRIC_VERSION=3.1.5             what `peer version` reported
#   FABRIC_BIN=/abs/dir              peer, orderer, configtxgen, cryptogen, osnadmin, configtxlator, discover
#   FABRIC_CCAAS_BUILDER=/abs/dir    its bin/ holds detect, build, release (a peer's externalBuilders path)
#   FABRIC_CONFIG=/abs/dir           core.yaml, orderer.yaml, configtx.yaml
#
# Exit codes: 0 found or built;
#             2 Go missing; 3 Go older than the tarball's go.mod asks; 5 the build failed (the message names its log);
#             6 PROVENA_FABRIC_BIN is incomplete or not Fabric 3.1.x;
#             7 the source tarball is not the pinned one (sha256 mismatch);
#             8 neither binaries nor the source tarball are available.
#             (4 is retired: it meant the Go module proxy refused the fabric module, which is no longer asked.)
set -euo pipefail

readonly FABRIC_VERSION=3.1.5
readonly FABRIC_COMMIT=86c1172bec37e6590c6b1ae6f847833df48d65fc
readonly FABRIC_SRC_SHA256=eaa6e6d8043976708d4ea517e465aaae6b58e8332893cd9ee480062a44ae029b
readonly BINARIES=(peer orderer configtxgen cryptogen osnadmin configtxlator discover)
readonly CCAAS_BUILDER=(detect build release)
readonly CONFIG_FILES=(core.yaml orderer.yaml configtx.yaml)
# Without these, `peer version` says "latest" and "development build"; with them it matches the release.
readonly LDFLAGS="-X github.com/hyperledger/fabric/common/metadata.Version=$FABRIC_VERSION -X github.com/hyperledger/fabric/common/metadata.CommitSHA=${FABRIC_COMMIT:0:7}"

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
shared_dir=$(cd "$repo_root/.." && pwd)/shared/fabric
readonly default_src="$shared_dir/fabric-$FABRIC_VERSION-src.tar.gz"
readonly src="${PROVENA_FABRIC_SRC:-$default_src}"
readonly cache_root="${PROVENA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/provena}"
readonly install_dir="$cache_root/fabric-$FABRIC_VERSION-${FABRIC_COMMIT:0:12}"
readonly stamp="$install_dir/installed.env"
# A failed or interrupted build's log is kept here, outside the scratch folder that is thrown away.
readonly failed_log="$cache_root/fabric-$FABRIC_VERSION-${FABRIC_COMMIT:0:12}.failed-build.log"

say() { printf '[install-fabric] %s\n' "$*" >&2; }
fail() {
  local code=$1 first=$2
  shift 2
  printf '[install-fabric] ERROR: %s\n' "$first" >&2
  local line
  for line in "$@"; do printf '%s\n' "$line" | sed 's/^/    /' >&2; done
  exit "$code"
}

# The contract with the network scripts: these four lines and nothing else on stdout.
report() {
  printf 'FABRIC_VERSION=%s\nFABRIC_BIN=%s\nFABRIC_CCAAS_BUILDER=%s\nFABRIC_CONFIG=%s\n' "$1" "$2" "$3" "$4"
}

# Lists (one a line) what a Fabric layout lacks: bin/ programs, builder programs, config files.
missing_pieces() {
  local bin=$1 builder=$2 config=$3 name
  for name in "${BINARIES[@]}"; do [[ -x "$bin/$name" ]] || echo "$bin/$name"; done
  for name in "${CCAAS_BUILDER[@]}"; do [[ -x "$builder/bin/$name" ]] || echo "$builder/bin/$name"; done
  for name in "${CONFIG_FILES[@]}"; do [[ -f "$config/$name" ]] || echo "$config/$name"; done
}

# Prints the version `peer version` reports ("3.1.5"), or its output and status 1 when it has none.
peer_version() {
  local bin=$1 config=$2 out version
  # A peer that cannot start (another architecture, a broken file) must not hang or abort the script.
  local limit=()
  command -v timeout >/dev/null 2>&1 && limit=(timeout 30)
  out=$(FABRIC_CFG_PATH="$config" "${limit[@]}" "$bin/peer" version 2>&1) || {
    printf '%s\n' "$out"
    return 1
  }
  version=$(sed -n 's/^[[:space:]]*Version:[[:space:]]*\([^[:space:]]*\).*/\1/p' <<<"$out" | head -n 1)
  if [[ -z "$version" ]]; then
    printf '%s\n' "$out"
    return 1
  fi
  printf '%s\n' "$version"
}

is_fabric_3_1() { [[ "$1" =~ ^v?3\.1\.[0-9]+$ ]]; }

# --- 1. binaries the user named -------------------------------------------------------------------------------
# Named explicitly, so a problem with them stops here instead of quietly falling back to another source.
if [[ -n "${PROVENA_FABRIC_BIN:-}" ]]; then
  [[ -d "$PROVENA_FABRIC_BIN" ]] ||
    fail 6 "PROVENA_FABRIC_BIN=$PROVENA_FABRIC_BIN is not a folder." \
      "Point it at the bin/ folder of Fabric $FABRIC_VERSION's release binaries (the official tarball unpacked)."
  bin=$(cd "$PROVENA_FABRIC_BIN" && pwd)
  release_root=$(cd "$bin/.." && pwd)
  builder="$release_root/builders/ccaas"
  config="$release_root/config"
  missing=$(missing_pieces "$bin" "$builder" "$config")
  [[ -z "$missing" ]] ||
    fail 6 "PROVENA_FABRIC_BIN=$PROVENA_FABRIC_BIN lacks pieces of Fabric 3.1.x (Fabric's release tarball has them all):" \
      "$missing"
  version=$(peer_version "$bin" "$config") ||
    fail 6 "'$bin/peer version' did not report a version:" "$version"
  is_fabric_3_1 "$version" ||
    fail 6 "$bin/peer reports version $version; Provena needs Fabric 3.1.x (PROVENA_FABRIC_BIN=$PROVENA_FABRIC_BIN)."
  say "using Fabric $version from PROVENA_FABRIC_BIN=$PROVENA_FABRIC_BIN"
  report "${version#v}" "$bin" "$builder" "$config"
  exit 0
fi

# --- 2. an earlier build in the cache ----------------------------------------------------------------------------
# Complete means the stamp (written last, just before the build is moved into place), every program, the config
# files and a peer that reports 3.1.x; anything less is rebuilt.
cached_version() {
  [[ -f "$stamp" && -z "$(missing_pieces "$install_dir/bin" "$install_dir/builders/ccaas" "$install_dir/config")" ]] ||
    return 1
  local version
  version=$(peer_version "$install_dir/bin" "$install_dir/config") && is_fabric_3_1 "$version" || return 1
  printf '%s\n' "$version"
}
if version=$(cached_version); then
  say "Fabric $version already installed in $install_dir (nothing to build)"
  report "$version" "$install_dir/bin" "$install_dir/builders/ccaas" "$install_dir/config"
  exit 0
fi

# --- 3. a build from the source tarball --------------------------------------------------------------------------
if [[ ! -f "$src" ]]; then
  looked_at="no Fabric source tarball at $src"
  [[ -n "${PROVENA_FABRIC_SRC:-}" ]] && looked_at+=" (PROVENA_FABRIC_SRC)"
  fail 8 "Fabric $FABRIC_VERSION is not available: PROVENA_FABRIC_BIN is not set, $install_dir holds no complete build, and $looked_at." \
    "Either way works:" \
    "  - set PROVENA_FABRIC_BIN to the bin/ folder of Fabric 3.1.x's official release binaries, unpacked (with its" \
    "    config/ and builders/ccaas/ beside bin/), e.g. from https://github.com/hyperledger/fabric/releases/tag/v$FABRIC_VERSION;" \
    "  - or provide Fabric's source tarball fabric-$FABRIC_VERSION-src.tar.gz (sha256 $FABRIC_SRC_SHA256)" \
    "    at $default_src, or name it with PROVENA_FABRIC_SRC; it is built with Go."
fi

# The tarball is checked before anything reads it: what gets built must be exactly the pinned Fabric.
if command -v sha256sum >/dev/null 2>&1; then
  actual_sha=$(sha256sum "$src" | cut -d' ' -f1)
else
  actual_sha=$(shasum -a 256 "$src" | cut -d' ' -f1)
fi
[[ "$actual_sha" == "$FABRIC_SRC_SHA256" ]] ||
  fail 7 "$src is not Fabric $FABRIC_VERSION's source tarball: its sha256 is $actual_sha, expected $FABRIC_SRC_SHA256." \
    "Replace it with the unchanged fabric-$FABRIC_VERSION-src.tar.gz, or set PROVENA_FABRIC_BIN to release binaries instead."

command -v go >/dev/null 2>&1 ||
  fail 2 "Go is not installed (no 'go' on PATH). Fabric $FABRIC_VERSION is built from $src with Go;" \
    "install Go (the minimum is the 'go' line of the tarball's go.mod), or set PROVENA_FABRIC_BIN to Fabric 3.1.x release binaries."

# Never let the go command fetch another toolchain behind our back: a too-old Go must be reported, not patched.
# -mod=readonly (the default, restated against a user's GOFLAGS) verifies every dependency against go.sum; GOWORK=off
# keeps a go.work elsewhere from changing what is built.
export GOTOOLCHAIN=local GOFLAGS=-mod=readonly GOWORK=off

go_mod=$(tar -xzOf "$src" "fabric-$FABRIC_VERSION/go.mod")
required=$(sed -n 's/^go[[:space:]]\{1,\}\([0-9][0-9.]*\).*/\1/p' <<<"$go_mod" | head -n 1)
have=$(go env GOVERSION)
have=${have#go}
have=${have%%[!0-9.]*}
if [[ -n "$required" ]] && [[ "$(printf '%s\n%s\n' "$required" "$have" | sort -V | head -n 1)" != "$required" ]]; then
  fail 3 "Fabric $FABRIC_VERSION needs Go $required or newer (its go.mod says so); this machine has Go $have." \
    "Install a newer Go, or set PROVENA_FABRIC_BIN to Fabric 3.1.x release binaries."
fi
say "Go $have satisfies Fabric's go.mod (go $required)"

mkdir -p "$cache_root"
# Two runs at once (a test and the network script) would build twice and race on the move: the second waits, then
# finds the first one's build.
if command -v flock >/dev/null 2>&1; then
  exec 9>"$cache_root/.fabric-install.lock"
  if ! flock -n 9; then
    say "another install-fabric run is building into $cache_root; waiting for it"
    flock 9
    if version=$(cached_version); then
      say "Fabric $version already installed in $install_dir (nothing to build)"
      report "$version" "$install_dir/bin" "$install_dir/builders/ccaas" "$install_dir/config"
      exit 0
    fi
  fi
  # Holding the lock, any scratch folder left is from a run that was killed outright (SIGKILL, power loss).
  rm -rf "$cache_root"/.fabric-build.*
fi

# Build into a scratch folder and move it into place at the end, so an interrupted build never looks installed.
scratch=$(mktemp -d "$cache_root/.fabric-build.XXXXXX")
log="$scratch/build.log"
out="$scratch/fabric"
keep_log_and_clean() {
  [[ -f "$log" ]] && mv -f "$log" "$failed_log"
  rm -rf "$scratch"
}
trap keep_log_and_clean EXIT
# Turn Ctrl-C and kill into an ordinary exit, so the EXIT trap above still keeps the log and removes the scratch.
trap 'exit 130' INT
trap 'exit 143' TERM

started=$SECONDS
step() { say "$1 ($((SECONDS - started)) s)"; }
# Runs one build command with its full output in the log; a failure names the log and shows its end.
run_logged() {
  local what=$1 dir=$2
  shift 2
  { printf '\n$ (cd %q && go' "$dir"; printf ' %q' "${@:2}"; printf ')\n'; } >>"$log"
  if ! (cd "$dir" && "$@") >>"$log" 2>&1; then
    mv -f "$log" "$failed_log"
    tail -n 20 "$failed_log" | sed 's/^/    | /' >&2
    fail 5 "building $what failed after $((SECONDS - started)) s (the end of its output is above)." \
      "full output: $failed_log"
  fi
}

{
  echo "install-fabric: Fabric $FABRIC_VERSION ($FABRIC_COMMIT) from $src, started $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  go version
  for name in GOPROXY GOFLAGS GOTOOLCHAIN GOMODCACHE GOCACHE; do echo "$name=$(go env "$name")"; done
} >"$log" 2>&1
step "unpacking $src"
mkdir -p "$scratch/src" "$out/bin" "$out/builders/ccaas/bin" "$out/config"
tar -xzf "$src" -C "$scratch/src"
tree="$scratch/src/fabric-$FABRIC_VERSION"

step "building ${BINARIES[*]} with Go $have (on 2 cores about a minute with a warm Go build cache, 2-3 minutes without; log: $log)"
cmd_packages=()
for name in "${BINARIES[@]}"; do cmd_packages+=("./cmd/$name"); done
run_logged "Fabric's programs" "$tree" go build -buildvcs=false -ldflags "$LDFLAGS" -o "$out/bin/" "${cmd_packages[@]}"

step "building the ccaas external builder (${CCAAS_BUILDER[*]})"
run_logged "the ccaas builder" "$tree/ccaas_builder" go build -buildvcs=false -o "$out/builders/ccaas/bin/" ./cmd/...

# The config templates ship with the source; copied now so later steps never unpack the tarball again.
for name in "${CONFIG_FILES[@]}"; do cp "$tree/sampleconfig/$name" "$out/config/"; done

missing=$(missing_pieces "$out/bin" "$out/builders/ccaas" "$out/config")
[[ -z "$missing" ]] || {
  mv -f "$log" "$failed_log"
  fail 5 "the build finished without producing:" "${missing//"$out/"/}" "full output: $failed_log"
}
version=$(peer_version "$out/bin" "$out/config") && [[ "$version" == "$FABRIC_VERSION" ]] || {
  mv -f "$log" "$failed_log"
  fail 5 "the built peer reports version '$version', expected $FABRIC_VERSION (were the -ldflags applied?)" \
    "full output: $failed_log"
}

cat >"$out/installed.env" <<ENV
FABRIC_VERSION=$version
FABRIC_COMMIT=$FABRIC_COMMIT
FABRIC_SRC_SHA256=$FABRIC_SRC_SHA256
GO_VERSION=$have
BUILD_SECONDS=$((SECONDS - started))
ENV
echo "install-fabric: built in $((SECONDS - started)) s" >>"$log"
mv "$log" "$out/build.log"
# An incomplete earlier install is moved aside first, so the new one lands whole with one rename.
[[ -e "$install_dir" ]] && mv "$install_dir" "$scratch/previous"
mv "$out" "$install_dir"
rm -rf "$scratch"
rm -f "$failed_log"
trap - EXIT INT TERM
say "built Fabric $version into $install_dir in $((SECONDS - started)) s (log: $install_dir/build.log)"
report "$version" "$install_dir/bin" "$install_dir/builders/ccaas" "$install_dir/config"
