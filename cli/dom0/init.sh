#!/bin/busybox sh
# /init of the virtual boards' Linux dom0 (DESIGN.md §6): brings up Xen's
# toolstack, starts the guest with `xl create` and streams the guest's PV
# console to dom0's console as "nymote-guest: <line>". The host reads
# "nymote-dom0: ..." lines for progress and failures.
/bin/busybox mkdir -p /usr/bin /usr/sbin /sbin /proc /sys /dev /tmp /run
/bin/busybox --install -s
export PATH=/usr/lib/xen-4.17/bin:/usr/sbin:/usr/bin:/sbin:/bin
export LD_LIBRARY_PATH=/lib/x86_64-linux-gnu:/usr/lib/x86_64-linux-gnu:/lib/aarch64-linux-gnu:/usr/lib/aarch64-linux-gnu

say() { echo "nymote-dom0: $*" > /dev/console; }
fail() { say "FAILED: $*"; sleep 1; poweroff -f; }

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /etc/xen
mount -t devpts devpts /dev/pts   # xenconsoled gives every guest console a pty
# A vif added by hand (xl network-attach) gets our bridge and hotplug script too.
printf 'vif.default.bridge="xenbr0"\nvif.default.script="/etc/xen/scripts/nymote-vif"\n' > /etc/xen/xl.conf
for m in $(cat /etc/nymote/modules); do insmod "/lib/modules/$m" || fail "insmod $m"; done
mount -t xenfs xenfs /proc/xen || fail "mounting xenfs"
mkdir -p /var/run/xen /var/run/xenstored /var/lib/xen /var/lib/xenstored /var/log/xen/console /var/lock

xenstored --pid-file=/var/run/xenstored.pid || fail "xenstored"
xen-init-dom0 > /tmp/xen-init-dom0.log 2>&1 || { cat /tmp/xen-init-dom0.log > /dev/console; fail "xen-init-dom0"; }
xenconsoled --log=guest --log-dir=/var/log/xen/console || fail "xenconsoled"
# The machine's NICs on one bridge with the guests' vifs (the vif hotplug
# script adds each vif): dom0 forwards frames and has no address of its own.
brctl addbr xenbr0 || fail "creating the bridge"
for nic in /sys/class/net/*; do
  nic="${nic##*/}"
  case "$nic" in lo|xenbr0) continue ;; esac
  ip link set "$nic" up && brctl addif xenbr0 "$nic" || fail "bridging $nic"
done
ip link set xenbr0 up
say "ready after $(cut -d' ' -f1 /proc/uptime) s"

xl create /guest/guest.cfg > /tmp/xl-create.log 2>&1 || { cat /tmp/xl-create.log > /dev/console; fail "xl create"; }
say "guest started after $(cut -d' ' -f1 /proc/uptime) s"
# A HIL run may act on the running guest from dom0 (xl network-detach, ...).
[ -x /guest/dom0-script ] && { /guest/dom0-script 2>&1 | sed 's/^/nymote-dom0: script: /' > /dev/console & }
# The guest's console log: its PV ring's, unless the boot names another (ARM: the vuart's).
log="/var/log/xen/console/$(cat /guest/console-log 2>/dev/null || echo guest-nymote.log)"
while [ ! -e "$log" ]; do usleep 20000; done
# Relays the log line by line until the end marker this script appends once
# the domain is gone, so no line is lost however slowly dom0 runs.
END=nymote-dom0-end-of-guest-log
tail -n +1 -f "$log" | while IFS= read -r line; do
  case "$line" in
    *"$END") [ -n "${line%"$END"}" ] && echo "nymote-guest: ${line%"$END"}"; : > /tmp/relayed; break ;;
  esac
  echo "nymote-guest: $line"
done > /dev/console &

# The domain stays listed until it is gone; on_crash=preserve keeps a crashed
# one listed in state "c". Only xl's own "invalid domain" means gone: any
# other failure of `xl list` is reported and the watch goes on.
while :; do
  if out="$(xl list nymote 2>&1)"; then
    state="$(echo "$out" | awk 'NR == 2 { print $5 }')"
    case "$state" in *c*) break ;; esac
  else
    case "$out" in *"invalid domain"*) state=gone; break ;; esac
    say "warning: xl list: $out"
  fi
  sleep 1
done
echo "$END" >> "$log"
i=0; while [ ! -e /tmp/relayed ] && [ $i -lt 600 ]; do usleep 50000; i=$((i + 1)); done
killall tail 2>/dev/null
case "$state" in
  *c*) say "guest ended (crashed)" ;;
  *) say "guest ended (shut down)" ;;
esac
poweroff -f
