/*
 * The authoritative server on a transport: UDP and TCP on one port over the
 * `network()` API (our stack in an image, Node's sockets on the node
 * board; both offer the same UdpApi/TcpApi). The protocol lives in
 * responder.ts; this file only moves bytes.
 *
 * TCP follows RFC 7766: length-framed messages, several per connection,
 * answered in order; a connection idle for `idleTimeoutMs` is closed
 * (§6.2.3), and past `maxConnections` new ones are reset at once, so a
 * client holding sockets open cannot starve the others. AXFR goes only to
 * peers listed in `axfrAllow`.
 */
import { type Ipv4Address } from '../../net/address';
import { type Flow, type TcpApi, type UdpApi } from '../../net/types';
import { systemScheduler, type Scheduler, type TimerHandle } from '../../lib/scheduler';
import { type Responder } from './responder';
import { FrameReader, frame } from './tcp-frames';

/** Closes a flow, or resets it when the close fails. */
async function closeOrAbort(flow: Flow): Promise<void> {
  try {
    await flow.close();
  } catch (e) {
    flow.abort();
  }
}

export interface DnsServerOptions {
  port: number;
  /** Peers allowed to transfer zones (--axfr-allow A.B.C.D). */
  axfrAllow?: Ipv4Address[];
  /** Close a TCP connection after this long without a query (default 10 s). */
  idleTimeoutMs?: number;
  /** TCP connections served at once (default 64). */
  maxConnections?: number;
  scheduler?: Scheduler;
}

export interface DnsServer {
  /** "dns.udp-queries", "dns.tcp-connections", "dns.tcp-rejected", … and the responder's. */
  readonly counters: { [name: string]: number };
  stop(): void;
}

export function serveDns(net: { udp: UdpApi; tcp: TcpApi }, responder: Responder, options: DnsServerOptions): DnsServer {
  const scheduler = options.scheduler || systemScheduler();
  const idleMs = options.idleTimeoutMs || 10000;
  const maxConnections = options.maxConnections || 64;
  const allow = options.axfrAllow || [];
  const counters = responder.counters;
  const count = (name: string): void => { counters[name] = (counters[name] || 0) + 1; };
  let open = 0;
  const overUdp = { tcp: false };

  const unbind = net.udp.bind(options.port, (data, from, to) => {
    count('dns.udp-queries');
    const out = responder.answer(data, overUdp);
    if (out.length > 0) net.udp.send(from, out[0], to.port);
  });

  const unlisten = net.tcp.listen(options.port, (flow) => {
    if (open >= maxConnections) { count('dns.tcp-rejected'); flow.abort(); return; }
    open++;
    count('dns.tcp-connections');
    void serveFlow(flow);
  });

  /** Answers the queries on one TCP connection until it ends, goes idle or fails (then it is reset). */
  async function serveFlow(flow: Flow): Promise<void> {
    const frames = new FrameReader();
    const axfrAllowed = allow.indexOf(flow.remote.address) >= 0;
    let timer: TimerHandle | null = null;
    let idle = false;
    const disarm = (): void => { if (timer) timer.cancel(); };
    const arm = (): void => {
      disarm();
      timer = scheduler.after(idleMs, () => { idle = true; count('dns.tcp-idle-closed'); void closeOrAbort(flow); });
    };
    arm();
    try {
      for (;;) {
        const chunk = await flow.read();
        if (chunk === null || idle) break;
        arm();
        // Every query of the chunk is answered now; the answers then go out in order.
        const queries = frames.push(chunk);
        const out: Uint8Array[] = [];
        for (let i = 0; i < queries.length; i++) {
          count('dns.tcp-queries');
          const answers = responder.answer(queries[i], { tcp: true, axfrAllowed: axfrAllowed });
          for (let j = 0; j < answers.length; j++) out.push(frame(answers[j]));
        }
        for (let i = 0; i < out.length; i++) await flow.write(out[i]);
      }
      disarm();
      if (!idle) await flow.close();
    } catch (e) {
      disarm();
      flow.abort();
      count('dns.tcp-errors');
    } finally {
      open--;
    }
  }

  return {
    counters: counters,
    stop: function () { unbind(); unlisten(); },
  };
}
