/*
 * The API an app imports: `import { defineApp } from "nymote"`. The same
 * module serves every board; the builder binds `needs` to the board's drivers.
 */
import type { BlockDevice, ConsoleDevice, Netif } from '../../drivers/interfaces';
import { setUncaughtHandler, type UncaughtHandler } from './loop';
import { parseBootArgs } from './bootargs';

export type { BlockDevice, ConsoleDevice, Netif };
export { network, type Network, type NetworkOptions } from '../../net/network';
export { formatIpv4, parseIpv4, formatMac, type Ipv4Address } from '../../net/address';
export { FlowError, type Flow, type Endpoint } from '../../net/types';
export { mount, mkfs, fsck, FsError, FileHandle, type Volume, type DirListing, type Stat, type StatFs } from '../../store/fat32/index';
export { hasHostFiles, readHostText, hostFileSource } from '../../drivers/host-files';
export {
  serveHttp, serveFlow, router, serveFiles, volumeSource, memorySource, json, text, readJson, readText, errorResponse, HttpError,
  type Handler, type Request, type Response, type ResponseHeaders, type BodyStream, type Router, type FileSource, type FileStat,
  type HttpServer, type HttpServerOptions, type FileServerOptions,
} from '../../services/http/index';
export { openStore, records, RecordsError, blockPageStore, filePageStore, fatFilePageStore, memoryPageStore, type RecordStore, type StoreOptions, type StoreStats, type Collection, type RecordsOptions, type Query, type PageStore, type ByteFile, type RecordsErrorCode } from '../../store/records/index';

/** What an app may ask for, by kind. */
export interface DeviceKinds {
  network: Netif;
  block: BlockDevice;
  console: ConsoleDevice;
}
export type DeviceKind = keyof DeviceKinds;
/**
 * A need names a kind; "kind?" makes the device optional: it is undefined
 * when the board has none configured (no --disk given, no disk in the xl
 * config) instead of failing the boot.
 */
export type DeviceNeed = DeviceKind | `${DeviceKind}?`;

export type Devices<N extends Record<string, DeviceNeed>> = {
  [K in keyof N]: N[K] extends `${infer D extends DeviceKind}?` ? DeviceKinds[D] | undefined : DeviceKinds[N[K] & DeviceKind];
};

export interface AppContext {
  /** Boot arguments not consumed by the board (e.g. `--zone FILE`). */
  readonly args: string[];
  /** The board the image runs on ("unix", "qemu-arm32", ...). */
  readonly board: string;
}

export interface AppSpec<N extends Record<string, DeviceNeed>> {
  /** Names the image: images/<name>-<board>/. */
  name: string;
  needs?: N;
  /** Runs once at boot; a returned number (or promise of one) is the exit code. */
  main(devices: Devices<N>, context: AppContext): void | number | Promise<void | number>;
}

export function defineApp<N extends Record<string, DeviceNeed> = {}>(spec: AppSpec<N>): AppSpec<N> {
  return spec;
}

/**
 * A boot argument's value: `--name value` or `--name=value` (the last one
 * given), "true" for a bare `--name`, else undefined. `name` is given with
 * or without its dashes.
 */
export function bootOption(args: readonly string[], name: string): string | undefined {
  return parseBootArgs(args.slice()).options[name.replace(/^--/, '')];
}

/** Ends the program now with `code`, like process.exit. */
export function exit(code = 0): never {
  return __kernel.exit(code);
}

/**
 * Takes over uncaught exceptions and unhandled rejections (Node's
 * process.on('uncaughtException'/'unhandledRejection')): return true to keep
 * running. Without a handler the program reports the error and exits 1.
 */
export function onUncaughtError(handler: UncaughtHandler | null): void {
  setUncaughtHandler(handler);
}
