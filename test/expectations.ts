/* What the engine-tier fixtures must print, wherever they run (unix process
 * or Xen guest): one definition per fixture. */
import { expect } from 'vitest';
import type { Run } from './helpers';
import { scenarios } from './fixtures/ordering/scenarios';

/** test/fixtures/timers: fired in deadline order, ties in creation order, none early. */
export function expectTimersInOrder(stdout: string): void {
  const delays = /delays (.*)/.exec(stdout)![1].split(' ').map(Number);
  const expected = delays.map((d, i) => ({ d, i })).sort((a, b) => a.d - b.d || a.i - b.i).map((t) => `${t.d}#${t.i}`);
  expect(/fired (.*)/.exec(stdout)![1].split(' ')).toEqual(expected);
  expect(stdout).toContain('early 0');
}

/** test/fixtures/ordering: the same log, line for line, as the scenarios give under Node. */
export async function expectNodeOrdering(stdout: string): Promise<void> {
  const native: string[] = [];
  for (const s of scenarios) {
    const log: string[] = [];
    await s.run((e) => log.push(e));
    native.push(`${s.name}: ${log.join(' | ')}`);
  }
  expect(stdout.trimEnd().split('\n')).toEqual(native);
}

/** The Promises/A+ runner: every one of the suite's 872 tests passed. */
export function expectAplusPassed(r: Run): void {
  const summary = /aplus: (\d+) passed, (\d+) failed/.exec(r.stdout);
  expect(summary, r.stdout + r.stderr).not.toBeNull();
  expect(r.stdout.match(/FAILED: .*/g) ?? []).toEqual([]);
  expect(Number(summary![1])).toBeGreaterThanOrEqual(872);
  expect(r.code).toBe(0);
}
