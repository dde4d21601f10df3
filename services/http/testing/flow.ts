/*
 * An in-memory connection for tests and the engine scenario: two Flows,
 * what one writes the other reads. Writes are copied; past `highWater`
 * unread bytes a write waits for the reader (backpressure), so a client
 * that never reads stalls the server as a real one would. close() ends our
 * direction (the peer reads null after the data); abort() resets both.
 * Promise-only, so it runs in Duktape too.
 */
import { FlowError, type Endpoint, type Flow } from '../../../net/types';

interface Waiter<T> { resolve: (v: T) => void; reject: (e: Error) => void }

/** One direction of the connection. */
class Pipe {
  chunks: Uint8Array[] = [];
  queued = 0;
  ended = false;
  failure: FlowError | null = null;
  readers: Waiter<Uint8Array | null>[] = [];
  writers: { bytes: number; w: Waiter<void> }[] = [];

  constructor(private readonly highWater: number) {}

  push(data: Uint8Array): Promise<void> {
    const copy = new Uint8Array(data.length);
    copy.set(data);
    const reader = this.readers.shift();
    if (reader) { reader.resolve(copy); return Promise.resolve(); }
    this.chunks.push(copy);
    this.queued += copy.length;
    if (this.queued <= this.highWater) return Promise.resolve();
    return new Promise<void>((resolve, reject) => { this.writers.push({ bytes: copy.length, w: { resolve: resolve, reject: reject } }); });
  }

  take(): Promise<Uint8Array | null> {
    const chunk = this.chunks.shift();
    if (chunk) {
      this.queued -= chunk.length;
      while (this.writers.length && this.queued <= this.highWater) (this.writers.shift() as { w: Waiter<void> }).w.resolve(undefined);
      return Promise.resolve(chunk);
    }
    if (this.failure) return Promise.reject(this.failure);
    if (this.ended) return Promise.resolve(null);
    return new Promise((resolve, reject) => { this.readers.push({ resolve: resolve, reject: reject }); });
  }

  end(): void {
    this.ended = true;
    if (this.chunks.length) return;
    const readers = this.readers.splice(0);
    for (let i = 0; i < readers.length; i++) readers[i].resolve(null);
  }

  fail(e: FlowError): void {
    if (this.failure) return;
    this.failure = e;
    this.chunks = [];
    this.queued = 0;
    const readers = this.readers.splice(0);
    for (let i = 0; i < readers.length; i++) readers[i].reject(e);
    const writers = this.writers.splice(0);
    for (let i = 0; i < writers.length; i++) writers[i].w.reject(e);
  }
}

export interface TestFlow extends Flow {
  /** Whether this side called close() / abort(), or was reset by the peer. */
  readonly state: { closed: boolean; aborted: boolean; reset: boolean };
}

export interface FlowPair { client: TestFlow; server: TestFlow }

export interface FlowPairOptions {
  client?: Endpoint;
  server?: Endpoint;
  /** Unread bytes per direction before writes wait (default 1 MiB). */
  highWater?: number;
}

function side(incoming: Pipe, outgoing: Pipe, local: Endpoint, remote: Endpoint, peer: () => TestFlow): TestFlow {
  const state = { closed: false, aborted: false, reset: false };
  return {
    local: local,
    remote: remote,
    state: state,
    read: function () { return incoming.take(); },
    write: function (data) {
      if (outgoing.failure) return Promise.reject(outgoing.failure);
      if (outgoing.ended) return Promise.reject(new FlowError('closed', 'write after close'));
      return outgoing.push(data);
    },
    close: function () {
      state.closed = true;
      outgoing.end();
      return Promise.resolve();
    },
    abort: function () {
      if (state.aborted) return;
      state.aborted = true;
      peer().state.reset = true;
      incoming.fail(new FlowError('aborted', 'connection aborted'));
      outgoing.fail(new FlowError('reset', 'connection reset by peer'));
    },
  };
}

export function flowPair(options?: FlowPairOptions): FlowPair {
  const o = options || {};
  const high = o.highWater || 1048576;
  const up = new Pipe(high);
  const down = new Pipe(high);
  const clientEnd = o.client || { address: 0x0a000002, port: 40000 };
  const serverEnd = o.server || { address: 0x0a000001, port: 80 };
  const client: TestFlow = side(down, up, clientEnd, serverEnd, () => server);
  const server: TestFlow = side(up, down, serverEnd, clientEnd, () => client);
  return { client: client, server: server };
}
