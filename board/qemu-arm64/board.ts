import { defineBoard } from '../spec';
import type * as drivers from './drivers';

export default defineBoard<typeof drivers>({
  name: 'qemu-arm64',
  description: "the Raspberry Pi 4 shape in QEMU: Debian's arm64 Xen on cortex-a57 with a GICv3, our 32-bit ARM guest booted dom0less",
  arch: 'arm32',
  platform: 'xen',
  memoryMiB: 16,
  devices: ['console', 'block', 'netif', 'network'],
  image: { format: 'zimage' },
  emulate: {
    qemu: 'qemu-system-aarch64',
    machine: 'virt,virtualization=on,gic-version=3',
    cpu: 'cortex-a57',
    hostMemoryMiB: 1024,
    xen: 'xen-4.17-arm64',
  },
});
