/*
 * The DNS core inside Duktape (engine tier, unix board): the same scenario
 * prints the same lines as under Node, so nothing in the core relies on
 * ES2015+ built-ins the engine or our runtime lacks.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { buildApp, runImage } from '../../test/helpers';
import { runScenario } from './fixtures/engine/scenario';
import { runResolverScenario } from './testing/resolver-scenario';

let built: Awaited<ReturnType<typeof buildApp>>;
beforeAll(async () => { built = await buildApp(fileURLToPath(new URL('./fixtures/engine', import.meta.url))); }, 300_000);

describe('DNS core in Duktape', () => {
  it('runs the scenario with the same output as under Node', () => {
    const expected = runScenario();
    expect(expected.join('\n')).not.toMatch(/other: /);
    const r = runImage(built.dir, built.manifest, [], 120_000);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.trimEnd().split('\n')).toEqual(expected);
  });
});

describe('the resolver in Duktape', () => {
  let resolverImage: Awaited<ReturnType<typeof buildApp>>;
  beforeAll(async () => { resolverImage = await buildApp(fileURLToPath(new URL('./fixtures/engine-resolver', import.meta.url))); }, 300_000);

  it('resolves over our stacks on the lossy switch with the same output as under Node', async () => {
    const expected = await runResolverScenario();
    expect(expected.join('\n')).not.toMatch(/other: /);
    expect(expected).toContain('NXDOMAIN: NXDOMAIN');
    expect(expected).toContain('big TXT over TCP: 20 strings');
    const r = runImage(resolverImage.dir, resolverImage.manifest, [], 120_000);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.trimEnd().split('\n')).toEqual(expected);
  });
});
