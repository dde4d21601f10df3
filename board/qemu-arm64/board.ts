import { defineBoard } from '../spec';

export default defineBoard({
  name: 'qemu-arm64',
  description: "the Raspberry Pi 4 shape in QEMU: Debian's arm64 Xen on cortex-a57 with a GICv3, our 32-bit ARM guest booted dom0less",
  arch: 'arm32',
  platform: 'xen',
  memoryMiB: 16,
  drivers: {
    console: 'drivers/kernel/console.ts#createConsole',
    // PV devices: a dom0 with netback/blkback and xenstore (nymote boot --full, or a real Xen host)
    network: 'drivers/xen/kernel/netfront-device.ts#createNetfront',
    block: 'drivers/xen/kernel/blkfront-device.ts#createBlkfront',
  },
  image: { format: 'zimage' },
  emulate: {
    qemu: 'qemu-system-aarch64',
    machine: 'virt,virtualization=on,gic-version=3',
    cpu: 'cortex-a57',
    hostMemoryMiB: 1024,
    xen: 'xen-4.17-arm64',
  },
});
