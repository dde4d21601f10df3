/*
 * Zone files: those named by --zone FILE (repeatable), read through a
 * function the board provides (the host file system on the unix and node
 * boards), or those in /zones on the app's data volume.
 * $INCLUDE resolves relative to the including file's folder.
 */
import { parseZone, type Zone } from '../../services/dns/zone';
import type { Volume } from '../../store/fat32/index';

export type ReadText = (path: string) => string;

/** Every value of a repeatable option, in order (`--zone a --zone=b`). */
export function optionValues(args: readonly string[], name: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === name && i + 1 < args.length) out.push(args[++i]);
    else if (args[i].indexOf(name + '=') === 0) out.push(args[i].slice(name.length + 1));
  }
  return out;
}

function folderOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? '' : path.slice(0, slash + 1);
}

/** Parses each file; a ZoneError (file:line) propagates to the caller. */
export function loadZones(files: string[], read: ReadText): Zone[] {
  const zones: Zone[] = [];
  for (let i = 0; i < files.length; i++) {
    const file = files[i];
    zones.push(parseZone(read(file), {
      file: file,
      include: function (path) { return read(path.charAt(0) === '/' ? path : folderOf(file) + path); },
    }));
  }
  return zones;
}

/** Where on the data volume the zone files are. */
export const ZONES_FOLDER = '/zones';

/**
 * Every file in /zones on the volume, in name order. Errors name the file
 * as `store:/zones/NAME:LINE`; $INCLUDE reads another file of that folder.
 */
export function loadStoreZones(volume: Volume): Promise<Zone[]> {
  return volume.readdir(ZONES_FOLDER).then(function (entries) {
    const names: string[] = [];
    for (let i = 0; i < entries.length; i++) if (!entries[i].isDirectory && entries[i].name.charAt(0) !== '.') names.push(entries[i].name);
    names.sort();
    const texts: { [path: string]: string } = {};
    let reading: Promise<void> = Promise.resolve();
    names.forEach(function (name) {
      reading = reading.then(function () {
        return volume.readFile(ZONES_FOLDER + '/' + name).then(function (bytes) { texts[ZONES_FOLDER + '/' + name] = new TextDecoder().decode(bytes); });
      });
    });
    return reading.then(function () {
      const files = names.map(function (name) { return ZONES_FOLDER + '/' + name; });
      const read = function (path: string): string {
        const text = texts[path.charAt(0) === '/' ? path : ZONES_FOLDER + '/' + path];
        if (text === undefined) throw new Error('store:' + path + ': no such file in ' + ZONES_FOLDER);
        return text;
      };
      const zones: Zone[] = [];
      for (let i = 0; i < files.length; i++) {
        zones.push(parseZone(read(files[i]), { file: 'store:' + files[i], include: function (path) { return read(path.replace(/^store:/, '')); } }));
      }
      return zones;
    });
  }, function (e: Error & { code?: string }) {
    if (e.code === 'ENOENT') return [];
    throw e;
  });
}
