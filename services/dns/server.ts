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
  const count = function (name: string): void { counters[name] = (counters[name] || 0) + 1; };
  let open = 0;

  const unbind = net.udp.bind(options.port, function (data, from, to) {
    count('dns.udp-queries');
    const out = responder.answer(data, { tcp: false });
    if (out.length > 0) net.udp.send(from, out[0], to.port);
  });

  const unlisten = net.tcp.listen(options.port, function (flow) {
    if (open >= maxConnections) { count('dns.tcp-rejected'); flow.abort(); return; }
    open++;
    count('dns.tcp-connections');
    serveFlow(flow).then(function () { open--; }, function () { open--; count('dns.tcp-errors'); });
  });

  function serveFlow(flow: Flow): Promise<void> {
    const frames = new FrameReader();
    const axfrAllowed = allow.indexOf(flow.remote.address) >= 0;
    let timer: TimerHandle | null = null;
    let idle = false;
    const arm = function (): void {
      if (timer) timer.cancel();
      timer = scheduler.after(idleMs, function () { idle = true; count('dns.tcp-idle-closed'); flow.close().then(undefined, function () { flow.abort(); }); });
    };
    arm();
    const step = function (): Promise<void> {
      return flow.read().then(function (chunk) {
        if (chunk === null || idle) return finish();
        arm();
        const queries = frames.push(chunk);
        let writes: Promise<void> = Promise.resolve();
        for (let i = 0; i < queries.length; i++) {
          count('dns.tcp-queries');
          const answers = responder.answer(queries[i], { tcp: true, axfrAllowed: axfrAllowed });
          for (let j = 0; j < answers.length; j++) {
            const bytes = frame(answers[j]);
            writes = writes.then(function () { return flow.write(bytes); });
          }
        }
        return writes.then(step);
      });
    };
    const finish = function (): Promise<void> {
      if (timer) timer.cancel();
      return idle ? Promise.resolve() : flow.close();
    };
    return step().then(undefined, function (e) {
      if (timer) timer.cancel();
      flow.abort();
      throw e;
    });
  }

  return {
    counters: counters,
    stop: function () { unbind(); unlisten(); },
  };
}
