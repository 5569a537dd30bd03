# shellcheck shell=bash disable=SC2034  # sourced by boot.sh, read by scripts and tests
# The container images the host runs, pinned so that a run today boots what the tests
# saw: the one place to bump them (README, "Bumping the images"). Plain NAME=image:tag
# lines, so a script can read them: (. infra/host/images.sh && echo "${CODE_SERVER_IMAGE#*:}")
#
# Traefik: a v3.6 patch from its CHANGELOG (3.6.1 is the first that negotiates the API
# version with Docker 29). code-server: a version the npm package `code-server` also
# publishes (`npm view code-server versions`), which carries the image's version numbers.
TRAEFIK_IMAGE=traefik:v3.6.25
CODE_SERVER_IMAGE=codercom/code-server:4.139.1
