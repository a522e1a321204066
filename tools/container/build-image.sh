#!/usr/bin/env bash
# Builds the Dockerfile, unchanged, where no container registry can be reached: first the local
# stand-in for its base image (build-base-image.sh, skipped when present), then
# `buildah build --format docker` (the OCI format has no HEALTHCHECK; buildah would drop it).
#
#   tools/container/build-image.sh [TAG]          default TAG: localhost/hsmwatch:latest
#
# `npm ci` inside the build reaches the npm registry. Where HTTPS goes through a proxy with its own CA
# (NODE_EXTRA_CA_CERTS names it), that CA is handed to the build's RUN steps only, in a read-only bind
# mount holding a CA file and npm's global npmrc naming it: nothing of it lands in a layer, so the
# image ships no CA of this machine. HSMWATCH_BUILD_CA=FILE overrides NODE_EXTRA_CA_CERTS; empty disables it.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
tag=${1:-localhost/hsmwatch:latest}

bash "$root/tools/container/build-base-image.sh"

args=(--format docker --pull=never --layers=false -t "$tag")
# shellcheck source=engine.sh
. "$root/tools/container/engine.sh"
[ -n "$ENGINE_RUNTIME" ] && args+=(--runtime "$ENGINE_RUNTIME")
for u in "${ENGINE_ULIMITS[@]}"; do args+=(--ulimit "$u"); done

work=$(mktemp -d /tmp/hsmwatch-image-build.XXXXXX)
trap 'rm -rf "$work"' EXIT
ca=${HSMWATCH_BUILD_CA-${NODE_EXTRA_CA_CERTS:-}}
if [ -n "$ca" ]; then
  # Node's own roots plus the extra CA: what NODE_EXTRA_CA_CERTS means (npm's cafile replaces the roots).
  # Mounted over /usr/local/etc, npm's global config directory (node is /usr/local/bin/node), which the
  # base image has, empty: a bind mount onto a path that is missing would leave an empty file behind.
  mkdir "$work/etc"
  node -p 'require("node:tls").rootCertificates.join("\n")' >"$work/etc/build-ca.pem"
  cat "$ca" >>"$work/etc/build-ca.pem"
  echo 'cafile=/usr/local/etc/build-ca.pem' >"$work/etc/npmrc"
  chmod -R a+rX "$work/etc"
  args+=(-v "$work/etc:/usr/local/etc:ro")
fi

buildah build "${args[@]}" "$root"
