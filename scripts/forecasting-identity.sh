#!/usr/bin/env bash
# Issues the forecasting service its own Fabric identity: a client certificate of ProducerMSP (role operator on the
# chaincode, NodeOU "client") for CN=forecasting@producer.provena.local, signed by the organisation's CA as an
# enrolment with a Fabric CA would sign it. Anchors then name this identity (`anchoredBy`), not the gateway's
# User1, and it can be revoked without touching the gateway. Writes, inside the network's folder (a new network
# has a new CA, and `network.sh down --wipe` removes both):
#   identities/forecasting/{cert.pem,key.pem}   the certificate and its private key (mode 600)
#   forecasting-identity.json                   [{mspId, role, certPath, keyPath}], read by `provena-forecasting`
# Idempotent: an identity that the network's CA still verifies is kept. Prints the identity file's path, never a key.
# Usage: bash scripts/forecasting-identity.sh     (PROVENA_NETWORK_DIR: the network's folder, default .provena/network)
set -euo pipefail
cd "$(dirname "$0")/.."

fail() {
  printf 'forecasting-identity: %s\n' "$@" >&2
  exit 1
}

network_dir=${PROVENA_NETWORK_DIR:-.provena/network}
[[ -d "$network_dir" ]] || fail "no network folder $network_dir" "bring the network up first: bash network/network.sh up"
network_dir=$(cd "$network_dir" && pwd)
command -v openssl >/dev/null || fail "openssl is missing: bash scripts/ensure-system-packages.sh installs it"

# ProducerMSP: the demand forecast is the producer's (its orders), and anchoring needs a writer of a member
# organisation; the auditor organisation may only read.
domain=producer.provena.local
msp_id=ProducerMSP
ca_dir=$network_dir/crypto/peerOrganizations/$domain/ca
ca_cert=$ca_dir/ca.$domain-cert.pem
ca_key=$ca_dir/priv_sk
[[ -r "$ca_cert" && -r "$ca_key" ]] || fail "no CA of $msp_id in $ca_dir" "bring the network up first: bash network/network.sh up"

out=$network_dir/identities/forecasting
cert=$out/cert.pem
key=$out/key.pem
identity_file=$network_dir/forecasting-identity.json

if [[ -s "$cert" && -s "$key" ]] && openssl verify -CAfile "$ca_cert" "$cert" >/dev/null 2>&1; then
  : # issued by this network's CA already
else
  mkdir -p "$out"
  chmod 700 "$out"
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  (umask 077 && openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$work/key.pem" 2>/dev/null)
  openssl req -new -key "$work/key.pem" -out "$work/csr.pem" \
    -subj "/C=US/ST=California/L=San Francisco/OU=client/CN=forecasting@$domain"
  # What cryptogen gives its users: an end-entity certificate for signatures, valid ten years.
  cat >"$work/ext.cnf" <<'EOF'
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOF
  openssl x509 -req -in "$work/csr.pem" -CA "$ca_cert" -CAkey "$ca_key" -CAcreateserial -CAserial "$work/ca.srl" \
    -days 3650 -sha256 -extfile "$work/ext.cnf" -out "$work/cert.pem" 2>/dev/null
  openssl verify -CAfile "$ca_cert" "$work/cert.pem" >/dev/null || fail "the issued certificate does not verify against $ca_cert"
  install -m 600 "$work/key.pem" "$key"
  install -m 644 "$work/cert.pem" "$cert"
fi

printf '[{"mspId":"%s","role":"operator","certPath":"%s","keyPath":"%s"}]\n' "$msp_id" "$cert" "$key" >"$identity_file.tmp"
mv "$identity_file.tmp" "$identity_file"
echo "$identity_file"
