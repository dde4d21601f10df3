/*
 * The node board's "socket stack": the same TcpApi and UdpApi the TS stack
 * offers, over Node's own `net` and `dgram`, so services run unchanged on a
 * host's kernel stack (development, and benchmarks that compare the two).
 *
 * TCP sockets are half-open capable like TCP itself: read() returns null at
 * the peer's FIN while writing goes on until close(). Reading is a queue
 * that pauses the socket above `readHighWater` bytes (backpressure to the
 * peer through the kernel's window); write() resolves at once while Node's
 * buffer is under its high-water mark, else at 'drain'.
 *
 * Errors that Node reports only later (a port in use for listen/bind) go
 * to `onError`; listenAsync/bindAsync report them as rejections instead.
 */
import * as net from 'node:net';
import * as dgram from 'node:dgram';
import { formatIpv4, parseIpv4, type Ipv4Address } from '../address';
import { FlowError, type Endpoint, type Flow, type TcpApi, type UdpApi } from '../types';
import { count, type Counters } from '../../lib/counters';

export interface SocketStackOptions {
  /** The local address to listen and bind on (default 0.0.0.0: all). */
  host?: string;
  /** Hears errors Node reports after listen()/bind() returned (default: rethrown, like an unhandled 'error' event). */
  onError?: (error: Error) => void;
  /** Bytes queued per connection before the socket is paused (default 256 KiB). */
  readHighWater?: number;
}

export interface Listening {
  /** The port actually bound (useful with port 0). */
  port: number;
  close(): Promise<void>;
}

export interface SocketStack {
  tcp: TcpApi & {
    /** listen() that resolves once listening and rejects when it cannot. */
    listenAsync(port: number, onConnection: (flow: Flow) => void): Promise<Listening>;
  };
  udp: UdpApi & {
    /** bind() that resolves once bound and rejects when it cannot. */
    bindAsync(port: number, onDatagram: (data: Uint8Array, from: Endpoint, to: Endpoint) => void): Promise<Listening>;
  };
  /** Drops counted: "udp.send-error", "udp.bad-port", … */
  counters: Counters;
  /** Closes every server, socket and connection. */
  close(): Promise<void>;
}

/** Node's text address as an Ipv4Address (IPv4-mapped IPv6 too); 0 when it is not IPv4. */
function toIpv4(text: string | undefined): Ipv4Address {
  if (!text) return 0;
  const plain = text.indexOf('::ffff:') === 0 ? text.slice(7) : text;
  const a = parseIpv4(plain);
  return a === undefined ? 0 : a;
}

function flowError(e: NodeJS.ErrnoException): FlowError {
  switch (e.code) {
    case 'ECONNRESET': case 'EPIPE': return new FlowError('reset', e.message);
    case 'ECONNREFUSED': return new FlowError('refused', e.message);
    case 'ETIMEDOUT': return new FlowError('timeout', e.message);
    default: return new FlowError('closed', e.message);
  }
}

function isPort(n: number, allowZero: boolean): boolean {
  return typeof n === 'number' && Math.floor(n) === n && n >= (allowZero ? 0 : 1) && n <= 65535;
}

interface Waiter<T> { resolve: (v: T) => void; reject: (e: Error) => void }

/** A Flow over a connected net.Socket. */
class SocketFlow implements Flow {
  readonly local: Endpoint;
  readonly remote: Endpoint;
  private readonly chunks: Uint8Array[] = [];
  private buffered = 0;
  private paused = false;
  private ended = false;
  private closed = false;
  private failure: FlowError | null = null;
  private readonly readers: Waiter<Uint8Array | null>[] = [];
  private readonly closers: (() => void)[] = [];

  constructor(private readonly socket: net.Socket, private readonly highWater: number, onGone: () => void) {
    this.local = { address: toIpv4(socket.localAddress), port: socket.localPort || 0 };
    this.remote = { address: toIpv4(socket.remoteAddress), port: socket.remotePort || 0 };
    socket.on('data', (b: Buffer) => {
      // Each 'data' chunk is a fresh buffer Node will not reuse: a view is safe.
      const chunk = new Uint8Array(b.buffer, b.byteOffset, b.length);
      const reader = this.readers.shift();
      if (reader) { reader.resolve(chunk); return; }
      this.chunks.push(chunk);
      this.buffered += chunk.length;
      if (this.buffered >= this.highWater && !this.paused) { this.paused = true; socket.pause(); }
    });
    socket.on('end', () => {
      this.ended = true;
      this.settleReaders();
    });
    socket.on('error', (e: NodeJS.ErrnoException) => {
      if (!this.failure) this.failure = flowError(e);
      this.settleReaders();
    });
    socket.on('close', () => {
      this.closed = true;
      this.ended = true;
      this.settleReaders();
      const closers = this.closers.splice(0);
      for (const c of closers) c();
      onGone();
    });
  }

  private settleReaders(): void {
    if (this.chunks.length) return;
    const readers = this.readers.splice(0);
    for (const r of readers) {
      if (this.failure) r.reject(this.failure);
      else r.resolve(null);
    }
  }

  read(): Promise<Uint8Array | null> {
    const chunk = this.chunks.shift();
    if (chunk) {
      this.buffered -= chunk.length;
      if (this.paused && this.buffered < this.highWater / 2) { this.paused = false; this.socket.resume(); }
      return Promise.resolve(chunk);
    }
    if (this.failure) return Promise.reject(this.failure);
    if (this.ended) return Promise.resolve(null);
    return new Promise((resolve, reject) => { this.readers.push({ resolve, reject }); });
  }

  write(data: Uint8Array): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closed || this.socket.writableEnded) return Promise.reject(new FlowError('closed', 'write after close'));
    // Buffer.from copies: the caller has its buffer back when this settles.
    const ok = this.socket.write(Buffer.from(data));
    if (ok) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const done = (): void => {
        this.socket.off('drain', done);
        this.socket.off('close', done);
        if (this.failure) reject(this.failure);
        else if (this.closed) reject(new FlowError('closed', 'connection closed before the data was taken'));
        else resolve();
      };
      this.socket.on('drain', done);
      this.socket.on('close', done);
    });
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      this.closers.push(resolve);
      this.socket.end();
    });
  }

  abort(): void {
    if (this.closed) return;
    if (!this.failure) this.failure = new FlowError('aborted', 'connection aborted');
    this.socket.resetAndDestroy(); // RST, not FIN
    this.settleReaders();
  }
}

export function createSocketStack(options: SocketStackOptions = {}): SocketStack {
  const host = options.host || '0.0.0.0';
  const highWater = options.readHighWater || 256 * 1024;
  const counters: Counters = {};
  const servers = new Set<net.Server>();
  const sockets = new Set<net.Socket>();
  const bound = new Map<number, dgram.Socket>();
  let ephemeral: dgram.Socket | null = null;
  const report = options.onError || function (e: Error): void { throw e; };

  function track(socket: net.Socket): Flow {
    sockets.add(socket);
    // Services write whole messages; Nagle would only hold a response's tail for the peer's delayed ACK.
    socket.setNoDelay(true);
    return new SocketFlow(socket, highWater, () => { sockets.delete(socket); });
  }

  function serve(port: number, onConnection: (flow: Flow) => void): net.Server {
    if (!isPort(port, true)) throw new Error('tcp: cannot listen on ' + port + ': not a port number');
    const server = net.createServer({ allowHalfOpen: true }, (socket) => { onConnection(track(socket)); });
    servers.add(server);
    server.on('close', () => { servers.delete(server); });
    server.listen(port, host);
    return server;
  }

  function closeServer(server: net.Server): Promise<void> {
    return new Promise((resolve) => {
      if (!server.listening) { servers.delete(server); resolve(); return; }
      server.close(() => resolve());
    });
  }

  function openUdp(port: number, onDatagram: (data: Uint8Array, from: Endpoint, to: Endpoint) => void): dgram.Socket {
    if (!isPort(port, true)) throw new Error('udp: cannot bind ' + port + ': not a port number');
    if (port !== 0 && bound.has(port)) throw new Error('udp: port ' + port + ' is already bound');
    const socket = dgram.createSocket('udp4');
    socket.on('message', (msg, rinfo) => {
      const a = socket.address();
      onDatagram(new Uint8Array(msg.buffer, msg.byteOffset, msg.length),
        { address: toIpv4(rinfo.address), port: rinfo.port }, { address: toIpv4(a.address), port: a.port });
    });
    socket.on('listening', () => {
      socket.setBroadcast(true);
      bound.set(socket.address().port, socket);
    });
    if (port !== 0) bound.set(port, socket);
    socket.bind(port, host);
    return socket;
  }

  function closeUdp(socket: dgram.Socket): Promise<void> {
    for (const [p, s] of bound) if (s === socket) bound.delete(p);
    return new Promise((resolve) => {
      try { socket.close(() => resolve()); } catch { resolve(); } // already closed
    });
  }

  function senderFor(fromPort: number): dgram.Socket {
    const own = bound.get(fromPort);
    if (own) return own;
    // An unbound source port: send from one shared ephemeral socket (the source port differs).
    if (!ephemeral) {
      ephemeral = dgram.createSocket('udp4');
      const e = ephemeral;
      e.on('error', () => count(counters, 'udp.send-error'));
      e.bind(0, host, () => e.setBroadcast(true));
    }
    return ephemeral;
  }

  const tcp: SocketStack['tcp'] = {
    listen(port, onConnection) {
      const server = serve(port, onConnection);
      server.on('error', (e) => report(e));
      return () => { void closeServer(server); };
    },
    listenAsync(port, onConnection) {
      return new Promise((resolve, reject) => {
        const server = serve(port, onConnection);
        server.once('error', reject);
        server.once('listening', () => {
          server.off('error', reject);
          server.on('error', (e) => report(e));
          resolve({ port: (server.address() as net.AddressInfo).port, close: () => closeServer(server) });
        });
      });
    },
    connect(address, port) {
      return new Promise((resolve, reject) => {
        const socket = net.connect({ host: formatIpv4(address), port, allowHalfOpen: true });
        const failed = (e: NodeJS.ErrnoException): void => { reject(flowError(e)); };
        socket.once('error', failed);
        socket.once('connect', () => {
          socket.off('error', failed);
          resolve(track(socket));
        });
      });
    },
  };

  const udp: SocketStack['udp'] = {
    bind(port, onDatagram) {
      if (!isPort(port, false)) throw new Error('udp: cannot bind ' + port + ': not a port number (1-65535)');
      const socket = openUdp(port, onDatagram);
      socket.on('error', (e) => report(e));
      return () => { void closeUdp(socket); };
    },
    bindAsync(port, onDatagram) {
      return new Promise((resolve, reject) => {
        let socket: dgram.Socket;
        try { socket = openUdp(port, onDatagram); } catch (e) { reject(e); return; }
        const failed = (e: Error): void => { void closeUdp(socket); reject(e); };
        socket.once('error', failed);
        socket.once('listening', () => {
          socket.off('error', failed);
          socket.on('error', (e) => report(e));
          resolve({ port: socket.address().port, close: () => closeUdp(socket) });
        });
      });
    },
    send(to, data, fromPort) {
      if (!isPort(to.port, false) || !isPort(fromPort, true)) { count(counters, 'udp.bad-port'); return; }
      // Buffer.from copies, so the caller may reuse `data` at once.
      senderFor(fromPort).send(Buffer.from(data), to.port, formatIpv4(to.address), (e) => {
        if (e) count(counters, 'udp.send-error');
      });
    },
  };

  return {
    tcp,
    udp,
    counters,
    async close() {
      for (const s of sockets) s.destroy();
      const waits: Promise<void>[] = [];
      for (const s of servers) waits.push(closeServer(s));
      for (const s of new Set(bound.values())) waits.push(closeUdp(s));
      if (ephemeral) { waits.push(closeUdp(ephemeral)); ephemeral = null; }
      await Promise.all(waits);
    },
  };
}
