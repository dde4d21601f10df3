/*
 * nymote's FAT32 store: a filesystem on any BlockDevice that the SD card's
 * other readers (Windows, macOS, Linux, mtools) understand, written so that
 * a power cut at any moment leaves a volume the next mount repairs to a
 * consistent state without losing anything flushed.
 *
 *   await mkfs(block, { label: 'DATA' });
 *   const vol = await mount(block);
 *   await vol.writeFile('/logs/today.txt', bytes);
 *   await vol.flush();
 */
import type { BlockDevice } from '../../drivers/interfaces';
import { recover } from './recover';
import { mountCore, openCore, type MountOptions, type Volume } from './volume';

export { FsError, isFsError, type FsErrorCode } from './errors';
export { mkfs, defaultClusterBytes, type MkfsOptions } from './mkfs';
export { fsck, type FsckReport, type FsckProblem, type ProblemKind } from './fsck';
export { FileHandle } from './file';
export { recoveries, type RecoveryLog } from './recover';
export type { Geometry } from './bpb';
export type { Volume, MountOptions, Clock, DirListing, Stat, StatFs, OpenOptions } from './volume';

/**
 * Mounts the FAT32 volume on `block`. A volume left dirty by a power cut
 * is repaired first (when the device is writable).
 */
export async function mount(block: BlockDevice, opts: MountOptions = {}): Promise<Volume> {
  const core = await openCore(block, opts.cacheSectors);
  return mountCore(core, opts, recover);
}
