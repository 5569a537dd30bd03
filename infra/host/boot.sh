#!/bin/bash
# Boots the team host: Docker, Traefik v3 and one code-server per developer
# slot, then tells CloudFormation (through the wait condition handle) whether
# every IDE answers /healthz through Traefik.
#
# The EC2 user data exports the run's values (see the header in
# infra/team-stack.yaml), writes infra/host/* to /opt/team-ide and runs this
# file. Every path it writes is prefixed by HOST_ROOT (empty on the host), so
# the dry run in test/infra can run it unchanged in a temporary directory with
# stub docker, curl, aws, dnf, systemctl and chown first on PATH.
#
# Secrets: the TLS key, the dashboard hash and the passwords go from the aws
# CLI straight to files of mode 600; none is echoed, put on a command line or
# in a label. There is no `set -x` on purpose.
set -Eeuo pipefail

: "${STACK_NAME:?}" "${RUN_ID:?}" "${DOMAIN_NAME:?}" "${SLOTS:?}"
: "${EXPOSED_PORT:?}" "${DASHBOARD_PORT:?}" "${WAIT_HANDLE_URL:?}"
: "${CERTIFICATE_PARAMETER:?}" "${DASHBOARD_USERS_PARAMETER:?}"

readonly NETWORK=team-ide
readonly HOST_FILES="${HOST_ROOT:-}/opt/team-ide"
# The pinned image tags, written beside this file by the user data.
# shellcheck source=infra/host/images.sh
source "${HOST_FILES}/images.sh"
: "${TRAEFIK_IMAGE:?}" "${CODE_SERVER_IMAGE:?}"
readonly TRAEFIK_DIR="${HOST_ROOT:-}/etc/team-ide/traefik"
readonly ENV_DIR="${HOST_ROOT:-}/etc/team-ide/env"
readonly PROJECTS_DIR="${HOST_ROOT:-}/srv/team-ide"
# Secrets are created in parallel with the instance and normally exist long
# before the boot asks; the wait covers a slow create, not a missing secret.
readonly SECRET_TIMEOUT="${SECRET_TIMEOUT:-120}"
readonly HEALTH_TIMEOUT="${HEALTH_TIMEOUT:-180}"

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
  IFS=, read -r -a slots <<<"${SLOTS}"
  ((${#slots[@]} > 0))
  local slot
  for slot in "${slots[@]}"; do
    [[ ${slot} =~ ^[1-9][0-9]?$ ]]
  done
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

render_traefik_config() {
  sed -e "s/__EXPOSED_PORT__/${EXPOSED_PORT}/g" -e "s/__DASHBOARD_PORT__/${DASHBOARD_PORT}/g" \
    "${HOST_FILES}/traefik.yaml" >"${TRAEFIK_DIR}/traefik.yaml"
  cp "${HOST_FILES}/dynamic.yaml" "${TRAEFIK_DIR}/dynamic.yaml"
  if grep -q '__[A-Z_]*__' "${TRAEFIK_DIR}/traefik.yaml"; then
    return 1
  fi
}

start_traefik() {
  local monitor="monitor.${DOMAIN_NAME}"
  docker run --detach --name traefik --restart unless-stopped --network "${NETWORK}" \
    --publish 80:80 \
    --publish "${EXPOSED_PORT}:${EXPOSED_PORT}" \
    --publish "${DASHBOARD_PORT}:${DASHBOARD_PORT}" \
    --volume /var/run/docker.sock:/var/run/docker.sock:ro \
    --volume "${TRAEFIK_DIR}:/etc/traefik:ro" \
    --label traefik.enable=true \
    --label "traefik.http.routers.dashboard.rule=Host(\`${monitor}\`)" \
    --label traefik.http.routers.dashboard.entryPoints=dashboard \
    --label traefik.http.routers.dashboard.tls=true \
    --label traefik.http.routers.dashboard.service=api@internal \
    --label traefik.http.routers.dashboard.middlewares=dashboard-auth@file \
    "${TRAEFIK_IMAGE}" --configFile=/etc/traefik/traefik.yaml
}

# code-server checks the password itself, per container: dev-1's password
# cannot open dev-2, and a password never leaves its own env file. The image's
# ENTRYPOINT already carries `--bind-addr 0.0.0.0:8080 .`; naming the same
# entrypoint again replaces those arguments, so the project is the one folder
# opened and every flag is visible here.
start_ide() {
  local name="dev-$1"
  local host="${name}.${DOMAIN_NAME}" project="${PROJECTS_DIR}/${name}"
  install -d -m 0755 "${project}"
  # uid 1000 is the coder user of the image.
  chown 1000:1000 "${project}"
  docker run --detach --name "${name}" --restart unless-stopped --network "${NETWORK}" \
    --env-file "${ENV_DIR}/${name}.env" \
    --volume "${project}:/home/coder/project" \
    --label traefik.enable=true \
    --label "traefik.docker.network=${NETWORK}" \
    --label "traefik.http.routers.${name}.rule=Host(\`${host}\`)" \
    --label "traefik.http.routers.${name}.entryPoints=websecure" \
    --label "traefik.http.routers.${name}.tls=true" \
    --label "traefik.http.routers.${name}.service=${name}" \
    --label "traefik.http.services.${name}.loadBalancer.server.port=8080" \
    --entrypoint /usr/bin/entrypoint.sh \
    "${CODE_SERVER_IMAGE}" \
    --bind-addr 0.0.0.0:8080 --auth password \
    --disable-telemetry --disable-update-check /home/coder/project
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

# The dashboard must answer, and refuse a request without credentials.
check_dashboard() {
  local host="monitor.${DOMAIN_NAME}" deadline=$1 code=''
  local url="https://${host}:${DASHBOARD_PORT}/dashboard/" resolve="${host}:${DASHBOARD_PORT}:127.0.0.1"
  until code=$(curl --silent --output /dev/null --write-out '%{http_code}' --max-time 5 \
    --resolve "${resolve}" "${url}") && [[ ${code} == 401 ]]; do
    if ((SECONDS >= deadline)); then
      log "dashboard answered HTTP ${code:-none}, expected 401"
      return 1
    fi
    sleep 2
  done
}

main() {
  local slot pid deadline
  local -a slots pulls

  begin check-values
  check_values

  # dnf takes the longest; the credentials are fetched meanwhile.
  begin install-docker
  dnf install --assumeyes --quiet docker &
  local dnf_pid=$!

  install -d -m 0755 "${HOST_FILES}" "${PROJECTS_DIR}"
  install -d -m 0700 "${TRAEFIK_DIR}" "${TRAEFIK_DIR}/tls" "${ENV_DIR}"
  umask 077

  begin fetch-certificate
  fetch_tls
  begin fetch-dashboard-users
  # An htpasswd bcrypt line: user:$2y$...
  fetch_parameter "${DASHBOARD_USERS_PARAMETER}" "${TRAEFIK_DIR}/dashboard-users" "^[^:[:space:]]+:[$]2[aby][$]"
  for slot in "${slots[@]}"; do
    begin "fetch-password-dev-${slot}"
    fetch_password "${slot}"
  done

  begin render-traefik-config
  render_traefik_config
  umask 022

  begin install-docker
  wait "${dnf_pid}"
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

  begin create-network
  docker network create "${NETWORK}"

  begin start-traefik
  start_traefik

  for slot in "${slots[@]}"; do
    begin "start-dev-${slot}"
    start_ide "${slot}"
  done

  deadline=$((SECONDS + HEALTH_TIMEOUT))
  for slot in "${slots[@]}"; do
    begin "wait-healthy-dev-${slot}"
    wait_healthy "${slot}" "${deadline}"
  done

  begin check-dashboard
  check_dashboard "${deadline}"

  begin signal-success
  signal SUCCESS "team-ide: ${#slots[@]} IDE(s) answer through Traefik after ${SECONDS}s"
  log "done"
}

main "$@"
