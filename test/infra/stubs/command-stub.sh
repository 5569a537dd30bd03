#!/bin/bash
# Stands in for the commands infra/host/boot.sh runs (docker, curl, aws, dnf,
# systemctl, chown, lsblk, blkid, mkfs, mount, xfs_growfs) in the dry run of
# test/infra: the test links each name to this file. Every call is appended to
# $STUB_LOG as its name and arguments separated by US (0x1f) and ended by RS
# (0x1e); for `docker run --env-file` the env file's content is recorded too,
# to show which password a container reads. Answers come from $STUB_FIXTURES:
# lsblk prints its `lsblk` file, blkid the filesystem type in `blkid-type` (no
# file: a blank device, exit 2). $STUB_FAIL makes one kind of call fail:
# docker-pull, aws-ssm, aws-secrets, secrets-late (each secret is found only at
# the second read), device-late (the data volume shows at the second lsblk),
# healthz:<host> or previews:<host> (a preview name that reaches no IDE),
# ssm-put (the seat report's write denied). $STUB_SEATS answers code-server's
# /healthz at an IDE's own address, as "address:port=status:lastHeartbeat"
# words; an address it does not name refuses the connection. An `ssm
# put-parameter --value file://…` records the file's content as `put-value`.
set -euo pipefail

readonly US=$'\x1f' RS=$'\x1e'
name=$(basename "$0")

record() {
  local IFS="${US}"
  printf '%s%s' "$*" "${RS}" >>"${STUB_LOG:?}"
}

# Prints the value that follows option $1 among the remaining arguments.
option() {
  local wanted=$1
  shift
  while (($# > 0)); do
    if [[ $1 == "${wanted}" ]]; then
      printf '%s' "${2-}"
      return 0
    fi
    shift
  done
  return 1
}

answer_fixture() {
  local file=$1 error=$2
  if [[ ! -f ${file} ]]; then
    echo "An error occurred (${error}) (stub): no fixture ${file##*/}" >&2
    exit 254
  fi
  # `--output text` ends the value with a newline.
  cat "${file}"
  echo
}

record "${name}" "$@"
fail="${STUB_FAIL-}"

case "${name}" in
aws)
  case "${1-} ${2-}" in
  'ssm get-parameter')
    [[ ${fail} != aws-ssm ]] || { echo 'An error occurred (AccessDeniedException) (stub)' >&2; exit 254; }
    parameter=$(option --name "$@")
    answer_fixture "${STUB_FIXTURES:?}/ssm/${parameter//\//_}" ParameterNotFound
    ;;
  'ssm put-parameter')
    [[ ${fail} != ssm-put ]] || { echo 'An error occurred (AccessDeniedException) when calling the PutParameter operation (stub)' >&2; exit 254; }
    value=$(option --value "$@")
    if [[ ${value} == file://* ]]; then
      record put-value "$(cat "${value#file://}")"
    fi
    echo 42
    ;;
  'secretsmanager get-secret-value')
    [[ ${fail} != aws-secrets ]] || { echo 'An error occurred (AccessDeniedException) (stub)' >&2; exit 254; }
    secret=$(option --secret-id "$@")
    # The first read of each secret finds it not created yet.
    marker="${STUB_FIXTURES:?}/secrets/.asked-${secret//\//_}"
    if [[ ${fail} == secrets-late && ! -e ${marker} ]]; then
      touch "${marker}"
      echo 'An error occurred (ResourceNotFoundException) (stub)' >&2
      exit 254
    fi
    answer_fixture "${STUB_FIXTURES:?}/secrets/${secret//\//_}" ResourceNotFoundException
    ;;
  *)
    echo "stub aws: unexpected call: $*" >&2
    exit 2
    ;;
  esac
  ;;
docker)
  case "${1-}" in
  pull)
    [[ ${fail} != docker-pull ]] || { echo 'stub docker: pull failed: toomanyrequests' >&2; exit 1; }
    ;;
  run)
    if env_file=$(option --env-file "$@"); then
      record env-file "${env_file}" "$(cat "${env_file}")"
    fi
    echo 0123456789abcdef
    ;;
  esac
  ;;
lsblk)
  # EC2 attaches the data volume a little after the boot starts.
  marker="${STUB_FIXTURES:?}/.lsblk-asked"
  if [[ ${fail} == device-late && ! -e ${marker} ]]; then
    touch "${marker}"
    head -n 1 "${STUB_FIXTURES}/lsblk"
  else
    cat "${STUB_FIXTURES}/lsblk"
  fi
  ;;
blkid)
  [[ -f ${STUB_FIXTURES:?}/blkid-type ]] || exit 2
  cat "${STUB_FIXTURES}/blkid-type"
  ;;
curl)
  url="${*: -1}"
  if [[ ${url} =~ ^http://([0-9.]+:[0-9]+)/healthz$ ]]; then
    address=${BASH_REMATCH[1]}
    for seat in ${STUB_SEATS-}; do
      if [[ ${seat%%=*} == "${address}" ]]; then
        answer=${seat#*=}
        printf '{"status":"%s","lastHeartbeat":%s}' "${answer%%:*}" "${answer#*:}"
        exit 0
      fi
    done
    echo "curl: (7) Failed to connect to ${address%:*} port ${address#*:}: Connection refused" >&2
    exit 7
  fi
  if [[ ${fail} == healthz:* && ${url} == *"//${fail#healthz:}:"* ]]; then
    echo 'curl: (22) The requested URL returned error: 502' >&2
    exit 22
  fi
  if option --write-out "$@" >/dev/null; then
    if [[ ${fail} == previews:* && ${url} == *"//${fail#previews:}:"* ]]; then
      # Traefik's answer to a name no router takes.
      printf '404'
    elif [[ ${url} =~ ^https://[0-9]+\.dev- ]]; then
      # code-server's answer to a preview without its login.
      printf '401'
    else
      # The dashboard refuses the host, which is not among the admins.
      printf '403'
    fi
  fi
  ;;
*) ;;
esac
