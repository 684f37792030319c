#!/usr/bin/env bash
# Sets up a fresh Debian machine for torchnas: system packages (LibTorch, gloo's headers for c10d, BLAS, cmake, zlib, the
# Fashion-MNIST dataset, the DejaVu fonts that PNG plots draw their text with), then `npm ci`, which builds the native addon and compiles TypeScript.
# Idempotent: installed packages are skipped. Run it from anywhere, as root (or with sudo available).
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."

# libjpeg62-turbo-dev and libpng-dev decode image folders; libjpeg-turbo-progs' cjpeg writes the JPEG
# files that the image-folder tests and bench:data make. clang-format: the suite checks the C++ layout.
# chromium: the dashboard's tests drive it (puppeteer-core); they skip where it is missing.
PACKAGES=(cmake g++ make libtorch-dev libgloo-dev libopenblas0-pthread zlib1g-dev libjpeg62-turbo-dev libpng-dev
  libjpeg-turbo-progs dataset-fashion-mnist fonts-dejavu-core clang-format chromium)
# The Python benchmark half (npm run bench:train) uses Debian's PyTorch: the same LibTorch 1.13 build.
# bench:data compares with torchvision's ImageFolder + DataLoader.
if [[ "${TORCHNAS_SETUP_BENCH:-0}" == 1 ]]; then PACKAGES+=(python3-torch python3-torchvision); fi

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
      echo "setup: these Debian packages are missing: ${missing[*]}" >&2
      echo "setup: run this script as root (or install them with apt-get) and try again." >&2
      exit 1
    fi
  else SUDO=; fi
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update -qq
  if ! DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; then
    echo "setup: apt-get could not install: ${missing[*]} (is this Debian 12 or newer with main enabled?)" >&2
    exit 1
  fi
fi

# Debian's LibTorch calls whichever libblas.so.3 is selected; the reference BLAS is ~70x slower.
openblas=$(update-alternatives --list libblas.so.3-x86_64-linux-gnu 2>/dev/null | grep openblas-pthread | head -n 1 || true)
if [[ -n "$openblas" && $(id -u) -eq 0 ]]; then
  update-alternatives --set libblas.so.3-x86_64-linux-gnu "$openblas" >/dev/null
fi

if [[ ! -d node_modules || package-lock.json -nt node_modules/.package-lock.json ]]; then
  # onnxruntime-node (the ONNX export checks) bundles its CPU binaries; its postinstall would fetch
  # the CUDA ones from nuget.org, which is neither reachable here nor needed (CPU provider only).
  ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund
else
  echo "setup: node_modules is current (delete it to reinstall)"
  [[ -f build/Release/torchnas.node ]] || npm run build:native
  [[ -f dist/lib/index.js ]] || npm run build:ts
fi
echo "setup: done. Try: npx torchnas info"
