import { defineBoard } from '../spec';
import type * as drivers from './drivers';

export default defineBoard<typeof drivers>({
  name: 'xen-x86',
  description: 'any x86_64 Xen host: a PV domU kernel plus an xl config to start it with `xl create`',
  arch: 'x86_64',
  platform: 'xen',
  memoryMiB: 16,
  devices: ['console', 'block', 'netif', 'network'],
  image: { format: 'pv-elf' },
  // Here: as it would boot on a Xen host, beside a Linux dom0, in the emulated PC.
  boot: { kind: 'xen-domu', host: 'qemu-x86-xen' },
});
