#!/usr/bin/env bash
# Builds the native addon of the npm package `gl` (headless-gl), which the gpujs backend's
# optional 'headlessgl' mode runs on. pnpm does not run its install script (no prebuilt binary
# is reachable here, and a failed source build would fail every install), so this builds it on
# request: ANGLE from source, about 80 s on 2 cores. Needs python3, make, g++, Node's headers
# and the X11 development packages; as root with apt it installs what is missing, and Xvfb
# for the tests (test/setup/xvfb.ts starts it). Run after `pnpm install`.
set -euo pipefail
cd "$(dirname "$0")/.."

gl_dir=$(node -e '
  const { createRequire } = require("node:module");
  const fromTensor = createRequire(require.resolve("./packages/tensor/package.json"));
  const fromGpujs = createRequire(fromTensor.resolve("gpu.js"));
  console.log(require("node:path").dirname(fromGpujs.resolve("gl/package.json")));
' 2>/dev/null) || { echo "setup-headlessgl: gpu.js or gl is not installed; run pnpm install first" >&2; exit 1; }

if [[ -f "$gl_dir/build/Release/webgl.node" ]]; then
  echo "setup-headlessgl: gl's native addon is already built ($gl_dir)"
  exit 0
fi

packages=(libxi-dev libxext-dev libx11-dev pkg-config python3 make g++ xvfb)
missing=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if ((${#missing[@]})); then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "setup-headlessgl: installing ${missing[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "setup-headlessgl: missing Debian packages: ${missing[*]} (install them as root)" >&2
    exit 1
  fi
fi

# node-gyp would download Node's headers; use the installed ones (npm's nodedir, or /usr).
nodedir=$(npm config get nodedir 2>/dev/null || true)
if [[ -z "$nodedir" || "$nodedir" == "undefined" || "$nodedir" == "null" ]]; then
  for dir in /usr /usr/local "$(dirname "$(dirname "$(command -v node)")")"; do
    if [[ -f "$dir/include/node/node.h" ]]; then nodedir=$dir; break; fi
  done
fi
gyp_args=(rebuild -j "$(nproc)")
[[ -n "$nodedir" ]] && gyp_args+=("--nodedir=$nodedir")

node_gyp=$(cd "$gl_dir" && node -p 'require.resolve("node-gyp/bin/node-gyp.js")')
echo "setup-headlessgl: building gl's native addon in $gl_dir (ANGLE from source, a minute or two)"
started=$SECONDS
log=$(mktemp)
if ! (cd "$gl_dir" && node "$node_gyp" "${gyp_args[@]}") >"$log" 2>&1; then
  tail -n 30 "$log" >&2
  echo "setup-headlessgl: the build failed (log: $log)" >&2
  exit 1
fi
rm -f "$log"
echo "setup-headlessgl: built in $((SECONDS - started)) s"
