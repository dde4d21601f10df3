#!/usr/bin/env bash
# Fetches what a virtual board's Linux dom0 is made of (DESIGN.md §6) for one
# Debian architecture: the kernel, busybox-static, xen-utils-4.17 and the
# libraries its tools load, unpacked with dpkg-deb -x (never installed) into
# $NYMOTE_CACHE/dom0-<arch>/root. Only the kernel modules a dom0 loads are
# kept. Idempotent: a complete tree is left alone.
#   usage: fetch-dom0.sh amd64|arm64
set -euo pipefail
arch="${1:?usage: fetch-dom0.sh amd64|arm64}"
cache="${NYMOTE_CACHE:-/var/cache/nymote}/dom0-$arch"
# What the tree is made of; a tree fetched for another list is fetched again.
recipe="packages: busybox-static xen-utils-4.17 xenstore-utils, modules: xen netback blkback bridge tun virtio"
[ -f "$cache/complete" ] && [ "$(cat "$cache/complete")" = "$recipe" ] && exit 0

echo "setup: fetching the $arch dom0 (Debian kernel, busybox-static, xen-utils-4.17)"
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
[ "$arch" = "$(dpkg --print-architecture)" ] || dpkg --print-foreign-architectures | grep -qx "$arch" || {
  $SUDO dpkg --add-architecture "$arch"; $SUDO apt-get update -qq 2>/dev/null || true; }

kernel="$(apt-cache depends "linux-image-$arch:$arch" | awk '/Depends: linux-image-/{print $2; exit}')"
[ -n "$kernel" ] || { echo "setup: no linux-image-$arch in the apt index" >&2; exit 1; }
kernel="${kernel%%:*}"
# xen-utils' tools and the libraries they load (the dom0 image code checks
# every ELF's NEEDED list against this tree and names anything missing).
packages=(
  "$kernel" busybox-static xen-utils-4.17 xen-utils-common xenstore-utils
  libxencall1 libxenevtchn1 libxenforeignmemory1 libxengnttab1 libxenmisc4.17 libxenstore4
  libxentoollog1 libxentoolcore1 libxendevicemodel1 libxenhypfs1 libyajl2
  libc6 libgcc-s1 libuuid1 zlib1g libncurses6 libtinfo6 liblzma5 libzstd1 libbz2-1.0 libfdt1
)

tmp="$(mktemp -d)"; chmod 755 "$tmp"
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && apt-get download -qq "${packages[@]/%/:$arch}" 2>&1 | grep -v unsandboxed || true)
mkdir -p "$tmp/root"
for deb in "$tmp"/*.deb; do dpkg-deb -x "$deb" "$tmp/root"; done
for deb in "$tmp"/*.deb; do dpkg-deb -f "$deb" Package Version | paste -sd' '; done > "$tmp/root/.packages"

# Keep only the modules a dom0 needs: Xen's device files, the back ends,
# bridging, and the virtio NIC and disk of the virtual boards.
modules="$(echo "$tmp"/root/lib/modules/*)"
keep="$tmp/keep"
mkdir -p "$keep"
for dir in kernel/drivers/xen kernel/drivers/net/xen-netback kernel/drivers/block/xen-blkback \
           kernel/net/bridge kernel/net/802 kernel/net/llc kernel/drivers/net/tun.ko \
           kernel/drivers/virtio kernel/drivers/net/virtio_net.ko kernel/drivers/net/net_failover.ko \
           kernel/net/core/failover.ko kernel/drivers/block/virtio_blk.ko; do
  [ -e "$modules/$dir" ] && { mkdir -p "$keep/$(dirname "$dir")"; cp -a "$modules/$dir" "$keep/$dir"; }
done
cp "$modules/modules.builtin" "$keep/" 2>/dev/null || true
rm -rf "$modules"; mv "$keep" "$modules"
rm -rf "$tmp/root/usr/share"

$SUDO rm -rf "$cache"; $SUDO mkdir -p "$cache"
$SUDO cp -a "$tmp/root" "$cache/root"
echo "$recipe" | $SUDO tee "$cache/complete" > /dev/null
echo "setup: dom0-$arch ready ($(du -sh "$cache" | cut -f1))"
