#!/usr/bin/env bash
# Provides Hyperledger Fabric CA 1.5 (fabric-ca-server, fabric-ca-client) to the native network, which runs one CA
# per peer organisation to enrol its staff as persons. The first available source wins:
#   1. PROVENA_FABRIC_CA_BIN, a folder holding fabric-ca-server and fabric-ca-client 1.5.x (e.g. the bin/ folder of
#      Fabric CA's official release tarball, hyperledger-fabric-ca-linux-amd64-1.5.x.tar.gz, unpacked);
#   2. the per-user cache ${PROVENA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/provena}/fabric-ca-1.5.21-f355456a7232/,
#      filled by an earlier build: nothing is built;
#   3. a build with this machine's Go (and cgo, for SQLite) from PROVENA_FABRIC_CA_SRC (default:
#      ../shared/fabric/fabric-ca-1.5.21-src.tar.gz next to the repository), checked against its pinned sha256.
#
# Output on success: exactly two lines on stdout, FABRIC_CA_VERSION=1.5.21 and FABRIC_CA_BIN=/abs/dir; progress and
# errors go to stderr.
# Exit codes: 0 found or built; 2 Go or a C compiler missing; 5 the build failed (the message names its log);
#             6 PROVENA_FABRIC_CA_BIN is incomplete or not 1.5.x; 7 the source tarball is not the pinned one;
#             8 neither binaries nor the source tarball are available.
set -euo pipefail

readonly CA_VERSION=1.5.21
readonly CA_COMMIT=f355456a72323ae2a4a250fdecb8744a8c041150
readonly CA_SRC_SHA256=55868d9c4f81f9483ceb3139c7c9a7ba122ff4248076bb5b54ecd1388a31c109
readonly PROGRAMS=(fabric-ca-server fabric-ca-client)

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
readonly default_src="$(cd "$repo_root/.." && pwd)/shared/fabric/fabric-ca-$CA_VERSION-src.tar.gz"
readonly src="${PROVENA_FABRIC_CA_SRC:-$default_src}"
readonly cache_root="${PROVENA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/provena}"
readonly install_dir="$cache_root/fabric-ca-$CA_VERSION-${CA_COMMIT:0:12}"
readonly failed_log="$cache_root/fabric-ca-$CA_VERSION.failed-build.log"

say() { printf '[install-fabric-ca] %s\n' "$*" >&2; }
fail() {
  local code=$1 first=$2
  shift 2
  printf '[install-fabric-ca] ERROR: %s\n' "$first" >&2
  local line
  for line in "$@"; do printf '    %s\n' "$line" >&2; done
  exit "$code"
}
report() { printf 'FABRIC_CA_VERSION=%s\nFABRIC_CA_BIN=%s\n' "$1" "$2"; }

# The version fabric-ca-server reports ("1.5.21"), or nothing.
ca_version() {
  local out
  out=$("$1/fabric-ca-server" version 2>/dev/null) || return 1
  sed -n 's/^[[:space:]]*Version:[[:space:]]*v\{0,1\}\([0-9][0-9.]*\).*/\1/p' <<<"$out" | head -n 1
}
complete_in() {
  local dir=$1 name
  for name in "${PROGRAMS[@]}"; do [[ -x "$dir/$name" ]] || return 1; done
  local version
  version=$(ca_version "$dir") && [[ "$version" =~ ^1\.5\.[0-9]+$ ]] && printf '%s\n' "$version"
}

# --- 1. binaries the user named ---
if [[ -n "${PROVENA_FABRIC_CA_BIN:-}" ]]; then
  [[ -d "$PROVENA_FABRIC_CA_BIN" ]] || fail 6 "PROVENA_FABRIC_CA_BIN=$PROVENA_FABRIC_CA_BIN is not a folder."
  bin=$(cd "$PROVENA_FABRIC_CA_BIN" && pwd)
  version=$(complete_in "$bin") ||
    fail 6 "PROVENA_FABRIC_CA_BIN=$bin must hold fabric-ca-server and fabric-ca-client 1.5.x (Fabric CA's release tarball's bin/)."
  say "using Fabric CA $version from PROVENA_FABRIC_CA_BIN=$bin"
  report "$version" "$bin"
  exit 0
fi

# --- 2. an earlier build ---
if [[ -f "$install_dir/installed.env" ]] && version=$(complete_in "$install_dir/bin"); then
  say "Fabric CA $version already installed in $install_dir (nothing to build)"
  report "$version" "$install_dir/bin"
  exit 0
fi

# --- 3. a build from the source tarball ---
[[ -f "$src" ]] ||
  fail 8 "Fabric CA $CA_VERSION is not available: PROVENA_FABRIC_CA_BIN is not set, $install_dir holds no build, and there is no source tarball at $src." \
    "Either set PROVENA_FABRIC_CA_BIN to the bin/ folder of Fabric CA 1.5.x's release binaries" \
    "(https://github.com/hyperledger/fabric-ca/releases/tag/v$CA_VERSION), or provide fabric-ca-$CA_VERSION-src.tar.gz" \
    "(sha256 $CA_SRC_SHA256) at $default_src or through PROVENA_FABRIC_CA_SRC."
actual=$(sha256sum "$src" | cut -d' ' -f1)
[[ "$actual" == "$CA_SRC_SHA256" ]] ||
  fail 7 "$src is not Fabric CA $CA_VERSION's source tarball: sha256 $actual, expected $CA_SRC_SHA256."
command -v go >/dev/null 2>&1 || fail 2 "Go is not installed; Fabric CA is built from $src with Go (or set PROVENA_FABRIC_CA_BIN)."
command -v gcc >/dev/null 2>&1 || command -v cc >/dev/null 2>&1 ||
  fail 2 "no C compiler: Fabric CA's SQLite driver needs cgo (Debian: apt-get install -y gcc), or set PROVENA_FABRIC_CA_BIN."
export GOTOOLCHAIN=local GOFLAGS=-mod=readonly GOWORK=off CGO_ENABLED=1

mkdir -p "$cache_root"
exec 9>"$cache_root/.fabric-ca-install.lock"
flock 9
if [[ -f "$install_dir/installed.env" ]] && version=$(complete_in "$install_dir/bin"); then
  say "Fabric CA $version already installed in $install_dir (built by a concurrent run)"
  report "$version" "$install_dir/bin"
  exit 0
fi
scratch=$(mktemp -d "$cache_root/.fabric-ca-build.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
started=$SECONDS
say "building fabric-ca-server and fabric-ca-client with $(go env GOVERSION) (about 3 minutes on 2 cores with a cold Go cache; log: $failed_log on failure)"
tar -xzf "$src" -C "$scratch"
mkdir -p "$scratch/out/bin"
if ! (cd "$scratch/fabric-ca-$CA_VERSION" &&
  go build -buildvcs=false -o "$scratch/out/bin/" ./cmd/fabric-ca-server ./cmd/fabric-ca-client) >"$scratch/build.log" 2>&1; then
  mv -f "$scratch/build.log" "$failed_log"
  tail -n 20 "$failed_log" | sed 's/^/    | /' >&2
  fail 5 "building Fabric CA failed after $((SECONDS - started)) s; full output: $failed_log"
fi
version=$(complete_in "$scratch/out/bin") || fail 5 "the built fabric-ca-server does not report version 1.5.x"
printf 'FABRIC_CA_VERSION=%s\nFABRIC_CA_COMMIT=%s\nGO_VERSION=%s\nBUILD_SECONDS=%s\n' \
  "$version" "$CA_COMMIT" "$(go env GOVERSION)" "$((SECONDS - started))" >"$scratch/out/installed.env"
rm -rf "$install_dir"
mv "$scratch/out" "$install_dir"
rm -f "$failed_log"
say "built Fabric CA $version into $install_dir in $((SECONDS - started)) s"
report "$version" "$install_dir/bin"
