#!/usr/bin/env bash
# Fails when dist/ (index.js, tracking.js, undici.js, licenses.txt) is not what `npm run bundle` builds from the sources (like
# actions/typescript-action's check-dist): rebuilds into a temporary file and compares, then checks
# that the committed copy is the one in the working tree.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
node_bin="node_modules/.bin/node"
[ -x "$node_bin" ] || node_bin="node"
"$node_bin" action/build/bundle.ts "$tmp/index.js" >/dev/null
for f in index.js tracking.js undici.js licenses.txt package.json; do
  if ! cmp -s "$tmp/$f" "dist/$f"; then
    echo "check-dist: dist/$f is out of date with the sources; run 'npm run bundle' and commit dist/." >&2
    exit 1
  fi
done
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  if [ -n "$(git status --porcelain -- dist/)" ]; then
    echo "check-dist: dist/ differs from the committed copy; commit dist/." >&2
    exit 1
  fi
fi
echo "check-dist: dist/ is up to date."
