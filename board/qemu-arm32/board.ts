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
  emulate: {
    qemu: 'qemu-system-arm',
    machine: 'virt,virtualization=on',
    cpu: 'cortex-a15',
    hostMemoryMiB: 1024,
    xen: 'xen-4.17-armhf',
  },
});
