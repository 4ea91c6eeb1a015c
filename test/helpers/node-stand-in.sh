#!/usr/bin/env bash
# Makes a local stand-in for the official node:24-bookworm-slim image (no image registry is reachable
# here): Debian bookworm (mmdebstrap, minbase) with the Node 24 binary of the `node` devDependency and
# this machine's npm in /usr/local, a `node` user (uid 1000) as in the official image, imported under
# the official name (podman stores it as localhost/node:24-bookworm-slim, which FROM finds with
# --pull=never). Unlike the official image it has no yarn and no docker-entrypoint.sh, and it trusts
# the TLS certificate authorities this machine trusts (its /etc/ssl/certs bundle, also as npm's
# cafile in /usr/local/etc/npmrc), so `RUN npm ci` in a build reaches the registry the way npm on
# this machine does, behind a TLS-inspecting proxy too. Nothing of this reaches the project's files.
#
# Usage: node-stand-in.sh NODE_BINARY FINGERPRINT
# Does nothing when an image of that name carries the same fingerprint label (the Node and npm
# versions and this script's hash), so repeated test runs reuse it. Callers hold a lock (flock).
set -euo pipefail
node_bin="$1" fingerprint="$2"
name="node:24-bookworm-slim"
podman=(podman --runtime=runc --cgroup-manager=cgroupfs)
have="$("${podman[@]}" image inspect --format '{{index .Config.Labels "io.captcha-runway.stand-in"}}' "localhost/$name" 2>/dev/null || true)"
if [ "$have" = "$fingerprint" ]; then
  echo "stand-in localhost/$name is current ($fingerprint)"
  exit 0
fi
npm_dir="$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/tree/usr/local/bin" "$work/tree/usr/local/lib/node_modules"
cp "$node_bin" "$work/tree/usr/local/bin/node"
cp -r "$npm_dir" "$work/tree/usr/local/lib/node_modules/npm"
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$work/tree/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$work/tree/usr/local/bin/npx"
mmdebstrap --quiet --variant=minbase --include=ca-certificates \
  --customize-hook='chroot "$1" groupadd -g 1000 node' \
  --customize-hook='chroot "$1" useradd -u 1000 -g node -m -s /bin/sh node' \
  --customize-hook="tar -C '$work/tree' -c usr/local | tar -C \"\$1\" -x" \
  --customize-hook='cp /etc/ssl/certs/ca-certificates.crt "$1"/etc/ssl/certs/ca-certificates.crt' \
  --customize-hook='mkdir -p "$1"/usr/local/etc && echo cafile=/etc/ssl/certs/ca-certificates.crt > "$1"/usr/local/etc/npmrc' \
  --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*' \
  bookworm "$work/rootfs.tar"
"${podman[@]}" import --quiet \
  --change 'CMD ["node"]' \
  --change "LABEL io.captcha-runway.stand-in=$fingerprint" \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  "$work/rootfs.tar" "$name" >/dev/null
echo "stand-in localhost/$name made ($fingerprint)"
