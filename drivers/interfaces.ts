/*
 * Device interfaces every board's drivers implement and every service
 * depends on. Split-phase and promise-returning: a call never completes
 * synchronously, a successful call resolves exactly once, and buffers passed
 * in are the caller's again when the promise settles (also on error).
 */
import type { TcpApi, UdpApi } from '../net/types';

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

export interface Netif {
  /** Set on the node board, whose NIC is the host's own TCP/IP stack: network() then hands out its sockets instead of running ours on frames. */
  readonly hostSockets?: HostSockets;
  readonly mac: Uint8Array;
  readonly mtu: number;
  /** Sends one Ethernet frame. */
  write(frame: Uint8Array): Promise<void>;
  /** Delivers each received frame; the view is valid only during the call. */
  listen(onFrame: (frame: Uint8Array) => void): void;
}

/** The host's TCP/IP as the node board offers it (drivers/node/host-network.ts). */
export interface HostSockets {
  /** The address it listens on (--host; 127.0.0.1 by default). */
  readonly address: number;
  readonly udp: UdpApi;
  readonly tcp: TcpApi;
  /** Resolves once every listen() and bind() so far is in effect; rejects with the first that failed (a port in use). */
  listening(): Promise<void>;
}

/** How a board builds a device: from the boot arguments, by device name. */
export type DriverFactory<T> = (name: string, args: BootArgs) => Promise<T>;

export interface BootArgs {
  /** `--key value` and `--key=value` pairs; a bare `--flag` maps to "true". */
  readonly options: { readonly [key: string]: string };
  readonly all: readonly string[];
}

export class DeviceError extends Error {
  constructor(public readonly device: string, message: string, public readonly code?: string) {
    super(device + ': ' + message);
    this.name = 'DeviceError';
  }
}
