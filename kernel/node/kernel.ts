/*
 * The kernel contract (kernel/runtime/kernel.d.ts) for the node board: the
 * natives an app or driver may call, over Node. There is no image, heap or
 * kernel event loop here, so block() and the unix watch natives are absent
 * in effect (they throw): Node's own loop runs timers, promises and sockets.
 */
import { closeSync, fstatSync, fsyncSync, openSync, readSync, statSync, writeSync, constants } from 'node:fs';
import { randomFillSync } from 'node:crypto';

const MODES: Record<string, string | number> = {
  r: 'r', 'r+': 'r+', w: 'w', a: 'a',
  'rw+': constants.O_RDWR | constants.O_CREAT,
};

function notHere(what: string): never {
  throw new Error(what + ': not on the node board (Node runs the event loop and the sockets)');
}

/** Would-block reads and writes answer -1, as the unix natives do. */
function orWouldBlock(run: () => number): number {
  try {
    return run();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EAGAIN') return -1;
    throw e;
  }
}

export function nodeKernel(args: string[]): NymoteKernel {
  const started = performance.now();
  const unix: NymoteUnixNatives = {
    open(path, mode, perm) {
      const flags = MODES[mode];
      if (flags === undefined) throw Object.assign(new Error('open ' + path + ': bad mode ' + mode), { code: 'EINVAL' });
      return openSync(path, flags, perm);
    },
    close: (fd) => closeSync(fd),
    read: (fd, buf) => orWouldBlock(() => readSync(fd, buf, 0, buf.length, null)),
    write: (fd, buf) => orWouldBlock(() => writeSync(fd, buf, 0, buf.length, null)),
    pread: (fd, buf, offset) => readSync(fd, buf, 0, buf.length, offset),
    pwrite: (fd, buf, offset) => writeSync(fd, buf, 0, buf.length, offset),
    fsync: (fd) => fsyncSync(fd),
    size: (fd) => fstatSync(fd).size,
    stat(path) {
      const st = statSync(path);
      return { size: st.size, mtimeMs: Math.floor(st.mtimeMs), directory: st.isDirectory() };
    },
    watch: () => notHere('unix.watch'),
    unwatch: () => notHere('unix.unwatch'),
    tapOpen: () => notHere('unix.tapOpen'),
  };
  return {
    platform: 'node',
    engine: { duktape: 'none (Node ' + process.versions.node + ')', configHash: '' },
    args: () => args.slice(),
    write(stream, data) {
      (stream === 2 ? process.stderr : process.stdout).write(data);
    },
    now: () => performance.now() - started,
    wallClock: () => Date.now(),
    block: () => notHere('block'),
    entropy: (buf) => { randomFillSync(buf); },
    pages: (count) => new ArrayBuffer(count * 4096),
    exit: (code) => process.exit(code),
    heapStats() {
      const m = process.memoryUsage();
      return { arena: m.heapTotal, inUse: m.heapUsed, peak: m.heapTotal, allocations: 0 };
    },
    unix,
  };
}
