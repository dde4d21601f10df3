/*
 * Device interfaces every board's drivers implement and every service
 * depends on. Split-phase and promise-returning: a call never completes
 * synchronously, a successful call resolves exactly once, and buffers passed
 * in are the caller's again when the promise settles (also on error).
 * A driver factory receives the kernel IO it uses (DriverIO), so each
 * adapter runs against the real kernel or a fake alike.
 */
import type { BootArgs } from '../lib/bootargs';
import type { EventHandler, EventRegistration } from '../kernel/runtime/loop';

export type { BootArgs };

export interface ConsoleDevice {
  write(data: string | Uint8Array): Promise<void>;
}

export interface BlockDevice {
  readonly sectorSize: number;
  readonly sectors: number;
  readonly readOnly: boolean;
  /** Reads buf.length / sectorSize sectors starting at lba into buf. */
  read(lba: number, buf: Uint8Array): Promise<void>;
  write(lba: number, buf: Uint8Array): Promise<void>;
  flush(): Promise<void>;
}

/** A network interface: Ethernet frames in and out, nothing above L2. */
export interface Netif {
  readonly mac: Uint8Array;
  readonly mtu: number;
  /** Sends one Ethernet frame. */
  write(frame: Uint8Array): Promise<void>;
  /** Delivers each received frame; the view is valid only during the call. */
  listen(onFrame: (frame: Uint8Array) => void): void;
}

export interface HostFileStat { size: number; mtimeMs: number; directory: boolean }

/** The host's files, where a board has them (unix and node); paths as the host spells them. */
export interface HostFiles {
  /** null when nothing is at `path`. */
  stat(path: string): Promise<HostFileStat | null>;
  /** Up to `length` bytes from `offset` (fewer at the end of the file). */
  read(path: string, offset: number, length: number): Promise<Uint8Array>;
  /** A whole file as UTF-8 text. */
  readText(path: string): Promise<string>;
}

/** What a driver may touch: the kernel's natives and the event loop's sources. */
export interface DriverIO {
  readonly kernel: NymoteKernel;
  /** Registers a handler for a kernel event id (an fd's readiness, an event channel). */
  onEvent(id: number, handler: EventHandler): EventRegistration;
}

export interface DriverContext {
  /** The device's name in the app's needs ("net", "store"). */
  readonly device: string;
  readonly args: BootArgs;
  /** The app's name (a network's default DHCP host name). */
  readonly app: string;
}

/** How a board builds a device: from its IO and the boot arguments. */
export type DriverFactory<T> = (io: DriverIO, context: DriverContext) => Promise<T>;

export class DeviceError extends Error {
  constructor(public readonly device: string, message: string, public readonly code?: string) {
    super(device + ': ' + message);
    this.name = 'DeviceError';
  }
}
