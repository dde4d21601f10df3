/*
 * Zone files named by --zone FILE (repeatable), read through a function the
 * board provides (the host file system on the unix and node boards).
 * $INCLUDE resolves relative to the including file's folder.
 */
import { parseZone, type Zone } from '../../services/dns/zone';

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
