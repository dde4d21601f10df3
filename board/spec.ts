/*
 * The typed description of a board. Adding a board is one folder:
 * board/<name>/board.ts default-exporting defineBoard<typeof drivers>({...})
 * (read by the CLI on the host), board/<name>/drivers.ts exporting one
 * driver factory per device kind it offers (bundled into the image; only the
 * kinds an app needs are kept), and the assets its boot names (device-tree
 * fragments), which the CLI reads from the board's folder.
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

/** The machine QEMU emulates for a virtual board, Xen included. */
export interface Emulation {
  qemu: string;
  machine: string;
  cpu: string;
  /** Host RAM of the emulated machine (Xen + guests). */
  hostMemoryMiB: number;
  /** File name of the hypervisor in the Xen cache (scripts/setup.sh). */
  xen: string;
}

/** Debian's name for a Linux dom0's architecture (scripts/fetch-dom0.sh unpacks these). */
export type Dom0Arch = 'amd64' | 'arm64';

/**
 * The full topology (`nymote boot --full`, the shape of a real board):
 * Xen + Debian's Linux as dom0, which starts our guest with `xl create`.
 */
export interface LinuxDom0 {
  dom0: Dom0Arch;
  /** dom0's share of the machine (Xen's dom0_mem); the rest is Xen's and the guest's. */
  memoryMiB: number;
  /** dom0's kernel command line; `--dom0-args` adds to it. */
  kernelArgs: string;
  /** How the machine's NIC and disk (dom0's, bridged and exported to the guest) sit: virtio on PCI or on MMIO. */
  virtio: 'pci' | 'mmio';
}

/**
 * An ARM machine: QEMU loads Xen (-kernel) and a device tree, QEMU's own
 * plus a /chosen fragment from the board's folder that tells Xen what to
 * boot; QEMU's loader device puts the modules at the addresses given here.
 * The fragments are templates: ${name} is filled in by `nymote boot`.
 */
export interface XenArmBoot {
  kind: 'xen-arm';
  /** Xen's console on this machine; `nymote boot` adds dom0's memory and guest_loglvl. */
  xenArgs: string;
  /** Where the machine's RAM starts. */
  ramBase: number;
  /** Our guest as Xen's only domain (no dom0, no xenstore): the fast boot. */
  dom0less: {
    /**
     * The /chosen fragment, a file in the board folder; it gets ${xenArgs},
     * ${guestAddress} (hex digits), ${guestBytes}, ${guestMemoryKiB} and
     * ${guestArgs} (escaped for a string).
     */
    chosen: string;
    /** Where the guest image is loaded. */
    guestAddress: number;
  };
  full?: LinuxDom0 & {
    /**
     * The /chosen fragment, a file in the board folder; it gets ${xenArgs},
     * ${kernelAddress} and ${initramfsAddress} (hex digits), ${kernelBytes},
     * ${initramfsBytes} and ${dom0Args} (escaped for a string).
     */
    chosen: string;
    /** Where dom0's kernel and initramfs are loaded: clear of Xen and of QEMU's device tree. */
    kernelAddress: number;
    initramfsAddress: number;
  };
}

/**
 * A PC: QEMU loads Xen through multiboot with its command line (-append)
 * and the modules (-initrd). The fast boot runs our PV guest as dom0.
 */
export interface XenX86Boot {
  kind: 'xen-x86';
  /** Xen's console and this machine's quirks; `nymote boot` adds dom0's memory and guest_loglvl. */
  xenArgs: string;
  full?: LinuxDom0;
}

/** How `nymote boot` runs a board's image. */
export type BoardBoot =
  /** The image is an executable for this machine. */
  | { kind: 'process' }
  /** No image is built (`nymote run`/`dev` run the app instead). */
  | { kind: 'none' }
  | XenArmBoot
  | XenX86Boot
  /**
   * A domU for any Xen host (no hypervisor of its own): booted as it would
   * be there, beside a Linux dom0, in the full topology of the board `host`
   * (a virtual board of the same arch).
   */
  | { kind: 'xen-domu'; host: string };

interface BoardBasics<K extends DeviceKind> {
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
}

/** A board QEMU emulates has a Xen boot, and a Xen boot needs the machine emulated. */
type BootAndEmulation =
  | { boot: XenArmBoot | XenX86Boot; emulate: Emulation }
  | { boot: Exclude<BoardBoot, XenArmBoot | XenX86Boot>; emulate?: undefined };

export type BoardSpec<K extends DeviceKind = DeviceKind> = BoardBasics<K> & BootAndEmulation;

/**
 * `D` is `typeof import('./drivers')`: its exports must be factories of the
 * right devices, and `devices` may name only kinds it exports.
 */
export function defineBoard<D extends BoardDrivers>(spec: BoardSpec<Extract<keyof D, DeviceKind>>): BoardSpec {
  return spec;
}
