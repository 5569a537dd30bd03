#!/bin/bash
# Reports once which IDEs are in use; the team-ide-seats timer that boot.sh
# installs runs it every minute. Asks each code-server's GET /healthz and writes
# the answers to the run's seat report in SSM, which the sweeper reads for the
# idle stop (shared/idle/seat-report.ts has the format):
#
#   {"seats":[{"slot":1,"status":"alive","lastHeartbeat":1764320000000},...]}
#
# code-server answers "alive" while a browser is connected (an open tab counts)
# or a request came in the last minute, else "expired"; lastHeartbeat is its
# last activity in milliseconds, 0 until a browser first connected. /healthz
# itself does not count as activity. A seat that does not answer is
# "unreachable", which the sweeper never takes for idle.
#
# On the host, not in a container: the instance role's credentials come from
# IMDSv2 with a hop limit of 1. It asks each container directly at its address
# on its own network (the host is every network's gateway), not through
# Traefik: no name, certificate or proxy in between, and no connection kept
# open after the answer (code-server counts open connections as use when its
# heartbeat timer fires; Traefik keeps its own open a few seconds).
#
# Reads SEATS_PARAMETER (the SSM String parameter the team stack created for
# this run), SEAT_ADDRESSES ("N=address:port" per seat, space-separated) and
# AWS_REGION from the environment file boot.sh writes.
set -Eeuo pipefail

: "${SEATS_PARAMETER:?}" "${SEAT_ADDRESSES:?}" "${AWS_REGION:?}"

# One seat's entry in the report, from its /healthz answer.
seat_entry() {
  local slot=$1 address=$2 answer status heartbeat
  if answer=$(curl --silent --fail --max-time 5 "http://${address}/healthz") &&
    [[ ${answer} =~ \"status\":\"(alive|expired)\" ]]; then
    status=${BASH_REMATCH[1]}
    heartbeat=0
    if [[ ${answer} =~ \"lastHeartbeat\":([0-9]{1,15})[,}] ]]; then
      heartbeat=${BASH_REMATCH[1]}
    fi
    printf '{"slot":%s,"status":"%s","lastHeartbeat":%s}' "${slot}" "${status}" "${heartbeat}"
  else
    printf '{"slot":%s,"status":"unreachable"}' "${slot}"
  fi
}

main() {
  local seat slot address entry entries='' summary=''
  local report
  report=$(mktemp)
  # shellcheck disable=SC2064 # the file's name is known now, and must be removed whatever happens next
  trap "rm -f '${report}'" EXIT
  for seat in ${SEAT_ADDRESSES}; do
    slot=${seat%%=*}
    address=${seat#*=}
    [[ ${slot} =~ ^[1-9][0-9]{0,2}$ && ${address} =~ ^[0-9.]+:[0-9]{1,5}$ ]] && ((slot <= 254))
    entry=$(seat_entry "${slot}" "${address}")
    entries+="${entries:+,}${entry}"
    summary+=" dev-${slot}:$([[ ${entry} =~ \"status\":\"([a-z]+)\" ]] && printf '%s' "${BASH_REMATCH[1]}")"
  done
  printf '{"seats":[%s]}' "${entries}" >"${report}"
  # Overwrite only: the host may not create a parameter (its role allows the one
  # tagged with this instance), and file:// keeps the JSON off the command line.
  aws ssm put-parameter --name "${SEATS_PARAMETER}" --type String --overwrite \
    --value "file://${report}" --output text --query Version >/dev/null
  printf 'team-ide seats reported:%s\n' "${summary}"
}

main "$@"
