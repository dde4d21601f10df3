/*
 * The typed description of a board. Adding a board is one folder:
 * board/<name>/board.ts default-exporting defineBoard<typeof drivers>({...})
 * (read by the CLI on the host) and board/<name>/drivers.ts exporting one
 * driver factory per device kind it offers (bundled into the image; only the
 * kinds an app needs are kept).
 */
import type { BlockDevice, ConsoleDevice, DriverFactory, HostFiles, Netif } from '../drivers/interfaces';
import type { Network } from '../net/network';

/** What an app may ask for, by kind, and the device each yields. */
export interface DeviceKinds {
  console: ConsoleDevice;
  block: BlockDevice;
  /** A network to use: our stack over the board's NIC, or the host's sockets (node board). */
  network: Network;
  /** The NIC itself: Ethernet frames, for apps that run their own stack. */
  netif: Netif;
  /** The host's files (unix and node boards). */
  files: HostFiles;
}
export type DeviceKind = keyof DeviceKinds;

/** A board's drivers.ts: a factory per kind it offers, each checked against the device it must yield. */
export type BoardDrivers = { readonly [K in DeviceKind]?: DriverFactory<DeviceKinds[K]> };

export interface BoardSpec<K extends DeviceKind = DeviceKind> {
  name: string;
  description: string;
  /** CPU the image's kernel is compiled for ("host" = this machine). */
  arch: 'host' | 'x86_64' | 'arm32';
  /** Which kernel/<platform> the image links; "node" builds no image (the TS runs under Node). */
  platform: 'unix' | 'xen' | 'node';
  /** RAM for the JS heap (unix) or the guest (xen). */
  memoryMiB: number;
  /** The kinds board/<name>/drivers.ts exports (checked against it at type-check time). */
  devices: readonly K[];
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

/**
 * `D` is `typeof import('./drivers')`: its exports must be factories of the
 * right devices, and `devices` may name only kinds it exports.
 */
export function defineBoard<D extends BoardDrivers>(spec: BoardSpec<Extract<keyof D, DeviceKind>>): BoardSpec {
  return spec;
}
