/*
 * The `nymote` module: the one thing apps import
 * (`import { defineApp } from "nymote"`). The same module serves every
 * board; the builder binds `needs` to the board's drivers. Everything here
 * is a re-export of a lower floor or a few lines of glue, and the build
 * keeps only what an app uses.
 */
import { setUncaughtHandler, type UncaughtHandler } from '../kernel/runtime/loop';
import { parseBootArgs } from '../lib/bootargs';

// apps and devices
export { defineApp, type AppSpec, type AppContext } from './app';
export type { DeviceKind, DeviceKinds, DeviceNeed, Devices } from './devices';
export type { BlockDevice, ConsoleDevice, Netif, HostFiles, HostFileStat } from '../drivers/interfaces';
// network
export { network, type Network, type NetworkOptions } from '../net/network';
export { formatIpv4, parseIpv4, formatMac, type Ipv4Address } from '../net/address';
export { FlowError, type Flow, type Endpoint, type TcpApi, type UdpApi } from '../net/types';
// storage
export { mount, mkfs, fsck, FsError, FileHandle, type Volume, type DirListing, type Stat, type StatFs } from '../store/fat32/index';
export {
  openStore, records, RecordsError, blockPageStore, filePageStore, fatFilePageStore, memoryPageStore,
  type RecordStore, type StoreOptions, type StoreStats, type Collection, type RecordsOptions, type Query, type PageStore, type ByteFile, type RecordsErrorCode,
} from '../store/records/index';
// HTTP
export {
  serveHttp, serveFlow, router, serveFiles, volumeSource, memorySource, folderSource, json, text, readJson, readText, errorResponse, HttpError,
  type Handler, type Request, type Response, type ResponseHeaders, type BodyStream, type Router, type FileSource, type FileStat,
  type HttpServer, type HttpServerOptions, type FileServerOptions,
} from '../services/http/index';
// DNS
export {
  parseZone, loadZoneFiles, loadFolderZones, ZoneError, formatName, parseName, createAuthority, createResponder, serveDns, createResolver, ResolveError,
  type Zone, type ZoneOptions, type Authority, type Responder, type ResponderOptions, type DnsServer, type DnsServerOptions, type Resolver, type ResolverOptions, type Answer,
} from '../services/dns/index';

/**
 * A boot argument's value: `--name value` or `--name=value` (the last one
 * given), "true" for a bare `--name`, else undefined. `name` is given with
 * or without its dashes.
 */
export const bootOption = (args: readonly string[], name: string): string | undefined =>
  parseBootArgs(args.slice()).options[name.replace(/^--/, '')];

/** Every value of a repeatable boot argument, in order (`--zone a --zone=b`). */
export const bootOptions = (args: readonly string[], name: string): string[] => {
  const flag = '--' + name.replace(/^--/, '');
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === flag && i + 1 < args.length) out.push(args[++i]);
    else if (args[i].indexOf(flag + '=') === 0) out.push(args[i].slice(flag.length + 1));
  }
  return out;
};

/** Ends the program now with `code`, like process.exit. */
export const exit = (code = 0): never => __kernel.exit(code);

/**
 * Takes over uncaught exceptions and unhandled rejections (Node's
 * process.on('uncaughtException'/'unhandledRejection')): return true to keep
 * running. Without a handler the program reports the error and exits 1.
 */
export const onUncaughtError = (handler: UncaughtHandler | null): void => setUncaughtHandler(handler);
