#!/usr/bin/env bash
# GPU check for the gpujs backend: the gpujs:webgpu conformance suite, then a matmul/attention/
# bandwidth benchmark (bench/gpu-check.ts), in under 5 minutes. On a machine with an NVIDIA GPU
# Dawn uses Vulkan; elsewhere it falls back to OpenGL on Mesa llvmpipe (software: correctness
# only, quick sizes). Usage: bash bench/gpu-check.sh [--quick]
set -euo pipefail
cd "$(dirname "$0")/.."

export EGL_PLATFORM="${EGL_PLATFORM:-surfaceless}"
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp}"
export TYPEGRAD_DAWN_BACKEND="${TYPEGRAD_DAWN_BACKEND:-auto}"

if command -v nvidia-smi >/dev/null 2>&1; then
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
  if ! ldconfig -p | grep -q 'libvulkan.so.1'; then
    echo "gpu-check: no Vulkan loader (libvulkan.so.1): Dawn cannot reach the GPU; install libvulkan1" >&2
  fi
else
  echo "gpu-check: no nvidia-smi; Dawn will use whatever adapter it finds (llvmpipe on a machine without a GPU)"
fi

start=$SECONDS
[ -d node_modules/.pnpm ] || npx -y pnpm@10.34.9 install --frozen-lockfile
npx tsc -b packages/tensor
timeout 150 npx vitest run packages/tensor/test/conformance-gpujs-webgpu.test.ts
timeout 150 node --import tsx bench/gpu-check.ts "$@"
echo "gpu-check: done in $((SECONDS - start)) s"
