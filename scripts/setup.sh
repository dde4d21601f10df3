#!/usr/bin/env bash
# The one idempotent set-up step: every Debian and npm dependency of the project.
# Safe to run again; it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

DEBIAN_PACKAGES=(
  build-essential duktape-dev
  gcc-arm-none-eabi libnewlib-arm-none-eabi binutils-arm-none-eabi
  qemu-system-arm qemu-system-x86 qemu-utils device-tree-compiler musl-dev
  dosfstools mtools dnsutils knot-dnsutils curl iproute2 iputils-ping cpio
  socat netcat-openbsd dnsmasq-base nftables python3 bind9-utils nsd dnsperf bind9 valgrind
  wrk nginx-light chromium fonts-dejavu-core
)

missing=()
for pkg in "${DEBIAN_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq || true
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Xen hypervisors for the virtual boards: Debian's own builds, unpacked
# (never installed) into a cache the boot tool reads (DESIGN.md §6). The amd64
# one is gunzipped: QEMU's -kernel loads the ELF32 multiboot image inside.
XEN_CACHE="${NYMOTE_CACHE:-/var/cache/nymote}/xen-4.17"
if [ ! -s "$XEN_CACHE/xen-4.17-arm64" ] || [ ! -s "$XEN_CACHE/xen-4.17-armhf" ] || [ ! -s "$XEN_CACHE/xen-4.17-amd64" ]; then
  echo "setup: fetching Debian's Xen 4.17 hypervisors (arm64, armhf, amd64)"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  for arch in arm64 armhf; do
    dpkg --print-foreign-architectures | grep -qx "$arch" || $SUDO dpkg --add-architecture "$arch"
  done
  $SUDO apt-get update -qq 2>/dev/null || true   # an armhf index may fail; the packages still resolve
  tmp="$(mktemp -d)"; chmod 755 "$tmp"
  (cd "$tmp" && apt-get download -qq xen-hypervisor-4.17-arm64:arm64 xen-hypervisor-4.17-armhf:armhf xen-hypervisor-4.17-amd64:amd64)
  $SUDO mkdir -p "$XEN_CACHE"
  for deb in "$tmp"/*.deb; do dpkg-deb -x "$deb" "$tmp/x"; done
  gunzip -c "$tmp/x/boot/xen-4.17-amd64.gz" > "$tmp/x/boot/xen-4.17-amd64"
  $SUDO cp "$tmp/x/boot/xen-4.17-arm64" "$tmp/x/boot/xen-4.17-armhf" "$tmp/x/boot/xen-4.17-amd64" "$XEN_CACHE/"
  rm -rf "$tmp"
fi

# The Linux dom0s of the full topologies (boot --full), from Debian's packages:
# amd64 for the x86 boards, arm64 for qemu-arm64 (the Raspberry Pi 4 shape).
bash scripts/fetch-dom0.sh amd64
bash scripts/fetch-dom0.sh arm64

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ] || [ package.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing npm packages"
  if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi
fi
echo "setup: ok"
