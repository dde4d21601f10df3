import { defineBoard } from '../spec';

export default defineBoard({
  name: 'qemu-arm32',
  description: "a 32-bit ARM host in QEMU: Debian's armhf Xen on cortex-a15 with a GICv2 (Cubieboard2 class), our guest booted dom0less",
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
    qemu: 'qemu-system-arm',
    machine: 'virt,virtualization=on',
    cpu: 'cortex-a15',
    hostMemoryMiB: 1024,
    xen: 'xen-4.17-armhf',
  },
});
