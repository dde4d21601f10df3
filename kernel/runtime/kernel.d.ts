/*
 * The JS side of kernel/include/nymote/kernel.h part 3: the natives the core
 * installs as the global `__kernel`. Keep the two in step, one-to-one.
 */
interface NymoteHeapStats { arena: number; inUse: number; peak: number; allocations: number }

interface NymoteUnixNatives {
  /** mode: "r", "r+", "w", "a", "rw+" (read-write, created if missing). Throws Error with .code. */
  open(path: string, mode: string, perm?: number): number;
  close(fd: number): void;
  /** Bytes read; 0 at EOF; -1 when the fd would block. */
  read(fd: number, buf: Uint8Array): number;
  /** Bytes written; -1 when the fd would block. */
  write(fd: number, buf: Uint8Array): number;
  pread(fd: number, buf: Uint8Array, offset: number): number;
  pwrite(fd: number, buf: Uint8Array, offset: number): number;
  fsync(fd: number): void;
  size(fd: number): number;
  /** Follows symlinks; throws Error with .code (ENOENT, EACCES...). */
  stat(path: string): { size: number; mtimeMs: number; directory: boolean };
  /** Level-triggered readiness as an event id that block() returns. */
  watch(fd: number, readable: boolean, writable: boolean): number;
  unwatch(eventId: number): void;
  /** Opens (creating if allowed) a tap device, non-blocking, no packet info. */
  tapOpen(name: string): number;
}

interface NymoteXenNatives {
  readonly arch: 'arm32' | 'x86_64';
  readonly memoryBytes: number;
  readonly gicVersion?: number;
  /** x86_64 PV: this guest is the hardware domain (the fast topology). */
  readonly dom0?: boolean;
  /** Shared info is mapped: event channels work. */
  readonly events: boolean;
  /** Errors are thrown as Error with .code = -errno; remoteDom defaults to this domain. */
  evtchnAllocUnbound(remoteDom?: number): number;
  evtchnBindInterdomain(remoteDom: number | undefined, remotePort: number): number;
  evtchnSend(port: number): void;
  evtchnUnmask(port: number): void;
  evtchnClose(port: number): void;
  /** The grant table is mapped: grantAccess works. */
  readonly grants: boolean;
  /** Grants `domid` access to the page `page` starts on (it must start a page); returns the grant ref. */
  grantAccess(domid: number, page: ArrayBuffer | Uint8Array, readOnly: boolean): number;
  /** Ends a grant: false while the other domain still maps the page (try again later). */
  grantEnd(ref: number): boolean;
  /** A full memory barrier: orders our reads and writes of a shared page against the other domain's CPU. */
  fence(): void;
  /** This domain's xenstore ring, when it has one (an xl domU; not dom0less, not the fast x86 dom0). */
  readonly xenstore?: { readonly page: ArrayBuffer; readonly port: number };
}

interface NymoteKernel {
  readonly platform: 'unix' | 'xen-arm32' | 'xen-x86_64' | 'node';
  readonly engine: { readonly duktape: string; readonly configHash: string };
  args(): string[];
  /** stream 1: console, 2: errors. Strings are written as UTF-8. */
  write(stream: 1 | 2, data: string | Uint8Array): void;
  /** Monotonic milliseconds since boot. */
  now(): number;
  /** Milliseconds since the Unix epoch. */
  wallClock(): number;
  /** Sleeps until `deadline` (monotonic ms; negative: none) or an event; returns fired event ids. */
  block(deadline: number): number[];
  entropy(buf: Uint8Array): void;
  /** Page-aligned memory that lives as long as the image. */
  pages(count: number): ArrayBuffer;
  exit(code: number): never;
  heapStats(): NymoteHeapStats;
  /**
   * RFC 1071: `sum` (an integer, 0 <= sum < 2^53) plus bytes [start, end) of `buf` as big-endian
   * 16-bit words, one's complement, folded into [0, 0xffff]. In C on the unix and Xen platforms;
   * absent on the node board, where lib/checksum.ts sums in TypeScript.
   */
  internetSum?(buf: Uint8Array, start: number, end: number, sum: number): number;
  readonly unix?: NymoteUnixNatives;
  readonly xen?: NymoteXenNatives;
}

declare const __kernel: NymoteKernel;
