/*
 * The typed description of a board. Adding a board is one folder:
 * board/<name>/board.ts default-exporting defineBoard({...}).
 */
import type { DeviceKind } from '../kernel/runtime/nymote';

export interface BoardSpec {
  name: string;
  description: string;
  /** CPU the image's kernel is compiled for ("host" = this machine). */
  arch: 'host' | 'x86_64' | 'arm32';
  /** Which kernel/<platform> the image links; "node" builds no image (the TS runs under Node). */
  platform: 'unix' | 'xen' | 'node';
  /** RAM for the JS heap (unix) or the guest (xen). */
  memoryMiB: number;
  /** Driver per device kind: "<module path from the repo root>#<export>". */
  drivers: Partial<Record<DeviceKind, string>>;
  image: { format: 'executable' | 'zimage' | 'pv-elf' | 'none' };
  /** Virtual boards: how `nymote boot` emulates the machine under Xen. */
  emulate?: {
    qemu: string;
    machine: string;
    cpu: string;
    /** Host RAM of the emulated machine (Xen + guests). */
    hostMemoryMiB: number;
    /** File name of the hypervisor in the Xen cache (scripts/setup.sh). */
    xen: string;
  };
}

export function defineBoard(spec: BoardSpec): BoardSpec {
  return spec;
}
