import { describe, expect, it, afterEach } from 'vitest';
import fc from 'fast-check';
import { encode, type SourceMapSegment } from '@jridgewell/sourcemap-codec';
import { buildLineMap, lookupLine } from './linemap';
import { mapBundleLine, mapStack } from '../../kernel/runtime/errors';

type Line = { source: number; line: number } | null;

function sourceMapOf(lines: Line[], sources: string[]) {
  const mappings: SourceMapSegment[][] = lines.map((l) => (l ? [[0, l.source, l.line - 1, 0], [4, l.source, l.line - 1, 2]] : []));
  return { version: 3 as const, file: 'app.js', sources, names: [], mappings: encode(mappings) };
}

const sources = ['apps/a/app.ts', 'nymote/kernel/runtime/loop.ts', 'lib/x.ts'];
const lineArb = fc.array(fc.option(fc.record({ source: fc.integer({ min: 0, max: 2 }), line: fc.integer({ min: 1, max: 5000 }) }), { nil: null }), { maxLength: 300 });

describe('bundle line map', () => {
  afterEach(() => { delete (globalThis as { __nymote_lines?: unknown }).__nymote_lines; });

  it('maps every generated line back to its source line, on the host and in the runtime', () => {
    fc.assert(fc.property(lineArb, fc.integer({ min: 0, max: 3 }), (lines, offset) => {
      const lm = buildLineMap(sourceMapOf(lines, sources), 'app.js', offset, (s) => s);
      (globalThis as { __nymote_lines?: unknown }).__nymote_lines = lm;
      for (let g = 1; g <= lines.length + offset + 1; g++) {
        const original = g - offset >= 1 ? lines[g - offset - 1] : null;
        const want = original ? `${sources[original.source]}:${original.line}` : undefined;
        expect(lookupLine(lm, g)).toBe(want);
        expect(mapBundleLine(g) ?? undefined).toBe(want);
      }
    }));
  });

  it('is compact: a few bytes per line for sequential code', () => {
    const lines: Line[] = Array.from({ length: 1000 }, (_, i) => ({ source: 0, line: i + 1 }));
    const lm = buildLineMap(sourceMapOf(lines, sources), 'app.js', 1, (s) => s);
    expect(lm.map.length).toBeLessThan(3 * 1000 + 20);
  });

  it('rewrites Duktape stack frames to TypeScript locations and drops wrapper frames', () => {
    const lines: Line[] = [null, { source: 0, line: 12 }, { source: 1, line: 40 }, { source: 0, line: 30 }];
    (globalThis as { __nymote_lines?: unknown }).__nymote_lines = buildLineMap(sourceMapOf(lines, sources), 'app.js', 0, (s) => s);
    const stack = [
      'Error: boom',
      '    at explode (app.js:2) preventsyield',
      '    at [anon] (duk_hobject_props.c:2621) internal',
      '    at runLoop (app.js:3)',
      '    at main (app.js:4) strict',
      '    at global (app.js:1) preventsyield',
    ].join('\n');
    expect(mapStack(stack)).toBe([
      'Error: boom',
      '    at explode (apps/a/app.ts:12)',
      '    at main (apps/a/app.ts:30)',
    ].join('\n'));
  });
});
