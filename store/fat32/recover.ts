/*
 * Repair at mount after a power cut (the FAT[1] clean bit is clear). The
 * flush order in volume.ts leaves only these behind, and this fixes exactly
 * them, the way fsck.fat would but without losing anything that was
 * committed:
 * - a rename caught between writing its new entry and deleting the old
 *   ones: rolled forward when the new entry is on disk (intent.ts);
 * - long-name entries without their short entry: cleared;
 * - file chains longer than the size (an extension or truncation whose
 *   directory entry or FAT end had not landed): cut at the size;
 * - a directory chain running into a free cluster (a growth whose FAT
 *   entry had not landed): ended before it;
 * - lost clusters (allocated, in no chain): freed;
 * - FAT copies that differ: the active copy (always written first) wins;
 * - FSInfo's free count: recounted.
 * Anything else is left as found (fsck reports it).
 */
import { DELETED, decodeShort } from './dirent';
import { isFsError } from './errors';
import { checkCore, type FsckProblem } from './fsck';
import type { RenameIntent, SlotRun } from './intent';
import type { Core, Volume } from './volume';

async function shortAt(core: Core, dir: number, index: number): Promise<{ sector: number; offset: number; name: string; cluster: number; free: boolean }> {
  const p = await core.dirs.slot(dir, index);
  const b = await core.cache.read(p.sector, 'dir');
  const e = decodeShort(b, p.offset);
  return { sector: p.sector, offset: p.offset, name: e.name, cluster: e.cluster, free: b[p.offset] === DELETED || b[p.offset] === 0 };
}

async function deleteIfStill(core: Core, run: SlotRun, cluster: number | null): Promise<boolean> {
  if (run.count === 0) return false;
  const s = await shortAt(core, run.dir, run.first + run.count - 1);
  if (s.free || s.name !== run.short || (cluster !== null && s.cluster !== cluster)) return false;
  await core.dirs.deleteRun(run.dir, run.first, run.count);
  return true;
}

async function applyIntent(core: Core, r: RenameIntent): Promise<string | null> {
  try {
    const n = await shortAt(core, r.newDir, r.newIndex);
    if (n.free || n.name !== r.newShort || n.cluster !== r.cluster) return null; // never landed: rolled back
    await deleteIfStill(core, r.from, r.cluster);
    await deleteIfStill(core, r.replaced, null);
    if (r.dotdotDir) {
      const sector = await core.dirs.setDotDot(r.dotdotDir, r.dotdotParent);
      core.cache.orderDirty([[sector]]);
    }
    return 'rename to "' + r.newShort + '" completed';
  } catch (e) {
    if (isFsError(e)) return null; // a damaged directory: leave it to fsck
    throw e;
  }
}

export interface RecoveryLog {
  renames: string[];
  fixed: FsckProblem[];
  remaining: FsckProblem[];
}

/** What the last recovery of each volume did (tests look at it). */
export const recoveries = new WeakMap<Volume, RecoveryLog>();

export async function recover(vol: Volume, core: Core): Promise<void> {
  await vol.runLocked(async () => {
    const renames: string[] = [];
    for (let i = 0; i < core.intentsAtMount.length; i++) {
      const done = await applyIntent(core, core.intentsAtMount[i]);
      if (done) renames.push(done);
    }
    const report = await checkCore(core, { fix: true, skipCopies: true });
    core.fat.freeCount = report.freeClusters;
    vol.syncCopiesAtFlush = true;
    await vol.flushLocked();
    const fixed: FsckProblem[] = [];
    const remaining: FsckProblem[] = [];
    for (let i = 0; i < report.problems.length; i++) (report.problems[i].fixable ? fixed : remaining).push(report.problems[i]);
    recoveries.set(vol, { renames: renames, fixed: fixed, remaining: remaining });
  });
}
