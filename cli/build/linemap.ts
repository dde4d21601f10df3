/*
 * The bundle's line map: for each generated line, the TypeScript file and
 * line it came from. It rides on the bundle's first line as the global
 * __nymote_lines, read by kernel/runtime/errors.ts (which documents the
 * encoding), so stack traces inside any image name TS locations without
 * carrying a whole source map.
 */
import { TraceMap, eachMapping, type SourceMapInput } from '@jridgewell/trace-mapping';
import { decodeLineMap } from '../../kernel/runtime/errors';

export interface LineMap {
  name: string;
  sources: string[];
  map: string;
}

/**
 * @param lineOffset generated lines that will precede the mapped code
 * @param rename maps a source path from the map to the path shown in traces
 */
export function buildLineMap(sourceMap: SourceMapInput, name: string, lineOffset: number, rename: (source: string) => string): LineMap {
  const traced = new TraceMap(sourceMap);
  const sources: string[] = [];
  const sourceIndex = new Map<string, number>();
  const perLine: ({ source: number; line: number } | undefined)[] = [];
  eachMapping(traced, (m) => {
    if (m.source == null || m.originalLine == null) return;
    const line = m.generatedLine + lineOffset;
    if (perLine[line - 1]) return; // the first segment of a line speaks for it
    const shown = rename(m.source);
    let idx = sourceIndex.get(shown);
    if (idx === undefined) {
      idx = sources.length;
      sources.push(shown);
      sourceIndex.set(shown, idx);
    }
    perLine[line - 1] = { source: idx, line: m.originalLine };
  });
  const parts: string[] = [];
  let source = -1;
  let prev = 0;
  for (let i = 0; i < perLine.length; i++) {
    const e = perLine[i];
    if (!e) { parts.push(''); continue; }
    if (e.source !== source) {
      parts.push(e.source.toString(36) + ':' + e.line.toString(36));
    } else {
      const d = e.line - prev;
      parts.push((d >= 0 ? '+' : '-') + Math.abs(d).toString(36));
    }
    source = e.source;
    prev = e.line;
  }
  return { name, sources, map: parts.join(';') };
}

/** Looks a bundle line up (for build-time errors, e.g. a Duktape syntax error). */
export function lookupLine(lm: LineMap, line: number): string | undefined {
  const e = decodeLineMap(lm.map)[line - 1];
  return e ? `${lm.sources[e.source]}:${e.line}` : undefined;
}
