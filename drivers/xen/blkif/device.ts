/*
 * A BlockDevice over Xen's blkfront (`disk` in the xl config): the pure
 * Blkfront core on granted ring pages (a multi-page ring where the backend
 * offers max-ring-page-order) and one event channel. Data is copied through
 * granted pages, 11 per request, or up to MAX_INDIRECT_SEGMENTS where the
 * backend offers indirect descriptors; flush() maps to the backend's cache
 * flush or barrier, whichever it offers.
 */
import { DeviceError, type BlockDevice, type DriverFactory } from '../../interfaces';
import { Blkfront, type BlkCompletion } from './frontend';
import { BLKIF_SECTOR_BYTES, blkifLayout, type BlkifAbi } from './wire';
import { allocEventChannel, type EventChannel } from '../evtchn/event-channel';
import { KernelGranter, endGrants, grantRingPages } from '../grants/granter';
import { FrontRing, SharedRing } from '../ring/shared-ring';
import { openPvDevice, type XenstoreConnection } from '../xenbus/pv-device';
import { XenbusState } from '../xenbus/state';
import { connectFrontend, listDevices, readDevice, type XenbusDevice } from '../xenbus/xenbus';
import type { XenIO } from '../xen-io';

/** info bit: the backend exports the disk read-only (public/io/blkif.h VDISK_READONLY). */
const VDISK_READONLY = 4;
/** 32 pages (128 KiB) per indirect request. */
const MAX_INDIRECT_SEGMENTS = 32;
/** Up to 4 ring pages (128 requests in flight). */
const MAX_RING_PAGE_ORDER = 2;
const PAGES_PER_DIRECTION = 4 * MAX_INDIRECT_SEGMENTS;

interface Op { resolve(): void; reject(e: Error): void }

function abiOf(xen: NymoteXenNatives): BlkifAbi {
  return xen.arch === 'arm32' ? 'arm-abi' : 'x86_64-abi';
}

async function readNumber(xs: XenstoreConnection, path: string, fallback: number): Promise<number> {
  try {
    const n = Number(await xs.client.read(path));
    return n >= 0 ? n : fallback;
  } catch (e) {
    return fallback;
  }
}

export const createBlkfront: DriverFactory<BlockDevice> = (io, { device: name }) =>
  openPvDevice(io, name, (xio, xs) => openBlkfront(name, xio, xs));

async function openBlkfront(name: string, io: XenIO, xs: XenstoreConnection): Promise<BlockDevice> {
  const abi = abiOf(io.xen);
  const layout = blkifLayout(abi);
  const ringPages = new Uint8Array(io.kernel.pages(1 << MAX_RING_PAGE_ORDER));
  let ring: FrontRing | null = null;
  let core: Blkfront | null = null;
  let channel: EventChannel | null = null;
  let granter: KernelGranter | null = null;
  let ringRefs: number[] = [];
  let info = { sectorSize: BLKIF_SECTOR_BYTES, sectors: 0, readOnly: false };
  const ops: { [op: number]: Op } = {};
  let outstanding = 0;

  function complete(done: BlkCompletion[]): void {
    for (let i = 0; i < done.length; i++) {
      const c = done[i];
      const op = ops[c.op];
      if (!op) continue;
      delete ops[c.op];
      if (--outstanding === 0 && channel) channel.registration.unref();
      if (c.ok) op.resolve();
      else op.reject(new DeviceError(name, c.error === 'closed' ? 'the disk went away' : 'I/O error from the backend (status ' + c.status + ')', c.error));
    }
  }

  function kick(): void {
    if (core && core.kick() && channel) channel.notify();
  }

  function onEvent(): void {
    if (!core) return;
    complete(core.poll());
    kick();
  }

  function teardown(_d: XenbusDevice, why: string): void {
    console.log(name + ': disk gone: ' + why);
    const c = core;
    core = null;
    if (c) complete(c.teardown());
    if (channel) { channel.close(); channel = null; }
    if (granter) granter.close();
    endGrants(io, ringRefs);
    ringRefs = [];
  }

  function submit(start: (c: Blkfront) => { ok: true; op: number } | { ok: false; error: string }, what: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (!core) { reject(new DeviceError(name, 'the disk went away')); return; }
      const r = start(core);
      if (!r.ok) { reject(new DeviceError(name, what + ': ' + r.error, r.error)); return; }
      ops[r.op] = { resolve, reject };
      if (outstanding++ === 0 && channel) channel.registration.ref();
      complete(core.poll()); // an op that needs no I/O (flush with no support) is ready now
      kick();
    });
  }

  const ids = await listDevices(xs, 'vbd');
  if (ids.length === 0) throw new DeviceError(name, 'the toolstack gave this guest no disk (xl config: disk = [...])', 'absent');
  const device = await readDevice(xs, 'vbd', ids[0]);
  granter = new KernelGranter(io, device.backendId, { ro: PAGES_PER_DIRECTION, rw: PAGES_PER_DIRECTION });
  await connectFrontend(xs, device, {
    publishedState: XenbusState.Initialised,
    publish: async (tx) => {
      const offered = await readNumber(xs, device.backend + '/max-ring-page-order', 0);
      const order = offered < MAX_RING_PAGE_ORDER ? offered : MAX_RING_PAGE_ORDER;
      const pages: Uint8Array[] = [];
      for (let i = 0; i < 1 << order; i++) pages.push(ringPages.subarray(i * 4096, (i + 1) * 4096));
      ring = new FrontRing(new SharedRing(pages, layout.entryBytes), true, io.xen.fence);
      ringRefs = grantRingPages(io, device.backendId, pages);
      channel = allocEventChannel(io, device.backendId, onEvent);
      channel.registration.unref();
      const p = device.path + '/';
      if (order === 0) {
        await tx.write(p + 'ring-ref', String(ringRefs[0]));
      } else {
        await tx.write(p + 'ring-page-order', String(order));
        for (let i = 0; i < ringRefs.length; i++) await tx.write(p + 'ring-ref' + i, String(ringRefs[i]));
      }
      await tx.write(p + 'event-channel', String(channel.port));
      await tx.write(p + 'protocol', abi);
      // The core is made once the backend says how big the disk is.
    },
    connected: async () => {
      const b = device.backend + '/';
      const sectorSize = await readNumber(xs, b + 'sector-size', BLKIF_SECTOR_BYTES);
      // "sectors" counts 512-byte units whatever the sector size (what Linux's blkback writes).
      const sectors512 = await readNumber(xs, b + 'sectors', 0);
      const flags = await readNumber(xs, b + 'info', 0);
      const flushCache = (await readNumber(xs, b + 'feature-flush-cache', 0)) === 1;
      const barrier = (await readNumber(xs, b + 'feature-barrier', 0)) === 1;
      const indirect = await readNumber(xs, b + 'feature-max-indirect-segments', 0);
      info = { sectorSize, sectors: Math.floor(sectors512 * BLKIF_SECTOR_BYTES / sectorSize), readOnly: (flags & VDISK_READONLY) !== 0 };
      core = new Blkfront({
        ring: ring as FrontRing, layout, granter: granter as KernelGranter,
        sectorSize, sectors: info.sectors, flush: flushCache ? 'flush' : barrier ? 'barrier' : 'none',
        indirectSegments: indirect < MAX_INDIRECT_SEGMENTS ? indirect : MAX_INDIRECT_SEGMENTS,
      });
      console.log(name + ': ' + device.backend + ': ' + info.sectors + ' sectors of ' + sectorSize + ' bytes' + (info.readOnly ? ', read-only' : '') +
        ', ' + (ring as FrontRing).size + '-slot ring' + (indirect > 0 ? ', indirect segments' : ''));
    },
    teardown,
    log: (m) => { console.log(name + ': ' + m); },
  });
  const disk: BlockDevice = {
    get sectorSize() { return info.sectorSize; },
    get sectors() { return info.sectors; },
    get readOnly() { return info.readOnly; },
    read: (lba, buf) => submit((c) => c.read(lba, buf), 'read at ' + lba),
    write: (lba, buf) => {
      if (info.readOnly) return Promise.reject(new DeviceError(name, 'the disk is read-only', 'EROFS'));
      return submit((c) => c.write(lba, buf), 'write at ' + lba);
    },
    flush: () => submit((c) => c.flush(), 'flush'),
  };
  return disk;
}
