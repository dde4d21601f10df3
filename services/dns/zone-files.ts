/*
 * Zones from files: those a reader gives (the host's files on the unix and
 * node boards, `--zone FILE`), or every file of a folder on a volume (the
 * app's data volume). $INCLUDE resolves relative to the including file's
 * folder. A ZoneError names the file and line.
 */
import { parseZone, type Zone } from './zone';

/** Reads a whole file as text. */
export type ReadText = (path: string) => Promise<string>;

/** What loadFolderZones needs of a volume: store/fat32's Volume has it. */
export interface ZoneVolume {
  readdir(path: string): Promise<{ name: string; isDirectory: boolean }[]>;
  readFile(path: string): Promise<Uint8Array>;
}

function folderOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? '' : path.slice(0, slash + 1);
}

/** Parses `files` and every file they $INCLUDE, as `display(path)` in errors. */
async function parseAll(files: string[], read: ReadText, display: (path: string) => string): Promise<Zone[]> {
  // parseZone reads includes synchronously: fetch each file first, then parse
  // again whenever it asks for one not fetched yet (a failed fetch is
  // rethrown from include, so the ZoneError names the $INCLUDE line).
  const texts: { [path: string]: string } = {};
  const failed: { [path: string]: unknown } = {};
  const fetch = async (path: string) => {
    try {
      texts[path] = await read(path);
    } catch (e) {
      failed[path] = e;
    }
  };
  const zones: Zone[] = [];
  for (const file of files) {
    texts[file] = await read(file);
    for (;;) {
      let missing: string | undefined;
      try {
        zones.push(parseZone(texts[file], {
          file: display(file),
          include: (path) => {
            const full = path.charAt(0) === '/' ? path : folderOf(file) + path;
            if (full in failed) throw failed[full];
            if (texts[full] === undefined) { missing = full; throw new Error('not fetched yet'); }
            return texts[full];
          },
        }));
        break;
      } catch (e) {
        if (missing === undefined) throw e;
        await fetch(missing);
      }
    }
  }
  return zones;
}

/** Each file through `read` (a board's host files). */
export function loadZoneFiles(files: string[], read: ReadText): Promise<Zone[]> {
  return parseAll(files, read, (path) => path);
}

/**
 * Every file in `folder` on the volume, in name order (none when the folder
 * is missing). Errors name the file as `store:/zones/NAME:LINE`.
 */
export async function loadFolderZones(volume: ZoneVolume, folder: string): Promise<Zone[]> {
  let entries: { name: string; isDirectory: boolean }[];
  try {
    entries = await volume.readdir(folder);
  } catch (e) {
    if ((e as { code?: string }).code === 'ENOENT') return [];
    throw e;
  }
  const names = entries.filter((e) => !e.isDirectory && e.name.charAt(0) !== '.').map((e) => e.name).sort();
  const read = async (path: string) => {
    try {
      return new TextDecoder().decode(await volume.readFile(path));
    } catch (e) {
      if ((e as { code?: string }).code === 'ENOENT') throw new Error('store:' + path + ': no such file in ' + folder);
      throw e;
    }
  };
  return parseAll(names.map((name) => folder + '/' + name), read, (path) => 'store:' + path);
}
