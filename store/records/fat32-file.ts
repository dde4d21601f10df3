/*
 * Records kept in a file on the FAT32 volume, so the SD card's data can be
 * copied off with any PC: a fixed-size file (allocated once, so the store's
 * pages never move) whose durability barrier is the volume's flush.
 */
import type { Volume } from '../fat32/index';
import { filePageStore, type PageStore } from './page-store';

/** A page store over `path` on `volume`, made `bytes` long on first use. */
export async function fatFilePageStore(volume: Volume, path: string, bytes: number, pageSize?: number): Promise<PageStore> {
  const handle = await volume.open(path, { create: true });
  if (handle.size() < bytes) {
    // Growing it writes zeros through the end: the store reads a blank file as unformatted.
    await handle.write(bytes - 1, new Uint8Array(1));
    await volume.flush();
  }
  return filePageStore({
    size: handle.size(),
    read: function (pos, buf) { return handle.read(pos, buf); },
    write: function (pos, data) { return handle.write(pos, data); },
    flush: function () { return volume.flush(); },
  }, pageSize);
}
