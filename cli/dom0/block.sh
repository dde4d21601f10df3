#!/bin/sh
# libxl's hotplug script for a guest's disk in our dom0 (xl: script=...):
# tells blkback which block device backs the vbd, as "major:minor" in hex.
# libxl passes add|remove and XENBUS_PATH (backend/vbd/D/N).
case "$1" in
  add)
    params="$(xenstore-read "$XENBUS_PATH/params")"
    dev="$(readlink -f "$params")"
    if [ ! -b "$dev" ]; then
      xenstore-write "$XENBUS_PATH/hotplug-error" "$params is not a block device"
      xenstore-write "$XENBUS_PATH/hotplug-status" error
      exit 1
    fi
    xenstore-write "$XENBUS_PATH/physical-device" "$(stat -L -c '%t:%T' "$dev")"
    xenstore-write "$XENBUS_PATH/physical-device-path" "$dev"
    xenstore-write "$XENBUS_PATH/hotplug-status" connected ;;
esac
exit 0
