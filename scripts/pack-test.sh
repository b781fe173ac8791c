#!/usr/bin/env bash
# Packs the four packages as they would be published and uses them from a fresh project
# outside the workspace: `pnpm pack` each one (workspace:* becomes the real version), install
# the tarballs with npm into a scratch project (their third-party dependencies come from the
# npm registry), type-check a TypeScript consumer against the shipped .d.ts files, then run a
# plain-JavaScript script that trains a tiny GPT with LoRA and checks the loss falls.
# Exits non-zero on any failure. Usage: bash scripts/pack-test.sh [--keep]  (--keep leaves the
# scratch folder for inspection).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
pnpm=(npx -y pnpm@10.34.9)
packages=(tensor autograd transformer lora)
keep=false
[[ "${1:-}" == "--keep" ]] && keep=true

scratch=$(mktemp -d "${TMPDIR:-/tmp}/typegrad-pack-test.XXXXXX")
cleanup() { if [[ $keep == false ]]; then rm -rf "$scratch"; else echo "scratch kept: $scratch"; fi; }
trap cleanup EXIT
started=$SECONDS
step() { echo "[pack-test $((SECONDS - started))s] $*"; }

step "building"
"${pnpm[@]}" run --silent build

step "packing into $scratch/tarballs"
mkdir -p "$scratch/tarballs"
for p in "${packages[@]}"; do
  (cd "packages/$p" && "${pnpm[@]}" pack --pack-destination "$scratch/tarballs" >/dev/null)
done
tarballs=("$scratch"/tarballs/*.tgz)
[[ ${#tarballs[@]} -eq ${#packages[@]} ]] || { echo "expected ${#packages[@]} tarballs, got ${#tarballs[@]}"; exit 1; }
for t in "${tarballs[@]}"; do
  # Published manifests must not keep the workspace protocol, and must ship their types.
  manifest=$(tar -xzf "$t" package/package.json -O)
  if grep -q '"workspace:' <<<"$manifest"; then echo "$(basename "$t"): package.json still has workspace: ranges"; exit 1; fi
  listing=$(tar -tzf "$t")
  grep -qx 'package/dist/index.d.ts' <<<"$listing" || { echo "$(basename "$t"): no dist/index.d.ts"; exit 1; }
  echo "  $(basename "$t"): $(wc -l <<<"$listing") files, $(du -k "$t" | cut -f1) KiB"
done

step "installing the tarballs into a scratch project"
project="$scratch/project"
mkdir -p "$project"
cp scripts/pack-test/smoke.mjs scripts/pack-test/types.ts "$project/"
cd "$project"
npm init -y >/dev/null
npm pkg set type=module
# One install of all four: each package's dependency on a sibling is met by its tarball, not the registry.
# No install scripts: gpu.js (optional) pulls in gl, whose script builds ANGLE from source for minutes
# where X11 headers are installed; nothing here needs it (the headlessgl mode is tested in the workspace).
npm install --no-audit --no-fund --loglevel=error --ignore-scripts "${tarballs[@]}"
for p in "${packages[@]}"; do
  resolved=$(node -p "require('./package-lock.json').packages['node_modules/@typegrad/$p'].resolved")
  [[ $resolved == file:* ]] || { echo "@typegrad/$p was installed from $resolved, not from its tarball"; exit 1; }
done

step "type-checking a TypeScript consumer against the shipped .d.ts"
cat >tsconfig.json <<'JSON'
{
  "compilerOptions": {
    "target": "ES2022",
    "module": "NodeNext",
    "moduleResolution": "NodeNext",
    "strict": true,
    "noEmit": true,
    "skipLibCheck": true,
    "types": []
  },
  "files": ["types.ts"]
}
JSON
node "$root/node_modules/typescript/bin/tsc" -p tsconfig.json

step "training a tiny model with LoRA from the installed packages"
node smoke.mjs
step "passed"
