/*
 * Our consistency check (`nymote disk fsck`), and the walk that recovery
 * uses to repair a volume after a power cut. It visits the tree from the
 * root, follows every chain with an ownership bitmap (so loops and cross
 * links end the walk instead of hanging it: every chain is bounded by the
 * cluster count), and then looks at what the walk left: lost clusters, the
 * FAT copies, FSInfo and the clean bit. The checks are those fatgen103
 * implies: chains of exactly ceil(size / cluster size) clusters ending in
 * end-of-chain (§4, §6), no cluster in two chains, directories with "."
 * and ".." (§6.2), long-name sets with matching ordinals and checksums (§7),
 * short names of valid characters, each once per directory (§6.1).
 *
 * Problems the power-cut ordering can leave behind are marked `fixable`;
 * with `fix` the walk repairs those (and only those) through the volume's
 * own cache and FAT, and the caller flushes.
 */
import type { BlockDevice } from '../../drivers/interfaces';
import { FSINFO_UNKNOWN } from './bpb';
import { ATTR_DIRECTORY, ATTR_LONG_NAME, ATTR_LONG_NAME_MASK, ATTR_VOLUME_ID, DELETED, END, ENTRY_SIZE, LongNameCollector, decodeShort, displayShortName } from './dirent';
import { isFsError } from './errors';
import { FAT_BAD, FAT_EOC, FAT_FREE, isEoc } from './fat';
import { openCore, type Core } from './volume';

export type ProblemKind =
  | 'dirty'             // FAT[1] says the volume was not cleanly unmounted
  | 'fat-copies-differ' // a FAT copy differs from the active one
  | 'fsinfo-free'       // FSInfo's free count is wrong
  | 'chain-long'        // a file's chain is longer than its size needs
  | 'chain-short'       // a file's chain ends (or breaks) before its size
  | 'chain-range'       // a chain holds a cluster number out of range
  | 'chain-bad'         // a chain runs into a cluster marked bad
  | 'cross-link'        // a cluster in two chains (or twice in one: a loop)
  | 'empty-with-cluster'// a file of size 0 that owns clusters
  | 'dir-chain'         // a directory's chain runs into a free cluster
  | 'dir-size'          // a directory entry with a nonzero size
  | 'dir-cluster'       // a directory entry without a valid first cluster
  | 'dot-entries'       // "." / ".." missing or wrong
  | 'lfn-orphan'        // long-name entries that belong to no short entry
  | 'bad-name'          // a short name with characters FAT forbids
  | 'dup-name'          // two entries with one short name in a directory
  | 'after-end'         // entries after a directory's end marker (readers never see them)
  | 'lost-clusters'     // allocated clusters no chain reaches
  | 'unreadable';       // the walk could not read a directory

export interface FsckProblem {
  kind: ProblemKind;
  path: string;
  message: string;
  fixable: boolean;
}

export interface FsckReport {
  ok: boolean;
  problems: FsckProblem[];
  files: number;
  directories: number;
  usedClusters: number;
  freeClusters: number;
  totalClusters: number;
  clusterSize: number;
  label: string;
}

export interface CheckOptions {
  /** Repair the fixable problems in memory (the caller flushes). */
  fix?: boolean;
  /** Skip the FAT copy comparison (recovery does it while flushing). */
  skipCopies?: boolean;
}

/** Checks a volume on a device without changing it (no recovery is run). */
export async function fsck(dev: BlockDevice): Promise<FsckReport> {
  const core = await openCore(dev, 256);
  return checkCore(core, {});
}

const SHORT_FORBIDDEN = '"*+,./:;<=>?[\\]|';

function badShortChars(name11: string): boolean {
  for (let i = 0; i < 11; i++) {
    const c = name11.charCodeAt(i);
    if (i === 0 && c === 0x05) continue; // stands for 0xE5 (§6.1)
    if (c < 0x20 || (c >= 0x61 && c <= 0x7a) || SHORT_FORBIDDEN.indexOf(name11.charAt(i)) >= 0) return true;
  }
  return name11.charAt(0) === ' ';
}

interface Pending {
  dir: number;
  parent: number;
  path: string;
}

export async function checkCore(core: Core, opts: CheckOptions): Promise<FsckReport> {
  const g = core.g;
  const fat = core.fat;
  const fix = !!opts.fix;
  const problems: FsckProblem[] = [];
  const add = (kind: ProblemKind, path: string, message: string, fixable: boolean): void => {
    problems.push({ kind: kind, path: path, message: path + ': ' + message, fixable: fixable });
  };
  const owned = new Uint8Array((fat.maxCluster >> 3) + 1);
  const isOwned = (c: number): boolean => (owned[c >> 3] & (1 << (c & 7))) !== 0;
  const own = (c: number): void => { owned[c >> 3] |= 1 << (c & 7); };
  let used = 0;
  let files = 0;
  let directories = 1;
  const cs = g.clusterBytes;

  /**
   * Follows a chain, owning its clusters. Files stop at the clusters their
   * size needs; directories at end of chain. Returns the clusters owned.
   */
  async function walk(start: number, path: string, isDir: boolean, size: number): Promise<number[]> {
    const need = isDir ? Infinity : Math.ceil(size / cs);
    const mine: number[] = [];
    const before = problems.length;
    let c = start;
    let prev = 0;
    for (let steps = 0; steps <= g.clusterCount; steps++) {
      if (!fat.valid(c)) {
        add('chain-range', path, 'cluster chain holds out-of-range cluster ' + c + (prev ? ' (after ' + prev + ')' : ' (first cluster)'), false);
        break;
      }
      if (isOwned(c)) {
        const loop = mine.indexOf(c) >= 0;
        add('cross-link', path, loop ? 'cluster chain loops back to cluster ' + c : 'cluster ' + c + ' is cross-linked with another file or directory', false);
        break;
      }
      own(c);
      used++;
      mine.push(c);
      const v = await fat.get(c);
      if (mine.length === need) {
        if (!isEoc(v)) {
          add('chain-long', path, 'file of ' + size + ' bytes has a cluster chain longer than ' + need + ' clusters', true);
          if (fix) await fat.set(c, FAT_EOC);
        }
        break;
      }
      if (isEoc(v)) break;
      if (v === FAT_FREE || v === FAT_BAD) {
        if (isDir) {
          add('dir-chain', path, 'directory cluster chain runs into ' + (v ? 'bad' : 'free') + ' cluster (after ' + c + ')', v === FAT_FREE);
          if (fix && v === FAT_FREE) {
            await fat.set(c, FAT_EOC);
            core.dirs.forget(start);
          }
        } else {
          add(v ? 'chain-bad' : 'chain-short', path, 'cluster chain runs into a ' + (v ? 'bad' : 'free') + ' cluster after ' + mine.length + ' of ' + need + ' clusters', false);
        }
        break;
      }
      prev = c;
      c = v;
    }
    if (!isDir && mine.length < need && problems.length === before) {
      add('chain-short', path, 'cluster chain of ' + mine.length + ' clusters is shorter than the ' + need + ' its size needs', false);
    }
    return mine;
  }

  // The root directory's own chain.
  const queue: Pending[] = [];
  const rootChain = await walk(g.rootCluster, '/', true, 0);
  if (rootChain.length) queue.push({ dir: g.rootCluster, parent: 0, path: '' });

  for (let qi = 0; qi < queue.length; qi++) {
    const p = queue[qi];
    const shown = p.path || '/';
    let chain: number[];
    try {
      chain = await core.dirs.chainOf(p.dir, shown);
    } catch (e) {
      if (!isFsError(e)) throw e;
      add('unreadable', shown, e.message, false);
      continue;
    }
    const lfn = new LongNameCollector();
    const seen: { [name11: string]: true } = {};
    const orphanSlots: number[] = [];
    let index = 0;
    let ended = false;
    let sawDot = false;
    let sawDotDot = false;
    let hidden = 0;
    for (let k = 0; k < chain.length; k++) {
      const first = core.dirs.clusterSector(chain[k]);
      for (let s = 0; s < g.sectorsPerCluster; s++) {
        const b = await core.cache.read(first + s, 'dir', g.sectorsPerCluster - s);
        for (let o = 0; o < b.length; o += ENTRY_SIZE, index++) {
          const lead = b[o];
          if (ended) { if (lead !== END) hidden++; continue; }
          if (lead === END) { ended = true; lfn.free(); continue; }
          if (lead === DELETED) { lfn.free(); continue; }
          const attr = b[o + 11];
          if ((attr & ATTR_LONG_NAME_MASK) === ATTR_LONG_NAME) { lfn.long(b, o, index); continue; }
          const e = decodeShort(b, o);
          if (attr & ATTR_VOLUME_ID) { lfn.free(); continue; }
          if (e.name === '.          ' || e.name === '..         ') {
            lfn.free();
            if (!p.parent) { add('dot-entries', shown, 'the root directory holds a "' + e.name.trim() + '" entry', false); continue; }
            const want = e.name === '.          ' ? p.dir : p.parent === g.rootCluster ? 0 : p.parent;
            if (e.name === '.          ') sawDot = true; else sawDotDot = true;
            if (e.cluster !== want) add('dot-entries', shown, '"' + e.name.trim() + '" points to cluster ' + e.cluster + ', not ' + want, false);
            continue;
          }
          const long = lfn.short(e.name);
          const name = long !== null ? long : displayShortName(e.name, e.ntRes);
          const path = p.path + '/' + name;
          if (badShortChars(e.name)) add('bad-name', path, 'short name "' + e.name + '" holds characters FAT forbids', false);
          if (seen[e.name]) add('dup-name', path, 'short name "' + e.name.replace(/ +$/, '') + '" appears twice in ' + shown, false);
          seen[e.name] = true;
          if (attr & ATTR_DIRECTORY) {
            directories++;
            if (e.size !== 0) add('dir-size', path, 'directory entry has size ' + e.size, false);
            if (!fat.valid(e.cluster)) { add('dir-cluster', path, 'directory entry points to cluster ' + e.cluster, false); continue; }
            if (isOwned(e.cluster)) { add('cross-link', path, 'directory cluster ' + e.cluster + ' is reached twice (a directory loop or cross link)', false); continue; }
            const mine = await walk(e.cluster, path, true, 0);
            if (mine.length) queue.push({ dir: e.cluster, parent: p.dir, path: path });
          } else {
            files++;
            if (e.size === 0) {
              if (e.cluster !== 0) add('empty-with-cluster', path, 'empty file owns cluster ' + e.cluster, false);
              continue;
            }
            if (e.cluster === 0) { add('chain-short', path, 'file of ' + e.size + ' bytes has no clusters', false); continue; }
            await walk(e.cluster, path, false, e.size);
          }
        }
      }
    }
    if (!ended) lfn.free();
    if (hidden) add('after-end', shown, hidden + ' entr' + (hidden === 1 ? 'y lies' : 'ies lie') + ' after the end-of-directory marker', false);
    for (let i = 0; i < lfn.orphans.length; i++) orphanSlots.push(lfn.orphans[i]);
    if (p.parent && (!sawDot || !sawDotDot)) add('dot-entries', shown, 'directory lacks its "' + (!sawDot ? '.' : '..') + '" entry', false);
    if (orphanSlots.length) {
      add('lfn-orphan', shown, orphanSlots.length + ' long-name entr' + (orphanSlots.length === 1 ? 'y belongs' : 'ies belong') + ' to no short entry (slots ' + orphanSlots.slice(0, 8).join(', ') + (orphanSlots.length > 8 ? ', ...' : '') + ')', true);
      if (fix) {
        const touched: number[] = [];
        for (let i = 0; i < orphanSlots.length; i++) {
          const pos = await core.dirs.slot(p.dir, orphanSlots[i]);
          const b = await core.cache.read(pos.sector, 'dir');
          b[pos.offset] = DELETED;
          core.cache.markDirty(pos.sector);
          if (touched.indexOf(pos.sector) < 0) touched.push(pos.sector);
        }
        core.cache.orderDirty([touched]);
      }
    }
  }

  // Clusters that are allocated but in no chain.
  const lost: number[] = [];
  let free = 0;
  await fat.scan((c, v) => {
    if (v === FAT_FREE) { free++; return; }
    if (v === FAT_BAD || isOwned(c)) return;
    lost.push(c);
  });
  if (lost.length) {
    add('lost-clusters', '/', lost.length + ' cluster' + (lost.length === 1 ? ' is' : 's are') + ' allocated but in no file or directory (first ' + lost[0] + ')', true);
    if (fix) {
      for (let i = 0; i < lost.length; i++) await fat.set(lost[i], FAT_FREE);
      free += lost.length;
    }
  }
  if (!opts.skipCopies) {
    const differ = await fat.compareCopies(false);
    if (differ.length) add('fat-copies-differ', '/', 'FAT copies differ in ' + differ.length + ' sector' + (differ.length === 1 ? '' : 's') + ' (first: sector ' + differ[0] + ' of the FAT)', true);
  }
  if (!core.cleanAtMount) add('dirty', '/', 'the volume was not cleanly unmounted (FAT[1] clean bit is clear)', true);
  const f = core.fsInfoFields;
  if (f && f.freeCount !== FSINFO_UNKNOWN && f.freeCount !== free && !fix) {
    add('fsinfo-free', '/', 'FSInfo says ' + f.freeCount + ' free clusters, the FAT ' + free, true);
  }
  return {
    ok: problems.length === 0,
    problems: problems,
    files: files,
    directories: directories,
    usedClusters: used,
    freeClusters: free,
    totalClusters: g.clusterCount,
    clusterSize: cs,
    label: g.label,
  };
}
