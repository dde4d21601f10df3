import { describe, expect, it } from 'vitest';
import { XenstoreClient, XenstoreError } from './client';
import { FakeXenstored } from '../../testing/fake-xenstored';
import { createRingTransport } from './transport';
import { XS_READ, XS_WATCH_EVENT, encodeMessage, encodeStrings } from './wire';

function setup(options: { failCommits?: number; retries?: number } = {}) {
  const page = new Uint8Array(4096);
  let fake: FakeXenstored | null = null;
  const transport = createRingTransport(page, { notify: () => { setTimeout(() => fake!.kick(), 0); } });
  fake = new FakeXenstored(page, { notify: () => { setTimeout(() => transport.onEvent(), 0); }, failCommits: options.failCommits });
  const client = new XenstoreClient(transport, { retries: options.retries });
  return { page, fake, transport, client };
}

const tick = () => new Promise((r) => setTimeout(r, 5));

async function code(p: Promise<unknown>): Promise<string> {
  try { await p; return 'resolved'; } catch (e) { return e instanceof XenstoreError ? e.code : 'other: ' + String(e); }
}

describe('xenstore client over the ring', () => {
  it('writes, reads, lists and removes', async () => {
    const { client } = setup();
    await client.write('/local/domain/1/name', 'guest');
    await client.write('/local/domain/1/data/a', '1');
    await client.mkdir('/local/domain/1/data/b');
    expect(await client.read('/local/domain/1/name')).toBe('guest');
    expect((await client.directory('/local/domain/1/data')).sort()).toEqual(['a', 'b']);
    expect(await client.read('/local/domain/1/data/b')).toBe('');
    await client.rm('/local/domain/1/data');
    expect(await code(client.read('/local/domain/1/data/a'))).toBe('ENOENT');
    expect(await client.directory('/local/domain/1')).toEqual(['name']);
    expect(await client.getDomainPath(7)).toBe('/local/domain/7');
  });

  it('rejects with ENOENT and keeps working', async () => {
    const { client } = setup();
    expect(await code(client.read('/nope'))).toBe('ENOENT');
    expect(await code(client.directory('/nope/deeper'))).toBe('ENOENT');
    expect(await code(client.rm('/nope/deeper'))).toBe('ENOENT');
    await client.rm('/nope'); // missing node under an existing parent: OK
    expect(await code(client.read('bad//path'))).toBe('EINVAL');
    await client.write('/x', 'y');
    expect(await client.read('/x')).toBe('y');
  });

  it('moves values bigger than the ring, many requests at once', async () => {
    const { client } = setup();
    const big = 'v'.repeat(3000);
    const writes = [];
    for (let i = 0; i < 20; i++) writes.push(client.write('/big/' + i, big + i));
    await Promise.all(writes);
    const reads = [];
    for (let i = 0; i < 20; i++) reads.push(client.read('/big/' + i));
    const got = await Promise.all(reads);
    for (let i = 0; i < 20; i++) expect(got[i]).toBe(big + i);
    expect(await code(client.write('/huge', 'x'.repeat(5000)))).toBe('E2BIG');
  });

  it('gets and sets permissions', async () => {
    const { client } = setup();
    await client.write('/p', '1');
    expect(await client.getPerms('/p')).toEqual([{ access: 'n', domid: 0 }]);
    await client.setPerms('/p', [{ access: 'b', domid: 1 }, { access: 'r', domid: 2 }]);
    expect(await client.getPerms('/p')).toEqual([{ access: 'b', domid: 1 }, { access: 'r', domid: 2 }]);
  });

  it('delivers the initial watch event and events for writes below the path', async () => {
    const { client, fake } = setup();
    const events: string[] = [];
    const w = await client.watch('/local/domain/0/backend', (path, token) => events.push(path + ' ' + token), 'tok');
    await tick();
    expect(events).toEqual(['/local/domain/0/backend tok']);
    await client.write('/local/domain/0/backend/vif/1', 'x');
    await client.write('/local/domain/0/other', 'x');
    fake.poke('/local/domain/0/backend/vbd', 'y');
    await tick();
    expect(events).toEqual(['/local/domain/0/backend tok', '/local/domain/0/backend/vif/1 tok', '/local/domain/0/backend/vbd tok']);
    await w.unwatch();
    fake.poke('/local/domain/0/backend/z', 'y');
    await tick();
    expect(events.length).toBe(3);
    const auto = await client.watch('/a', () => {});
    expect(auto.token).toMatch(/^nymote-/);
    expect(await code(client.watch('/b', () => {}, auto.token))).toBe('EEXIST');
  });

  it('commits transactions and sees their writes only after commit', async () => {
    const { client } = setup();
    await client.write('/counter', '0');
    const r = await client.transaction(async (tx) => {
      const v = parseInt(await tx.read('/counter'), 10);
      await tx.write('/counter', String(v + 1));
      expect(await client.read('/counter')).toBe('0'); // outside the transaction: unchanged
      return v + 1;
    });
    expect(r).toBe(1);
    expect(await client.read('/counter')).toBe('1');
  });

  it('retries on EAGAIN: forced, and from a real conflict', async () => {
    const { client, fake } = setup({ failCommits: 2 });
    await client.write('/n', '0');
    let runs = 0;
    await client.transaction(async (tx) => { runs++; await tx.write('/n', String(runs)); });
    expect(runs).toBe(3);
    expect(await client.read('/n')).toBe('3');
    expect(client.counters['xenstore.tx-retry']).toBe(2);

    runs = 0;
    await client.transaction(async (tx) => {
      runs++;
      const v = await tx.read('/n');
      if (runs === 1) fake.poke('/n', '100'); // someone else commits meanwhile
      await tx.write('/n', v + '+');
    });
    expect(runs).toBe(2);
    expect(await client.read('/n')).toBe('100+');
  });

  it('gives up after the retry limit and aborts on other errors', async () => {
    const { client } = setup({ failCommits: 5, retries: 2 });
    let runs = 0;
    expect(await code(client.transaction(async (tx) => { runs++; await tx.write('/q', 'x'); }))).toBe('EAGAIN');
    expect(runs).toBe(3);
    expect(await code(client.transaction(async (tx) => { await tx.read('/missing'); }))).toBe('ENOENT');
    expect(await code(client.read('/q'))).toBe('ENOENT'); // nothing committed
  });
});

describe('xenstore client against a misbehaving peer', () => {
  function raw() {
    let deliver: (b: Uint8Array) => void = () => {};
    const written: Uint8Array[] = [];
    const client = new XenstoreClient({ write: (b) => written.push(b), onData: (cb) => { deliver = cb; }, notify: () => {} });
    return { client, written, deliver: (b: Uint8Array) => deliver(b) };
  }

  it('drops unknown ids, bad watch events and mismatched types without throwing', async () => {
    const { client, deliver } = raw();
    const p = client.read('/a');
    deliver(encodeMessage({ type: XS_READ, reqId: 999, txId: 0, payload: new Uint8Array(0) })!);
    deliver(encodeMessage({ type: XS_WATCH_EVENT, reqId: 0, txId: 0, payload: encodeStrings(['/only-path']) })!);
    deliver(encodeMessage({ type: XS_WATCH_EVENT, reqId: 0, txId: 0, payload: encodeStrings(['/p', 'unknown']) })!);
    deliver(encodeMessage({ type: 11, reqId: 1, txId: 0, payload: new Uint8Array(0) })!);
    expect(await code(p)).toBe('EPROTO');
    expect(client.counters['xenstore.unknown-req-id']).toBe(1);
    expect(client.counters['xenstore.bad-watch-event']).toBe(1);
    expect(client.counters['xenstore.unknown-watch']).toBe(1);
    expect(client.failed).toBeNull();
  });

  it('fails everything pending and later on a broken stream', async () => {
    const { client, deliver } = raw();
    const p = client.read('/a');
    const bad = new Uint8Array(16);
    new DataView(bad.buffer).setUint32(12, 100000, true);
    deliver(bad);
    expect(await code(p)).toBe('EPROTO');
    expect(await code(client.write('/b', 'c'))).toBe('EPROTO');
    deliver(new Uint8Array([1, 2, 3])); // ignored, no throw
  });

  it('survives random bytes', async () => {
    const { client, deliver } = raw();
    const p = client.read('/a').catch(() => undefined);
    for (let i = 0; i < 200; i++) {
      const b = new Uint8Array(1 + (i % 37));
      for (let j = 0; j < b.length; j++) b[j] = (i * 31 + j * 17) & 0xff;
      deliver(b);
    }
    await p;
  });
});
