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
  boot: {
    kind: 'xen-arm',
    // Xen's console: the virt machine's first UART.
    xenArgs: 'console=dtuart dtuart=/pl011@9000000',
    ramBase: 0x40000000,
    // Above Xen (QEMU loads it at 0x40200000) and QEMU's device tree (0x48000000).
    dom0less: { chosen: 'dom0less.dts.in', guestAddress: 0x50000000 },
    full: {
      chosen: 'full.dts.in',
      dom0: 'arm64',
      memoryMiB: 256,
      // Debian's arm64 kernel is an uncompressed Image; our /init is in the initramfs.
      kernelArgs: 'console=hvc0 earlycon=xen rdinit=/init quiet',
      virtio: 'mmio',
      // Above Xen and QEMU's device tree, like the dom0less guest, with room for a kernel of up to 128 MiB.
      kernelAddress: 0x50000000,
      initramfsAddress: 0x58000000,
    },
  },
  emulate: {
    qemu: 'qemu-system-aarch64',
    machine: 'virt,virtualization=on,gic-version=3',
    cpu: 'cortex-a57',
    hostMemoryMiB: 1024,
    xen: 'xen-4.17-arm64',
  },
});
