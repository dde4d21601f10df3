/*
 * The HTTP core inside Duktape (engine tier, unix board): the same scenario
 * prints the same lines as under Node, so nothing in the parser, server,
 * router or file server relies on ES2015+ built-ins the engine or our
 * runtime lacks.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { buildApp, runImage } from '../../test/helpers';
import { runScenario } from './testing/engine-scenario';

let built: Awaited<ReturnType<typeof buildApp>>;
beforeAll(async () => { built = await buildApp(fileURLToPath(new URL('./fixtures/engine', import.meta.url))); }, 300_000);

describe('HTTP core in Duktape', () => {
  it('runs the scenario with the same output as under Node', async () => {
    const expected = await runScenario();
    expect(expected.join('\n')).not.toMatch(/other: /);
    expect(expected).toContain('chunked round trips 50/50');
    expect(expected).toContain('dates round-tripped 200/200');
    const r = runImage(built.dir, built.manifest, [], 120_000);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.trimEnd().split('\n')).toEqual(expected);
  });
});
