/*
 * nymote kernel contract: THE interface between the C kernel and the JS world.
 *
 * Three parts, and nothing else crosses:
 *   1. what a platform (unix process, Xen guest) gives the core;
 *   2. what the core gives a platform (one entry point);
 *   3. the natives the core installs as the global `__kernel` object, mirrored
 *      one-to-one by kernel/runtime/kernel.d.ts;
 * plus the layout of the application image (bytecode blob) both sides agree on.
 *
 * Conventions: times are milliseconds as doubles (sub-ms precision, 2^53 ms
 * covers any uptime). Buffers cross as Uint8Array views; the core never copies
 * a buffer it is handed. No native calls JS back synchronously: a platform
 * reports readiness through events returned by block().
 */
#ifndef NYMOTE_KERNEL_H
#define NYMOTE_KERNEL_H

#include <stddef.h>
#include <stdint.h>
#include "duktape.h"

/* ------------------------------------------------------------------------ */
/* 1. Platform -> core                                                       */
/* ------------------------------------------------------------------------ */

/* Short name reported as __kernel.platform: "unix", "xen-arm32", "xen-x86_64". */
extern const char nymote_platform_name[];

/* Memory the core's allocator manages (the JS heap lives here). */
void nymote_platform_heap(void **base, size_t *bytes);

/* stream 1 = console/stdout, 2 = errors (guests may merge both). */
void nymote_console_write(int stream, const void *buf, size_t len);

double nymote_clock_monotonic_ms(void);
double nymote_clock_wall_ms(void);   /* ms since 1970-01-01T00:00:00Z */

/* Cryptographic-quality bytes; a platform without a source must not boot. */
void nymote_entropy(void *buf, size_t len);

/* Page-aligned, zeroed memory that lives as long as the image (rings,
 * packet buffers, disk sectors). Returns NULL when memory is exhausted. */
void *nymote_pages_alloc(size_t count);
#define NYMOTE_PAGE_SIZE 4096u

/* Sleep until deadline_ms (monotonic; negative = no deadline) or until at
 * least one event fires. Writes up to `max` fired event ids into `fired` and
 * returns how many (0 on timeout). Events are level-triggered: an id fires
 * again while its source stays ready. */
int nymote_block(double deadline_ms, uint32_t *fired, int max);

/* Flush the console and stop the machine with an exit code. */
void nymote_exit(int code) __attribute__((noreturn));

/* Install the platform's own natives on the __kernel object at obj_idx
 * (unix: __kernel.unix.*, xen: __kernel.xen.*). */
void nymote_platform_natives(duk_context *ctx, duk_idx_t obj_idx);

/* ------------------------------------------------------------------------ */
/* 2. Core -> platform                                                       */
/* ------------------------------------------------------------------------ */

/* Verify and run an application image; returns the app's exit code.
 * argv are the boot arguments handed to the app (without the program name). */
int nymote_main(const uint8_t *image, size_t image_len, int argc, const char *const *argv);

/* Heap statistics, for size and RAM reports. */
struct nymote_heap_stats {
	size_t arena_bytes, in_use_bytes, peak_bytes, allocations;
};
void nymote_heap_stats(struct nymote_heap_stats *out);

/* ------------------------------------------------------------------------ */
/* 3. Natives on the global `__kernel` (see kernel/runtime/kernel.d.ts)      */
/* ------------------------------------------------------------------------ */
/*
 *   __kernel.platform                 string, nymote_platform_name
 *   __kernel.args()                   string[]: boot arguments
 *   __kernel.write(stream, data)      data: string (UTF-8) or Uint8Array
 *   __kernel.now()                    monotonic ms
 *   __kernel.wallClock()              ms since epoch
 *   __kernel.block(deadline)          number[]: fired event ids; deadline < 0: none
 *   __kernel.entropy(u8)              fills the Uint8Array
 *   __kernel.pages(count)             ArrayBuffer over page-aligned memory
 *   __kernel.exit(code)               never returns
 *   __kernel.heapStats()              { arena, inUse, peak, allocations }
 *   __kernel.engine                   { duktape: "2.7.0", configHash: hex }
 *   __kernel.internetSum(u8, start, end, sum)
 *                                     nymote_internet_sum of bytes [start, end) of u8
 *                                     plus sum (an integer >= 0 below 2^53): a number
 *                                     in [0, 0xffff]; RangeError outside the view
 *
 * unix platform (__kernel.unix), errors thrown as Error with .code = "ENOENT"…:
 *   open(path, flags, mode) -> fd        flags: "r", "r+", "w", "a", "rw+" (create)
 *   close(fd)
 *   read(fd, u8) -> bytes (0 = EOF, -1 = would block)
 *   write(fd, u8) -> bytes (-1 = would block)
 *   pread(fd, u8, offset) / pwrite(fd, u8, offset) -> bytes
 *   fsync(fd)
 *   size(fd) -> bytes
 *   stat(path) -> { size, mtimeMs, directory }
 *   watch(fd, readable, writable) -> event id;  unwatch(id)
 *   tapOpen(name) -> fd (non-blocking)
 *
 * xen platforms (__kernel.xen), errors thrown as Error with .code = -errno;
 * a domid left out means DOMID_SELF; a port that fires is block()'s event id:
 *   arch, memoryBytes, gicVersion (arm), dom0 (x86_64), events (shared info mapped)
 *   evtchnAllocUnbound(remoteDom) -> port
 *   evtchnBindInterdomain(remoteDom, remotePort) -> local port
 *   evtchnSend(port) / evtchnUnmask(port) / evtchnClose(port)
 *   grants                            boolean: the grant table is mapped
 *   grantAccess(domid, page, readOnly) -> grant ref; page: a buffer starting on a page
 *   grantEnd(ref) -> true when ended, false while the other domain still maps it
 *   xenstore                          { page: ArrayBuffer (the ring), port } or absent
 *   fence()                           a full memory barrier (shared rings; ARM reorders)
 */

/* The byte primitives behind natives of part 3, in C for their data-parallel
 * loops and callable by a platform too. */

/* RFC 1071: `sum` plus the bytes as big-endian 16-bit words (an odd last
 * byte padded with zero), one's complement, folded to [0, 0xffff] and not
 * complemented: ~result & 0xffff is the checksum field. */
uint32_t nymote_internet_sum(const void *buf, size_t len, uint64_t sum);

/* ------------------------------------------------------------------------ */
/* Application image (bytecode blob)                                         */
/* ------------------------------------------------------------------------ */
/*
 * All integers little-endian. Duktape does not validate bytecode, so the
 * loader refuses any blob whose engine config hash or digest does not match.
 *
 *   0   char[8]   magic "NYMOTEBC"
 *   8   u32       format version (NYMOTE_BLOB_VERSION)
 *   12  u32       stored length N
 *   16  u32       DUK_VERSION of the compiler
 *   20  u32       inflated length: 0 when the N bytes are the bytecode itself,
 *                 else they are its raw DEFLATE stream (the build packs an
 *                 image's blob so; the loader inflates it into the engine)
 *   24  u8[32]    engine config hash (sha256 of the generated duk_config.h
 *                 and the duktape.c it was built from)
 *   56  u8[32]    sha256 of the N stored bytes
 *   88  u8[8]     reserved, 0
 *   96  u8[N]     Duktape bytecode (duk_dump_function of the program), or its DEFLATE stream
 */
#define NYMOTE_BLOB_MAGIC "NYMOTEBC"
#define NYMOTE_BLOB_VERSION 2u
#define NYMOTE_BLOB_HEADER_BYTES 96u

#endif
