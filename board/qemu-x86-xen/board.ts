import { defineBoard } from '../spec';
import type * as drivers from './drivers';

export default defineBoard<typeof drivers>({
  name: 'qemu-x86-xen',
  description: "a PC in QEMU (TCG) running Debian's amd64 Xen; our x86_64 PV guest boots as dom0 (fast), or as an xl domU beside a Linux dom0 (--full)",
  arch: 'x86_64',
  platform: 'xen',
  memoryMiB: 16,
  devices: ['console', 'block', 'netif', 'network'],
  image: { format: 'pv-elf' },
  boot: {
    kind: 'xen-x86',
    // Xen's serial console; and eager FPU switching: with Xen's lazy switching
    // (CR0.TS and #NM), dom0's programs crashed now and then under QEMU's TCG
    // while a guest ran beside them (segfaults, ld.so assertions).
    xenArgs: 'console=com1 com1=115200,8n1 spec-ctrl=eager-fpu',
    full: { dom0: 'amd64', memoryMiB: 256, kernelArgs: 'console=hvc0 earlyprintk=xen quiet', virtio: 'pci' },
  },
  emulate: {
    qemu: 'qemu-system-x86_64',
    machine: 'pc,accel=tcg',
    // SMAP in QEMU 7.2's model crashes a PV dom0; RDRAND saves dom0 entropy waits.
    // Without AVX: with it, dom0's glibc (AVX2 string functions) failed now and
    // then while a guest ran beside it (QEMU 7.2's TCG AVX is new).
    cpu: 'max,-smap,-avx,-avx2',
    hostMemoryMiB: 512,
    xen: 'xen-4.17-amd64',
  },
});
