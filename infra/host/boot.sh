#!/bin/bash
# Boots the team host: Docker, Traefik v3 and one code-server per developer
# slot, then tells CloudFormation (through the wait condition handle) whether
# every IDE answers /healthz through Traefik.
#
# The EC2 user data exports the run's values (see the header in
# infra/team-stack.yaml), writes infra/host/* to /opt/team-ide and runs this
# file. Every path it writes is prefixed by HOST_ROOT (empty on the host), so
# the dry run in test/infra can run it unchanged in a temporary directory with
# stub docker, curl, aws, dnf, systemctl, chown, lsblk, blkid, mkfs, mount and
# xfs_growfs first on PATH.
#
# Isolation: each IDE has a Docker network of its own, shared with Traefik
# only, and Traefik listens only on its address in a network no IDE joins; the
# routes are a file written here (no Docker socket in the proxy). Each IDE has
# limits the launcher computed from the instance type and the seats.
#
# Homes belong to developers, not to slots: the container of slot N mounts its
# developer's /srv/team-ide/homes/<Slack member id> (SLOT_MEMBERS, in the order
# of SLOTS) as /home/coder, so a home follows its developer to another slot, and
# a slot freed by `/ide roster remove` and given to someone else never hands
# them the previous holder's home. Without SLOT_MEMBERS (a stack deployed by
# hand) slot N's home is homes/dev-N. With a data volume (DATA_VOLUME_ID), that
# is the volume, restored from a snapshot of an earlier run or blank, mounted
# before Docker starts; the homes of developers absent from this run stay
# untouched.
#
# In use or idle: a timer runs seat-report.sh every minute, which reports each
# IDE's /healthz to the run's seat report in SSM for the sweeper's idle stop.
#
# Secrets: the TLS key, the dashboard hash and the passwords go from the aws
# CLI straight to files of mode 600; none is echoed, put on a command line or
# in a label. There is no `set -x` on purpose.
set -Eeuo pipefail

: "${STACK_NAME:?}" "${RUN_ID:?}" "${DOMAIN_NAME:?}" "${SLOTS:?}"
: "${EXPOSED_PORT:?}" "${DASHBOARD_PORT:?}" "${WAIT_HANDLE_URL:?}" "${ADMIN_CIDR?}"
: "${CERTIFICATE_PARAMETER:?}" "${DASHBOARD_USERS_PARAMETER?}" "${PREVIEWS:?}"
: "${IDE_MEMORY_MIB:?}" "${IDE_CPUS:?}" "${IDE_PIDS:?}"
: "${DATA_VOLUME_ID?}" "${DATA_SNAPSHOT_ID?}" "${SLOT_MEMBERS?}"

# Docker's networks live in 172.17.0.0/16, the range of Docker's own bridge,
# which AWS asks VPCs not to use: 172.17.0.0/24 is the edge network, where
# Traefik alone sits and the published ports land; slot N has 172.17.N.0/24;
# the default bridge, unused, moves to 172.17.255.0/24 (daemon.json).
# libnetwork publishes a container's ports on its first network by name (after
# priorities Docker 25 cannot set), so the edge network's name must sort before
# every slot network's: team-ide-edge < team-ide-slot-N.
readonly EDGE_NETWORK=team-ide-edge
readonly TRAEFIK_IP=172.17.0.2
readonly DOCKER_DIR="${HOST_ROOT:-}/etc/docker"
readonly HOST_FILES="${HOST_ROOT:-}/opt/team-ide"
# The pinned image tags, written beside this file by the user data.
# shellcheck source=infra/host/images.sh
source "${HOST_FILES}/images.sh"
: "${TRAEFIK_IMAGE:?}" "${CODE_SERVER_IMAGE:?}"
readonly TRAEFIK_DIR="${HOST_ROOT:-}/etc/team-ide/traefik"
readonly ENV_DIR="${HOST_ROOT:-}/etc/team-ide/env"
readonly HOMES_DIR="${HOST_ROOT:-}/srv/team-ide"
readonly SYSTEMD_DIR="${HOST_ROOT:-}/etc/systemd/system"
# The seat report's timer and what it reads (seat-report.sh).
readonly SEATS_UNIT=team-ide-seats
readonly SEATS_ENV="${HOST_ROOT:-}/etc/team-ide/seat-report.env"
# Secrets are created in parallel with the instance and normally exist long
# before the boot asks; the wait covers a slow create, not a missing secret.
readonly SECRET_TIMEOUT="${SECRET_TIMEOUT:-120}"
readonly HEALTH_TIMEOUT="${HEALTH_TIMEOUT:-180}"
# EC2 attaches the data volume once the instance runs: seconds, not minutes.
readonly DEVICE_TIMEOUT="${DEVICE_TIMEOUT:-120}"

step=start

log() {
  printf '%s team-ide boot (t+%ss): %s\n' "$(date -u +%H:%M:%S)" "${SECONDS}" "$*"
}

begin() {
  step=$1
  log "step ${step}"
}

# The handle URL is presigned: signalling needs no credentials. The empty
# Content-Type keeps curl from adding one the signature does not cover.
signal() {
  local status=$1 reason=$2
  curl --silent --show-error --fail --retry 5 --max-time 15 \
    --request PUT --header 'Content-Type:' \
    --data-binary "{\"Status\":\"${status}\",\"Reason\":\"${reason}\",\"UniqueId\":\"team-ide-host\",\"Data\":\"${status}\"}" \
    "${WAIT_HANDLE_URL}"
}

on_error() {
  local code=$?
  trap - ERR
  log "step ${step} failed (exit ${code})"
  signal FAILURE "team-ide boot failed at step ${step} (exit ${code}); see /var/log/cloud-init-output.log on the instance" ||
    log "could not signal the failure; the wait condition will time out"
  exit "${code}"
}
trap on_error ERR

check_values() {
  [[ ${EXPOSED_PORT} =~ ^[0-9]{1,5}$ && ${DASHBOARD_PORT} =~ ^[0-9]{1,5}$ ]]
  [[ ${DOMAIN_NAME} =~ ^[a-z0-9.-]+$ ]]
  [[ ${IDE_MEMORY_MIB} =~ ^[0-9]{4,5}$ && ${IDE_PIDS} =~ ^[0-9]{4,5}$ && ${IDE_CPUS} =~ ^[0-9](\.[0-9]+)?$ ]]
  [[ -z ${ADMIN_CIDR} || ${ADMIN_CIDR} =~ ^[0-9]{1,3}(\.[0-9]{1,3}){3}/[0-9]{1,2}$ ]]
  [[ -z ${DATA_VOLUME_ID} || ${DATA_VOLUME_ID} =~ ^vol-[0-9a-f]{8,17}$ ]]
  [[ -z ${DATA_SNAPSHOT_ID} || ${DATA_SNAPSHOT_ID} =~ ^snap-[0-9a-f]{8,17}$ ]]
  [[ ${PREVIEWS} == on || ${PREVIEWS} == off ]]
  # They name the seat report (/<stack name>/<run id>/seats) the environment file carries.
  [[ ${STACK_NAME} =~ ^[A-Za-z][A-Za-z0-9-]{0,127}$ && ${RUN_ID} =~ ^[A-Za-z0-9-]{1,64}$ ]]
  IFS=, read -r -a slots <<<"${SLOTS}"
  ((${#slots[@]} > 0))
  local slot member
  for slot in "${slots[@]}"; do
    [[ ${slot} =~ ^[1-9][0-9]{0,2}$ ]] && ((slot <= 254))
  done
  # One member per slot, each once: two slots on one home would share it.
  IFS=, read -r -a members <<<"${SLOT_MEMBERS}"
  if ((${#members[@]} > 0)); then
    ((${#members[@]} == ${#slots[@]}))
    local -A seen=()
    for member in "${members[@]}"; do
      [[ ${member} =~ ^[UW][A-Z0-9]{2,20}$ && -z ${seen[${member}]:-} ]]
      seen[${member}]=1
    done
  fi
}

# Writes one SecureString's value to a file without it passing through a
# variable or the terminal, and checks it looks like what it should be.
fetch_parameter() {
  local name=$1 destination=$2 expected=$3
  aws ssm get-parameter --name "${name}" --with-decryption \
    --query Parameter.Value --output text >"${destination}"
  grep -qE -- "${expected}" "${destination}"
}

# One value holds the chain, then its key (a boot during a renewal reads a
# matching pair); Traefik wants them in two files.
fetch_tls() {
  local tls="${TRAEFIK_DIR}/tls"
  fetch_parameter "${CERTIFICATE_PARAMETER}" "${tls}/all.pem" '^-----BEGIN CERTIFICATE-----'
  tr -d '\r' <"${tls}/all.pem" | awk -v d="${tls}" '/^-----BEGIN/ { f = d (/PRIVATE KEY/ ? "/key.pem" : "/cert.pem") } f { print > f } /^-----END/ { f = "" }'
  rm -f "${tls}/all.pem"
  grep -q 'PRIVATE KEY-----' "${tls}/key.pem"
}

fetch_password() {
  local slot=$1 password=''
  local secret_id="${STACK_NAME}/${RUN_ID}/dev-${slot}" deadline=$((SECONDS + SECRET_TIMEOUT))
  until password=$(aws secretsmanager get-secret-value --secret-id "${secret_id}" \
    --query SecretString --output text 2>"${ENV_DIR}/.error"); do
    # Only a secret not created yet is worth waiting for; a denied read is final.
    if ((SECONDS >= deadline)) || ! grep -q ResourceNotFoundException "${ENV_DIR}/.error"; then
      cat "${ENV_DIR}/.error" >&2
      return 1
    fi
    sleep 3
  done
  rm -f "${ENV_DIR}/.error"
  # The template generates 24 letters and digits: anything else would break
  # the env file format, and means the secret is not the one we made.
  [[ ${password} =~ ^[A-Za-z0-9]{20,}$ ]]
  printf 'PASSWORD=%s\n' "${password}" >"${ENV_DIR}/dev-${slot}.env"
  chmod 600 "${ENV_DIR}/dev-${slot}.env"
}

# The data volume's device: EBS gives an NVMe device the volume id, without
# its dash, as serial number. Device names are only requests, never relied on.
find_device() {
  local name serial
  while read -r name serial; do
    if [[ ${serial} == "${DATA_VOLUME_ID/-/}" ]]; then
      printf '/dev/%s\n' "${name}"
      return 0
    fi
  done < <(lsblk --nodeps --noheadings --output NAME,SERIAL)
  return 1
}

# Formats the volume only when it is blank and meant to be: one restored from
# a snapshot holds the homes, and one with a filesystem is never formatted.
mount_homes() {
  local device deadline=$((SECONDS + DEVICE_TIMEOUT)) code=0
  until device=$(find_device); do
    ((SECONDS < deadline)) || { log "${DATA_VOLUME_ID} not attached after ${DEVICE_TIMEOUT}s"; return 1; }
    sleep 2
  done
  blkid --probe --match-tag TYPE --output value "${device}" >/dev/null || code=$?
  if ((code == 2)); then
    if [[ -n ${DATA_SNAPSHOT_ID} ]]; then
      log "${DATA_VOLUME_ID} from ${DATA_SNAPSHOT_ID} has no filesystem: not formatting it"
      return 1
    fi
    mkfs -t xfs -L team-ide-homes "${device}"
  elif ((code != 0)); then
    return "${code}"
  fi
  mount -o noatime "${device}" "${HOMES_DIR}"
  # A volume made bigger than its snapshot grows to its size.
  xfs_growfs "${HOMES_DIR}"
}

dashboard_on() {
  [[ -n ${ADMIN_CIDR} ]]
}

# Previews: what dev-N runs on a port opens at https://<port>.dev-N.<domain>.
# code-server serves them (--proxy-domain), behind the IDE's own login; the
# launcher turns them on only when the certificate covers *.dev-N.<domain>.
previews_on() {
  [[ ${PREVIEWS} == on ]]
}

# The preview names of one slot as a Go regular expression (Traefik v3's
# HostRegexp): digits only, then exactly dev-N.<domain>. Traefik does not
# anchor it, so it carries its own anchors, or dev-1.<domain>.evil.example
# would match too. check_values allows only [a-z0-9.-] in the domain.
preview_host_pattern() {
  printf '^[0-9]{1,5}\\.dev-%s\\.%s$' "$1" "${DOMAIN_NAME//./\\.}"
}

# The address the IDE's Ports panel shows for a port, with the HTTPS port when
# it is not 443: code-server's own default would leave that out.
preview_uri() {
  local port=''
  [[ ${EXPOSED_PORT} == 443 ]] || port=":${EXPOSED_PORT}"
  printf 'https://{{port}}.dev-%s.%s%s' "$1" "${DOMAIN_NAME}" "${port}"
}

# The static file keeps entryPoints last, so the dashboard's entry point can
# be appended to it, and the API after it, only when there is a dashboard.
render_traefik_config() {
  sed -e "s/__TRAEFIK_IP__/${TRAEFIK_IP}/g" -e "s/__EXPOSED_PORT__/${EXPOSED_PORT}/g" \
    "${HOST_FILES}/traefik.yaml" >"${TRAEFIK_DIR}/traefik.yaml"
  if dashboard_on; then
    printf '  dashboard:\n    address: "%s:%s"\n    http:\n      tls: {}\napi:\n  dashboard: true\n' \
      "${TRAEFIK_IP}" "${DASHBOARD_PORT}" >>"${TRAEFIK_DIR}/traefik.yaml"
  fi
  cp "${HOST_FILES}/dynamic.yaml" "${TRAEFIK_DIR}/dynamic/dynamic.yaml"
  write_routes >"${TRAEFIK_DIR}/dynamic/routes.yaml"
  if grep -q '__[A-Z_]*__' "${TRAEFIK_DIR}/traefik.yaml"; then
    return 1
  fi
}

# Every route is known at boot: one router and one service per slot (with
# previews, a second router for the slot's preview names, to the same IDE), and
# the dashboard's behind the admins' allow-list and basic auth.
write_routes() {
  local slot
  printf 'http:\n  routers:\n'
  for slot in "${slots[@]}"; do
    printf "    dev-%s:\n      rule: 'Host(\`dev-%s.%s\`)'\n      entryPoints: [websecure]\n      middlewares: [hsts]\n      service: dev-%s\n      tls: {}\n" \
      "${slot}" "${slot}" "${DOMAIN_NAME}" "${slot}"
    if previews_on; then
      printf "    dev-%s-previews:\n      rule: 'HostRegexp(\`%s\`)'\n      entryPoints: [websecure]\n      middlewares: [hsts]\n      service: dev-%s\n      tls: {}\n" \
        "${slot}" "$(preview_host_pattern "${slot}")" "${slot}"
    fi
  done
  if dashboard_on; then
    printf "    dashboard:\n      rule: 'Host(\`monitor.%s\`)'\n      entryPoints: [dashboard]\n      middlewares: [admins-only, dashboard-auth]\n      service: api@internal\n      tls: {}\n" \
      "${DOMAIN_NAME}"
    printf '  middlewares:\n    admins-only:\n      ipAllowList:\n        sourceRange: ["%s"]\n' "${ADMIN_CIDR}"
    printf '    dashboard-auth:\n      basicAuth:\n        usersFile: /etc/traefik/dashboard-users\n        removeHeader: true\n'
  fi
  printf '  services:\n'
  for slot in "${slots[@]}"; do
    printf '    dev-%s:\n      loadBalancer:\n        servers:\n          - url: "http://dev-%s:8080"\n' "${slot}" "${slot}"
  done
}

# The default bridge moves out of the slot networks' way (see EDGE_NETWORK).
configure_docker() {
  install -d -m 0755 "${DOCKER_DIR}"
  printf '{"bip": "172.17.255.1/24"}\n' >"${DOCKER_DIR}/daemon.json"
}

create_networks() {
  local slot
  docker network create --subnet 172.17.0.0/24 "${EDGE_NETWORK}"
  for slot in "${slots[@]}"; do
    docker network create --subnet "172.17.${slot}.0/24" "team-ide-slot-${slot}"
  done
}

# No Docker socket: the routes are a file. Traefik needs no capability but
# binding ports below 1024, and writes nothing.
start_traefik() {
  local slot
  local -a publish=(--publish 80:80 --publish "${EXPOSED_PORT}:${EXPOSED_PORT}")
  if dashboard_on; then
    publish+=(--publish "${DASHBOARD_PORT}:${DASHBOARD_PORT}")
  fi
  docker run --detach --name traefik --restart unless-stopped \
    --network "${EDGE_NETWORK}" --ip "${TRAEFIK_IP}" "${publish[@]}" \
    --volume "${TRAEFIK_DIR}:/etc/traefik:ro" --read-only \
    --cap-drop ALL --cap-add NET_BIND_SERVICE --security-opt no-new-privileges \
    --memory 256m --memory-swap 256m --pids-limit 1024 \
    "${TRAEFIK_IMAGE}" --configFile=/etc/traefik/traefik.yaml
  for slot in "${slots[@]}"; do
    docker network connect "team-ide-slot-${slot}" traefik
  done
}

# Each IDE's fixed address on its own network, where the seat report asks it
# directly (Traefik joins each network first and gets .2 from Docker).
ide_address() {
  printf '172.17.%s.10' "$1"
}

# code-server checks the password itself, per container: dev-1's password
# cannot open dev-2, and a password never leaves its own env file. The image's
# ENTRYPOINT already carries `--bind-addr 0.0.0.0:8080 .`; naming the same
# entrypoint again replaces those arguments, so the project is the one folder
# opened and every flag is visible here.
#
# Capabilities: Docker's defaults without NET_RAW (raw sockets: ARP spoofing,
# sniffing), MKNOD, SETFCAP, SETPCAP and SYS_CHROOT. Developers have sudo, so
# what stays is what sudo and root need: SETUID and SETGID to change user (sudo,
# and fixuid, the image's setuid entrypoint), AUDIT_WRITE for sudo's audit
# record, CHOWN, DAC_OVERRIDE, FOWNER, FSETID and KILL for package installs and
# managing processes, NET_BIND_SERVICE for dev servers on low ports. No
# no-new-privileges: it disables setuid binaries, and sudo and fixuid are such
# binaries (without fixuid the container does not even start).
start_ide() {
  local name="dev-$1"
  local home="${HOMES_DIR}/homes/$2" capability
  local -a capabilities=() preview_env=() preview_flags=()
  for capability in AUDIT_WRITE CHOWN DAC_OVERRIDE FOWNER FSETID KILL NET_BIND_SERVICE SETGID SETUID; do
    capabilities+=(--cap-add "${capability}")
  done
  if previews_on; then
    preview_env=(--env "VSCODE_PROXY_URI=$(preview_uri "$1")")
    preview_flags=(--proxy-domain "${name}.${DOMAIN_NAME}")
  fi
  # A home found here is this developer's own from an earlier run: kept as it is.
  install -d -m 0750 "${home}" "${home}/project"
  # uid 1000 is the coder user of the image.
  chown 1000:1000 "${home}" "${home}/project"
  docker run --detach --name "${name}" --hostname "${name}" --restart unless-stopped \
    --network "team-ide-slot-$1" --ip "$(ide_address "$1")" \
    --cap-drop ALL "${capabilities[@]}" \
    --memory "${IDE_MEMORY_MIB}m" --memory-swap "${IDE_MEMORY_MIB}m" \
    --cpus "${IDE_CPUS}" --pids-limit "${IDE_PIDS}" \
    --env-file "${ENV_DIR}/${name}.env" "${preview_env[@]}" \
    --volume "${home}:/home/coder" \
    --entrypoint /usr/bin/entrypoint.sh \
    "${CODE_SERVER_IMAGE}" \
    --bind-addr 0.0.0.0:8080 --auth password \
    --disable-telemetry --disable-update-check "${preview_flags[@]}" /home/coder/project
}

# Through Traefik on this host, with the real name and certificate: healthy
# means routing, TLS and code-server all work, not only that a process runs.
wait_healthy() {
  local host="dev-$1.${DOMAIN_NAME}" deadline=$2
  local url="https://${host}:${EXPOSED_PORT}/healthz" resolve="${host}:${EXPOSED_PORT}:127.0.0.1"
  until curl --silent --fail --output /dev/null --max-time 5 --resolve "${resolve}" "${url}"; do
    if ((SECONDS >= deadline)); then
      curl --silent --show-error --fail --output /dev/null --max-time 5 --resolve "${resolve}" "${url}"
      return 1
    fi
    sleep 2
  done
}

# Asks https://<host>:<port><path> through Traefik on this host, with the real
# certificate verified, until it answers `expected`; at the deadline, says what
# answered instead.
expect_answer() {
  local host=$1 port=$2 path=$3 expected=$4 deadline=$5 code=''
  until code=$(curl --silent --output /dev/null --write-out '%{http_code}' --max-time 5 \
    --resolve "${host}:${port}:127.0.0.1" "https://${host}:${port}${path}") && [[ ${code} == "${expected}" ]]; do
    if ((SECONDS >= deadline)); then
      log "https://${host}:${port}${path} answered HTTP ${code:-none}, expected ${expected}"
      return 1
    fi
    sleep 2
  done
}

# A preview name reaches the IDE's code-server, which refuses it without a
# login (401): that shows the route, a certificate that covers the name, and
# --proxy-domain at work, and reaches no app. It asks for /healthz, the one
# path code-server does not count as use: any other would make the IDE look
# opened before anyone had its password.
check_preview() {
  expect_answer "8080.dev-$1.${DOMAIN_NAME}" "${EXPOSED_PORT}" /healthz 401 "$2"
}

# Every minute, seat-report.sh tells SSM which IDEs are in use: a systemd timer,
# so systemd runs it again after a failure or a reboot, and a run that hangs
# (an unreachable SSM) is stopped before the next.
start_seat_reports() {
  local slot addresses=''
  for slot in "${slots[@]}"; do
    addresses+="${addresses:+ }${slot}=$(ide_address "${slot}"):8080"
  done
  printf 'SEATS_PARAMETER=/%s/%s/seats\nSEAT_ADDRESSES=%s\nAWS_REGION=%s\n' \
    "${STACK_NAME}" "${RUN_ID}" "${addresses}" "${AWS_REGION:?}" >"${SEATS_ENV}"
  install -d -m 0755 "${SYSTEMD_DIR}"
  printf '[Unit]\nDescription=team-ide: report which IDEs are in use\nAfter=docker.service\n\n[Service]\nType=oneshot\nEnvironmentFile=/etc/team-ide/seat-report.env\nExecStart=/bin/bash /opt/team-ide/seat-report.sh\nTimeoutStartSec=50\n' \
    >"${SYSTEMD_DIR}/${SEATS_UNIT}.service"
  printf '[Unit]\nDescription=team-ide: report which IDEs are in use, every minute\n\n[Timer]\nOnActiveSec=0\nOnUnitActiveSec=60\nAccuracySec=1\n\n[Install]\nWantedBy=timers.target\n' \
    >"${SYSTEMD_DIR}/${SEATS_UNIT}.timer"
  systemctl daemon-reload
  systemctl enable --now "${SEATS_UNIT}.timer"
}

# The host is not among the admins: the dashboard must refuse it (403 from the
# allow-list), which shows both that it runs and that the list applies.
check_dashboard() {
  expect_answer "monitor.${DOMAIN_NAME}" "${DASHBOARD_PORT}" /dashboard/ 403 "$1"
}

main() {
  local slot index pid deadline
  local -a slots members pulls

  begin check-values
  check_values

  # dnf takes the longest; the credentials are fetched meanwhile.
  begin install-docker
  dnf install --assumeyes --quiet docker &
  local dnf_pid=$!

  install -d -m 0755 "${HOST_FILES}" "${HOMES_DIR}"
  install -d -m 0700 "${TRAEFIK_DIR}" "${TRAEFIK_DIR}/tls" "${TRAEFIK_DIR}/dynamic" "${ENV_DIR}"
  umask 077

  begin fetch-certificate
  fetch_tls
  if dashboard_on; then
    begin fetch-dashboard-users
    # An htpasswd bcrypt line: user:$2y$...
    fetch_parameter "${DASHBOARD_USERS_PARAMETER}" "${TRAEFIK_DIR}/dashboard-users" "^[^:[:space:]]+:[$]2[aby][$]"
  fi
  for slot in "${slots[@]}"; do
    begin "fetch-password-dev-${slot}"
    fetch_password "${slot}"
  done

  begin render-traefik-config
  render_traefik_config
  umask 022

  if [[ -n ${DATA_VOLUME_ID} ]]; then
    begin mount-homes
    mount_homes
  fi

  begin install-docker
  wait "${dnf_pid}"
  begin configure-docker
  configure_docker
  begin start-docker
  systemctl enable --now docker

  begin pull-images
  pulls=()
  docker pull --quiet "${TRAEFIK_IMAGE}" &
  pulls+=("$!")
  docker pull --quiet "${CODE_SERVER_IMAGE}" &
  pulls+=("$!")
  for pid in "${pulls[@]}"; do
    wait "${pid}"
  done

  begin create-networks
  create_networks

  begin start-traefik
  start_traefik

  for index in "${!slots[@]}"; do
    begin "start-dev-${slots[index]}"
    start_ide "${slots[index]}" "${members[index]:-dev-${slots[index]}}"
  done

  deadline=$((SECONDS + HEALTH_TIMEOUT))
  for slot in "${slots[@]}"; do
    begin "wait-healthy-dev-${slot}"
    wait_healthy "${slot}" "${deadline}"
  done

  if previews_on; then
    for slot in "${slots[@]}"; do
      begin "check-previews-dev-${slot}"
      check_preview "${slot}" "${deadline}"
    done
  fi

  if dashboard_on; then
    begin check-dashboard
    check_dashboard "${deadline}"
  fi

  begin start-seat-reports
  start_seat_reports

  begin signal-success
  signal SUCCESS "team-ide: ${#slots[@]} IDE(s) answer through Traefik after ${SECONDS}s"
  log "done"
}

main "$@"
