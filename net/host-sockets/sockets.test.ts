import { afterEach, describe, expect, it } from 'vitest';
import { createSocketStack, type SocketStack } from './sockets';
import { parseIpv4 } from '../address';
import { FlowError, type Flow } from '../types';

const LOOPBACK = parseIpv4('127.0.0.1')!;
let stacks: SocketStack[] = [];
function stack(): SocketStack { const s = createSocketStack({ host: '127.0.0.1' }); stacks.push(s); return s; }
afterEach(async () => { await Promise.all(stacks.map((s) => s.close())); stacks = []; });

async function readAll(flow: Flow): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let n = 0;
  for (;;) {
    const chunk = await flow.read();
    if (!chunk) break;
    parts.push(chunk.slice());
    n += chunk.length;
  }
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

describe('node socket stack', () => {
  it('TCP echo over loopback: a megabyte each way, half-close, endpoints', async () => {
    const server = stack();
    const listening = await server.tcp.listenAsync(0, async (flow) => {
      for (;;) {
        const chunk = await flow.read();
        if (!chunk) break;
        await flow.write(chunk); // backpressure: awaiting write
      }
      await flow.close();
    });
    const client = stack();
    const flow = await client.tcp.connect(LOOPBACK, listening.port);
    expect(flow.remote).toEqual({ address: LOOPBACK, port: listening.port });
    expect(flow.local.address).toBe(LOOPBACK);
    const data = new Uint8Array(1 << 20);
    for (let i = 0; i < data.length; i++) data[i] = (i * 13) & 0xff;
    const echoed = readAll(flow);
    for (let at = 0; at < data.length; at += 65536) await flow.write(data.subarray(at, at + 65536));
    await flow.close();
    const back = await echoed;
    expect(back.length).toBe(data.length);
    expect(Buffer.compare(Buffer.from(back), Buffer.from(data))).toBe(0);
  });

  it('TCP backpressure: a reader that stops reading pauses the writer, then gets every byte', async () => {
    const server = stack();
    const total = 16 << 20;
    let accepted = 0;
    const l = await server.tcp.listenAsync(0, async (flow) => {
      const chunk = new Uint8Array(65536);
      for (let at = 0; at < total; at += chunk.length) { chunk[0] = (at >>> 16) & 0xff; await flow.write(chunk); accepted += chunk.length; }
      await flow.close();
    });
    const client = createSocketStack({ host: '127.0.0.1', readHighWater: 65536 });
    stacks.push(client);
    const flow = await client.tcp.connect(LOOPBACK, l.port);
    await new Promise((r) => setTimeout(r, 200));
    expect(accepted).toBeLessThan(total); // the writer is held back, not buffering all in memory
    let n = 0;
    for (;;) { const c = await flow.read(); if (!c) break; n += c.length; }
    expect(n).toBe(total);
    expect(accepted).toBe(total);
  });

  it('TCP: refused connections reject with FlowError "refused"; abort resets the peer', async () => {
    const server = stack();
    const l = await server.tcp.listenAsync(0, () => {});
    await l.close();
    const client = stack();
    const e = await client.tcp.connect(LOOPBACK, l.port).catch((x) => x);
    expect(e).toBeInstanceOf(FlowError);
    expect(e.code).toBe('refused');

    let serverSide: Promise<unknown> = Promise.resolve();
    const l2 = await server.tcp.listenAsync(0, (flow) => { serverSide = flow.read().then(() => 'eof', (x: FlowError) => x.code); });
    const flow = await client.tcp.connect(LOOPBACK, l2.port);
    await new Promise((r) => setTimeout(r, 20));
    flow.abort();
    await new Promise((r) => setTimeout(r, 50));
    expect(await serverSide).toBe('reset');
    await expect(flow.read()).rejects.toMatchObject({ code: 'aborted' });
  });

  it('listenAsync rejects on a port in use', async () => {
    const a = stack();
    const l = await a.tcp.listenAsync(0, () => {});
    await expect(a.tcp.listenAsync(l.port, () => {})).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });

  it('UDP echo over loopback, with from/to endpoints', async () => {
    const server = stack();
    const b = await server.udp.bindAsync(0, (data, from, to) => {
      expect(to.port).toBe(b.port);
      server.udp.send(from, data, b.port);
    });
    const client = stack();
    const got = new Promise<{ data: number[]; port: number; address: number }>((resolve) => {
      void client.udp.bindAsync(0, (data, from) => resolve({ data: Array.from(data), port: from.port, address: from.address })).then((c) => {
        client.udp.send({ address: LOOPBACK, port: b.port }, new Uint8Array([1, 2, 3]), c.port);
      });
    });
    expect(await got).toEqual({ data: [1, 2, 3], port: b.port, address: LOOPBACK });
  });

  it('UDP bind refuses a port already bound here, synchronously', async () => {
    const s = stack();
    const b = await s.udp.bindAsync(0, () => {});
    expect(() => s.udp.bind(b.port, () => {})).toThrow(/already bound/);
    expect(() => s.udp.bind(0, () => {})).toThrow(/not a port/);
  });
});
