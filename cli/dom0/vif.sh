#!/bin/sh
# libxl's hotplug script for a guest's vif in our dom0 (xl: script=...):
# joins the backend interface to the bridge the vif names and tells the
# backend it may connect. Debian's vif-bridge needs bash and flock, which
# the busybox initramfs lacks. libxl passes online|offline and the env
# vars vif (the interface, e.g. vif1.0) and XENBUS_PATH (backend/vif/D/N).
bridge="$(xenstore-read "$XENBUS_PATH/bridge" 2>/dev/null)"
bridge="${bridge:-xenbr0}"
case "$1" in
  online|add)
    ip link set "$vif" up || exit 1
    brctl addif "$bridge" "$vif" || exit 1
    xenstore-write "$XENBUS_PATH/hotplug-status" connected ;;
  offline|remove)
    brctl delif "$bridge" "$vif" 2>/dev/null
    xenstore-rm "$XENBUS_PATH/hotplug-status" 2>/dev/null ;;
esac
exit 0
