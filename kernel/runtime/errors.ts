/*
 * Uncaught errors, reported the way a developer can act on: each frame of a
 * Duktape stack ("at f (app.js:123)") is mapped through the bundle's line map
 * to the TypeScript source ("at f (apps/hello/app.ts:12)").
 *
 * The builder puts the line map on the bundle's first line as the global
 * __nymote_lines (see cli/build/linemap.ts for the encoding).
 */
declare const __nymote_lines: { name: string; sources: string[]; map: string } | undefined;

export interface LineEntry { source: number; line: number }

/**
 * One entry per generated line, ';'-separated: "" unmapped, "+d"/"-d" a line
 * delta (base 36) in the current source, "s:l" a new source index and
 * absolute line. Returns the entries, null for unmapped lines.
 */
export function decodeLineMap(map: string): (LineEntry | null)[] {
  const out: (LineEntry | null)[] = [];
  const parts = map.split(';');
  let source = 0;
  let line = 0;
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i];
    if (p === '') { out.push(null); continue; }
    const colon = p.indexOf(':');
    if (colon >= 0) {
      source = parseInt(p.slice(0, colon), 36);
      line = parseInt(p.slice(colon + 1), 36);
    } else {
      line += parseInt(p, 36);
    }
    out.push({ source: source, line: line });
  }
  return out;
}

let decoded: (LineEntry | null)[] = [];
let decodedFrom: unknown = null;

function decode(): (LineEntry | null)[] {
  if (typeof __nymote_lines === 'undefined') return [];
  if (decodedFrom !== __nymote_lines) {
    decoded = decodeLineMap(__nymote_lines.map);
    decodedFrom = __nymote_lines;
  }
  return decoded;
}

/** Maps a line of the bundle (1-based) to "file.ts:line", or null. */
export function mapBundleLine(bundleLine: number): string | null {
  const e = decode()[bundleLine - 1];
  return e && typeof __nymote_lines !== 'undefined' ? __nymote_lines.sources[e.source] + ':' + e.line : null;
}

function bundleName(): string {
  return typeof __nymote_lines !== 'undefined' ? __nymote_lines.name : 'app.js';
}

/** Rewrites a Duktape stack trace to TypeScript locations. */
export function mapStack(stack: string): string {
  const name = bundleName();
  const lines = stack.split('\n');
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    let text = lines[i].replace(/ (preventsyield|strict|native|construct|tailcall)/g, '');
    let unmapped = false;
    // Functions carry no .fileName (DUK_USE_FUNC_FILENAME_PROPERTY is off): a bundle frame is "(:line)".
    text = text.replace(/\(([^():]*):(\d+)\)/, (whole: string, file: string, line: string) => {
      if (file !== name && file !== '') return whole;
      const mapped = mapBundleLine(parseInt(line, 10));
      unmapped = !mapped;
      return mapped ? '(' + mapped + ')' : whole;
    });
    // Noise to an app developer: the engine's own C frames, the bundle's
    // generated wrapper and the runtime's event loop.
    if (i > 0 && (unmapped || / internal$/.test(text) || /node_modules\/tslib\//.test(text) || /\(nymote\/kernel\/runtime\/(loop|index)\.ts:\d+\)/.test(text))) continue;
    out.push(text);
  }
  return out.join('\n');
}

/** The first TypeScript location in an error's stack, if any. */
export function errorLocation(err: unknown): string | null {
  if (!err || typeof err !== 'object') return null;
  const e = err as { lineNumber?: number; fileName?: string; stack?: string };
  if (typeof e.stack === 'string') {
    const m = /\(([^()]+\.ts:\d+)\)/.exec(mapStack(e.stack));
    if (m) return m[1];
  }
  if (typeof e.lineNumber === 'number' && e.fileName === bundleName()) return mapBundleLine(e.lineNumber);
  return null;
}

/** Text for an uncaught error, Node style: the mapped stack, or the value. */
export function describeUncaught(err: unknown): string {
  if (err && typeof err === 'object' && typeof (err as Error).stack === 'string') {
    return mapStack((err as Error).stack as string);
  }
  if (err instanceof Error) return String(err);
  let text: string;
  try { text = typeof err === 'string' ? err : JSON.stringify(err); } catch (_e) { text = String(err); }
  return 'Uncaught ' + text;
}
