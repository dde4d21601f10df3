/*
 * One query on the wire, over UDP or TCP, for the resolver's retry logic
 * (resolver.ts) to drive. Each UDP attempt gets its own random id and its
 * own random source port (RFC 5452 §9.2: about 30 bits an off-path attacker
 * has to guess), and keeps listening until the caller closes it, so a slow
 * reply to an earlier attempt is still taken. TCP frames the query with its
 * 2-byte length (RFC 1035 §4.2.2) and reads frames until the matching one.
 */
import { type Endpoint, type Flow, type TcpApi, type UdpApi } from '../../net/types';
import { type Counters, count } from '../../lib/counters';
import { type RandomSource } from '../../lib/random';
import { type Scheduler } from '../../lib/scheduler';
import { type Question } from './rdata';
import { buildQuery, matchReply, random16, type Verdict } from './resolver-match';
import { FrameReader, frame } from './tcp-frames';

/** Source ports are drawn from 1024–65535 (below are the well-known ones a board may serve). */
const LOWEST_PORT = 1024;
const PORT_TRIES = 16;

export interface UdpAttempt { close(): void }

/**
 * Sends `question` to `server` from a fresh port; `onVerdict` hears every
 * datagram that is ours (replies and malformed ones; the rest is counted
 * under "resolver.drop.*"). Throws when no port could be bound.
 */
export function sendUdpQuery(
  udp: UdpApi, random: RandomSource, server: Endpoint, question: Question, payload: number,
  counters: Counters, onVerdict: (v: Verdict) => void,
): UdpAttempt {
  const id = random16(random);
  const expected = { id: id, question: question, server: server };
  let open = true;
  let unbind: (() => void) | null = null;
  let port = 0;
  for (let i = 0; i < PORT_TRIES && unbind === null; i++) {
    port = LOWEST_PORT + random16(random) % (65536 - LOWEST_PORT);
    try {
      unbind = udp.bind(port, (data, from) => {
        if (!open) return;
        const v = matchReply(data, from, expected);
        if (v.kind === 'drop') { count(counters, 'resolver.drop.' + v.reason); return; }
        onVerdict(v);
      });
    } catch (e) {
      count(counters, 'resolver.port-in-use');
    }
  }
  if (unbind === null) throw new Error('resolver: no free UDP source port after ' + PORT_TRIES + ' tries');
  count(counters, 'resolver.udp-queries');
  udp.send(server, buildQuery(id, question, payload), port);
  const release = unbind;
  return { close: function () { if (open) { open = false; release(); } } };
}

/**
 * Asks over TCP; resolves to the verdict on the matching reply (a message,
 * or malformed), rejects on a connection error, on the end of the stream
 * before the reply, or after `timeoutMs`.
 */
export function tcpQuery(
  tcp: TcpApi, scheduler: Scheduler, random: RandomSource, server: Endpoint, question: Question,
  timeoutMs: number, counters: Counters,
): Promise<Verdict> {
  const id = random16(random);
  const expected = { id: id, question: question, server: null };
  count(counters, 'resolver.tcp-queries');
  return new Promise<Verdict>((resolve, reject) => {
    let done = false;
    let flow: Flow | null = null;
    const finish = (error: Error | null, verdict?: Verdict): void => {
      if (done) return;
      done = true;
      timer.cancel();
      if (flow) {
        if (error) flow.abort();
        else void closeOrAbort(flow);
      }
      if (error) reject(error); else resolve(verdict as Verdict);
    };
    const timer = scheduler.after(timeoutMs, () => { count(counters, 'resolver.tcp-timeouts'); finish(new Error('TCP query timed out')); });
    const converse = async (): Promise<void> => {
      try {
        const f = await tcp.connect(server.address, server.port);
        flow = f;
        if (done) { f.abort(); return; }
        const frames = new FrameReader();
        await f.write(frame(buildQuery(id, question, 0)));
        for (;;) {
          const chunk = await f.read();
          if (done) return;
          if (chunk === null) { finish(new Error('TCP connection closed before the reply')); return; }
          const messages = frames.push(chunk);
          for (let i = 0; i < messages.length; i++) {
            const v = matchReply(messages[i], null, expected);
            if (v.kind === 'drop') { count(counters, 'resolver.drop.' + v.reason); continue; }
            finish(null, v);
            return;
          }
        }
      } catch (e) {
        finish(e instanceof Error ? e : new Error(String(e)));
      }
    };
    void converse();
  });
}

/** Closes a flow, or resets it when the close fails. */
async function closeOrAbort(flow: Flow): Promise<void> {
  try {
    await flow.close();
  } catch (e) {
    flow.abort();
  }
}
