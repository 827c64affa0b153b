#!/usr/bin/env bash
# Regenerates the creator certificates the shim tests put into proposals. Each organisation gets a throw-away CA;
# its key and the identities' keys are deleted at the end: the chaincode only reads certificates, and the test peer
# does not check proposal signatures (a real peer's MSP does, before the chaincode runs).
#   ProducerMSP: issued the way Fabric CA issues them (affiliation OU beside the NodeOU, hf.* attributes extension)
#   CarrierMSP, AuditorMSP: issued the way cryptogen issues them (NodeOU only, L/ST in the subject)
# Run from anywhere: bash chaincode/test/shim/__fixtures__/make-certificates.sh
set -euo pipefail
cd "$(dirname "$0")"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

ca() { # name subject
  openssl ecparam -name prime256v1 -genkey -noout -out "$work/$1.key"
  openssl req -new -x509 -key "$work/$1.key" -days 36500 -subj "$2" -sha256 \
    -addext 'basicConstraints=critical,CA:TRUE' -addext 'keyUsage=critical,keyCertSign,cRLSign' \
    -out "$work/$1.crt"
}

identity() { # file ca subject [fabric-ca attributes json]
  local file="$1" issuer="$2" subject="$3" attrs="${4:-}"
  openssl ecparam -name prime256v1 -genkey -noout -out "$work/$file.key"
  openssl req -new -key "$work/$file.key" -subj "$subject" -out "$work/$file.csr"
  {
    echo 'basicConstraints=critical,CA:FALSE'
    echo 'keyUsage=critical,digitalSignature'
    echo 'subjectKeyIdentifier=hash'
    echo 'authorityKeyIdentifier=keyid'
    # Fabric CA's attribute extension: the raw JSON bytes as the extension value.
    if [[ -n "$attrs" ]]; then echo "1.2.3.4.5.6.7.8.1=DER:$(printf '%s' "$attrs" | od -An -tx1 | tr -d ' \n')"; fi
  } >"$work/$file.ext"
  openssl x509 -req -in "$work/$file.csr" -CA "$work/$issuer.crt" -CAkey "$work/$issuer.key" -CAcreateserial \
    -days 36500 -sha256 -extfile "$work/$file.ext" -out "$file.cert.pem"
}

ca producer-ca '/C=US/ST=North Carolina/O=Hyperledger/OU=Fabric/CN=ca.producer.provena.local'
ca carrier-ca '/C=US/ST=California/L=San Francisco/O=carrier.provena.local/CN=ca.carrier.provena.local'
ca auditor-ca '/C=US/ST=California/L=San Francisco/O=auditor.provena.local/CN=ca.auditor.provena.local'

identity producer-admin producer-ca '/C=US/ST=North Carolina/O=Hyperledger/OU=admin/OU=producer/CN=producer-admin' \
  '{"attrs":{"hf.Affiliation":"producer","hf.EnrollmentID":"producer-admin","hf.Type":"admin"}}'
identity producer-operator producer-ca '/C=US/ST=North Carolina/O=Hyperledger/OU=client/OU=producer/CN=producer-operator' \
  '{"attrs":{"hf.Affiliation":"producer","hf.EnrollmentID":"producer-operator","hf.Type":"client"}}'
identity carrier-admin carrier-ca '/C=US/ST=California/L=San Francisco/OU=admin/CN=Admin@carrier.provena.local'
identity carrier-operator carrier-ca '/C=US/ST=California/L=San Francisco/OU=client/CN=User1@carrier.provena.local'
identity auditor auditor-ca '/C=US/ST=California/L=San Francisco/OU=client/CN=User1@auditor.provena.local'
