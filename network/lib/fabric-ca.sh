# shellcheck shell=bash
# Sourced by network.sh: one Fabric CA per peer organisation, and the persons it enrols.
#
# Each CA signs with its organisation's own root CA key (the one cryptogen made, which the channel's MSP already
# trusts), so a person it enrols is a member of the organisation on the channel without a channel update; cryptogen
# keeps making the nodes' identities. The CA listens on 127.0.0.1 over TLS with a server certificate from the
# organisation's TLS CA (clients verify it with the same root as the organisation's peer). Its bootstrap admin's
# password is random, kept in $state/ca/<org>/bootstrap.env (mode 600), and handed to the server in its
# environment, never on a command line.
#
# A person is registered with the attribute provena.role=<role> written into the enrolment certificate (:ecert);
# the chaincode takes the person's role from it. Their key and certificate land in $state/persons/<org>/<name>/msp
# (folder mode 700, key mode 600) and persons.json lists them for the gateway. Revoking a person revokes the
# certificate at the CA, generates the CRL and puts it into the organisation's MSP on the channel (a config update
# signed by the organisation's admin): from that block on, the peers refuse the person's proposals.

load_fabric_ca() {
  local out line
  out=$(bash "$repo/network/install-fabric-ca.sh") || exit 4
  while IFS= read -r line; do
    case "$line" in FABRIC_CA_BIN=* | FABRIC_CA_VERSION=*) export "${line?}" ;; esac
  done <<<"$out"
  [[ -n "${FABRIC_CA_BIN:-}" ]] || die 4 "install-fabric-ca.sh did not say where Fabric CA's binaries are"
}

ca_home() { printf '%s/ca/%s' "$state" "$1"; }
ca_url() { printf 'https://127.0.0.1:%s' "${PORT[ca-$1]}"; }
persons_file() { printf '%s/persons.json' "$state"; }

# The CA's TLS key and certificate and its bootstrap password, once per organisation.
make_ca_material() {
  local org home tlsca
  for org in $(peer_orgs); do
    home=$(ca_home "$org")
    [[ -f "$home/.ready" ]] && continue
    mkdir -p "$home/tls"
    chmod 700 "$home"
    tlsca="$(org_dir "$org")/tlsca"
    openssl ecparam -name prime256v1 -genkey -noout -out "$home/tls/server.key" 2>/dev/null
    openssl req -new -key "$home/tls/server.key" -subj "/O=${MSP[peer0-$org]}/CN=ca.$org.provena.local" \
      -out "$home/tls/server.csr" 2>/dev/null
    openssl x509 -req -in "$home/tls/server.csr" -CA "$(peer_tlsca "$org")" -CAkey "$tlsca/priv_sk" \
      -CAcreateserial -days 3650 -sha256 -out "$home/tls/server.crt" \
      -extfile <(printf 'subjectAltName=DNS:localhost,DNS:ca.%s.provena.local,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' "$org") 2>/dev/null
    rm -f "$home/tls/server.csr" "$(peer_tlsca "$org" | sed 's/\.pem$/.srl/')"
    chmod 600 "$home/tls/server.key"
    (umask 077 && printf 'CA_ADMIN_PASSWORD=%s\n' "$(openssl rand -hex 24)" >"$home/bootstrap.env")
    touch "$home/.ready"
  done
}

start_cas() {
  local org name home password
  for org in $(peer_orgs); do
    name=ca-$org home=$(ca_home "$org")
    password=$(sed -n 's/^CA_ADMIN_PASSWORD=//p' "$home/bootstrap.env")
    start_process "$name" "${PORT[$name]}" "${OPS[$name]}" -- \
      "FABRIC_CA_SERVER_HOME=$home" "FABRIC_CA_SERVER_BOOT=admin:$password" -- \
      "$FABRIC_CA_BIN/fabric-ca-server" start --address 127.0.0.1 --port "${PORT[$name]}" \
      --ca.name "$name" \
      --ca.certfile "$(org_dir "$org")/ca/ca.$org.provena.local-cert.pem" \
      --ca.keyfile "$(org_dir "$org")/ca/priv_sk" \
      --tls.enabled --tls.certfile "$home/tls/server.crt" --tls.keyfile "$home/tls/server.key" \
      --operations.listenaddress "127.0.0.1:${OPS[$name]}"
  done
  for org in $(peer_orgs); do wait_healthy "ca-$org" "http://127.0.0.1:${OPS[ca-$org]}/healthz"; done
}

# fabric-ca-client as the organisation's CA admin (enrolled once, into $state/ca/<org>/admin-client).
ca_admin() {
  local org=$1 home client
  shift
  home=$(ca_home "$org") client="$(ca_home "$org")/admin-client"
  if [[ ! -f "$client/msp/signcerts/cert.pem" ]]; then
    local password
    password=$(sed -n 's/^CA_ADMIN_PASSWORD=//p' "$home/bootstrap.env")
    (umask 077 && "$FABRIC_CA_BIN/fabric-ca-client" enroll --home "$client" \
      -u "https://admin:$password@127.0.0.1:${PORT[ca-$org]}" --caname "ca-$org" \
      --tls.certfiles "$(peer_tlsca "$org")" >/dev/null 2>"$client.enroll.log") ||
      die 1 "could not enrol ca-$org's admin; see $client.enroll.log and $logs/ca-$org.log"
  fi
  "$FABRIC_CA_BIN/fabric-ca-client" "$@" --home "$client" -u "$(ca_url "$org")" --caname "ca-$org" \
    --tls.certfiles "$(peer_tlsca "$org")"
}

# network.sh person enroll|revoke --org ORG --name NAME [--role admin|operator|auditor]
cmd_person() {
  local action=$1
  [[ -f "$state/network.env" ]] || die 2 "no network in $state: run network/network.sh up"
  load_settings
  load_fabric
  load_fabric_ca
  read_nodes nodes
  local org=$opt_org name=$opt_name role=${opt_role:-operator}
  [[ " $(peer_orgs | tr '\n' ' ') " == *" $org "* ]] ||
    die 2 "--org must be one of: $(peer_orgs | tr '\n' ' ')(the organisation's folder name), not '$org'"
  [[ "$name" =~ ^[a-z0-9][a-z0-9._-]{0,47}$ ]] ||
    die 2 "--name must be 1-48 lower-case letters, digits and ._- starting with a letter or digit, not '$name'"
  pid_of "ca-$org" >/dev/null || die 1 "ca-$org is not running: run network/network.sh up"
  local msp_id=${MSP[peer0-$org]} dir="$state/persons/$org/$name"
  case "$action" in
    enroll)
      [[ "$role" =~ ^(admin|operator|auditor)$ ]] || die 2 "--role must be admin, operator or auditor, not '$role'"
      [[ "$msp_id" != AuditorMSP || "$role" == auditor ]] || die 2 "AuditorMSP's persons are auditors (--role auditor)"
      if [[ -f "$dir/msp/signcerts/cert.pem" ]]; then
        say "$name of $msp_id is enrolled already ($dir)"
        return 0
      fi
      local secret out
      secret=$(openssl rand -hex 24)
      out=$(ca_admin "$org" register --id.name "$name" --id.secret "$secret" --id.type client \
        --id.attrs "provena.role=$role:ecert" 2>&1) ||
        die 1 "ca-$org refused to register $name:" "$(grep -v '^\s*$' <<<"$out" | tail -n 3)"
      mkdir -p "$dir"
      chmod 700 "$state/persons" "$state/persons/$org" "$dir" 2>/dev/null || true
      out=$( (umask 077 && "$FABRIC_CA_BIN/fabric-ca-client" enroll --home "$dir" --mspdir "$dir/msp" \
        -u "https://$name:$secret@127.0.0.1:${PORT[ca-$org]}" --caname "ca-$org" \
        --tls.certfiles "$(peer_tlsca "$org")") 2>&1) ||
        die 1 "could not enrol $name at ca-$org:" "$(tail -n 3 <<<"$out")"
      node "$netctl" person-record "$(persons_file)" "$msp_id" "$name" "$role" "$dir/msp"
      say "enrolled $name as $role of $msp_id (provena.role=$role in the certificate; key and certificate in $dir/msp)"
      ;;
    revoke)
      [[ -f "$dir/msp/signcerts/cert.pem" ]] || die 2 "no person $name of $msp_id is enrolled here ($dir)"
      local out
      out=$(ca_admin "$org" revoke -e "$name" -r keycompromise --gencrl 2>&1) ||
        die 1 "ca-$org refused to revoke $name:" "$(tail -n 3 <<<"$out")"
      add_crl_to_channel "$org" "$(ca_home "$org")/admin-client/msp/crls/crl.pem"
      node "$netctl" person-revoked "$(persons_file)" "$msp_id" "$name"
      say "revoked $name of $msp_id: the channel's $msp_id MSP now carries the CA's CRL"
      ;;
    *) die 2 "person needs enroll or revoke, not '$action'" ;;
  esac
}

# A channel config update that sets the organisation's MSP revocation list to the CA's current CRL, signed by the
# organisation's admin (the MSP value's mod_policy is the organisation's Admins). Waits until every peer holds the
# new config block, so the next proposal is judged by it.
add_crl_to_channel() {
  local org=$1 crl=$2 tmp height p lator="$FABRIC_BIN/configtxlator"
  [[ -f "$crl" ]] || die 1 "ca-$org wrote no CRL at $crl"
  tmp=$(mktemp -d)
  local orderer=(-o "$(first_orderer)" --tls --cafile "$(orderer_tlsca)")
  as_admin "$org" channel fetch config "$tmp/block.pb" -c "$CHANNEL" "${orderer[@]}" 2>"$tmp/fetch.log" ||
    die 1 "could not fetch $CHANNEL's config:" "$(tail -n 3 "$tmp/fetch.log")"
  "$lator" proto_decode --input "$tmp/block.pb" --type common.Block --output "$tmp/block.json"
  node "$netctl" crl-config-update "$tmp" "${MSP[peer0-$org]}" "$crl"
  "$lator" proto_encode --input "$tmp/config.json" --type common.Config --output "$tmp/config.pb"
  "$lator" proto_encode --input "$tmp/modified.json" --type common.Config --output "$tmp/modified.pb"
  "$lator" compute_update --channel_id "$CHANNEL" --original "$tmp/config.pb" --updated "$tmp/modified.pb" \
    --output "$tmp/update.pb" 2>"$tmp/compute.log" || die 1 "no config change to make:" "$(cat "$tmp/compute.log")"
  "$lator" proto_decode --input "$tmp/update.pb" --type common.ConfigUpdate --output "$tmp/update.json"
  node "$netctl" wrap-config-update "$tmp" "$CHANNEL"
  "$lator" proto_encode --input "$tmp/envelope.json" --type common.Envelope --output "$tmp/envelope.pb"
  height=$(as_admin "$org" channel getinfo -c "$CHANNEL" 2>/dev/null | sed -n 's/.*"height":\([0-9]*\).*/\1/p')
  as_admin "$org" channel update -f "$tmp/envelope.pb" -c "$CHANNEL" "${orderer[@]}" 2>"$tmp/update.log" ||
    die 1 "the channel refused the config update:" "$(tail -n 3 "$tmp/update.log")"
  for p in $(peer_orgs); do
    local i now
    for ((i = 0; i < 300; i++)); do
      now=$(as_admin "$p" channel getinfo -c "$CHANNEL" 2>/dev/null | sed -n 's/.*"height":\([0-9]*\).*/\1/p')
      [[ -n "$now" && "$now" -gt "$height" ]] && break
      sleep 0.1
    done
    [[ -n "$now" && "$now" -gt "$height" ]] || die 1 "peer0-$p did not commit the config update within 30 s"
  done
  rm -rf "$tmp"
}
