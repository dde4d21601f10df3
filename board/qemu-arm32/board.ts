import { defineBoard } from '../spec';
import type * as drivers from './drivers';

export default defineBoard<typeof drivers>({
  name: 'qemu-arm32',
  description: "a 32-bit ARM host in QEMU: Debian's armhf Xen on cortex-a15 with a GICv2 (Cubieboard2 class), our guest booted dom0less",
  arch: 'arm32',
  platform: 'xen',
  memoryMiB: 16,
  devices: ['console', 'block', 'netif', 'network'],
  image: { format: 'zimage' },
  boot: {
    kind: 'xen-arm',
    // Xen's console: the virt machine's first UART.
    xenArgs: 'console=dtuart dtuart=/pl011@9000000',
    ramBase: 0x40000000,
    // Above Xen (QEMU loads it at 0x40200000) and QEMU's device tree (0x48000000).
    dom0less: { chosen: 'dom0less.dts.in', guestAddress: 0x50000000 },
    // No full topology: scripts/fetch-dom0.sh packages no armhf Linux dom0.
  },
  emulate: {
    qemu: 'qemu-system-arm',
    machine: 'virt,virtualization=on',
    cpu: 'cortex-a15',
    hostMemoryMiB: 1024,
    xen: 'xen-4.17-armhf',
  },
});
