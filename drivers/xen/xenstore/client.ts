/*
 * A xenstore client: a state machine over a XenstoreTransport. Requests
 * carry a fresh req_id and resolve when xenstored's answer with that id
 * arrives; XS_ERROR answers reject with XenstoreError(code). Watch events
 * (req_id 0, XS_WATCH_EVENT) go to the handler registered for their token.
 * Malformed input from the peer never throws: an unknown req_id or an
 * unexpected type is counted and dropped; a broken stream fails every
 * pending and later request with EPROTO.
 */
import { count, type Counters } from '../../../lib/counters';
import {
  MessageParser, XENSTORE_PAYLOAD_MAX, XS_DIRECTORY, XS_ERROR, XS_GET_DOMAIN_PATH, XS_GET_PERMS, XS_MKDIR,
  XS_READ, XS_RM, XS_SET_PERMS, XS_TRANSACTION_END, XS_TRANSACTION_START, XS_UNWATCH, XS_WATCH,
  XS_WATCH_EVENT, XS_WRITE, decodeString, decodeStrings, encodeMessage, encodeStrings, encodeWrite,
  fromUtf8, type XsMessage,
} from './wire';
import type { XenstoreTransport } from './transport';

export class XenstoreError extends Error {
  /** An errno name from xenstored ("ENOENT", "EAGAIN", …) or a local one: "EPROTO" (broken stream), "E2BIG" (request too large). */
  constructor(public readonly code: string, message?: string) {
    super(message || code);
    this.name = 'XenstoreError';
  }
}

export type PermAccess = 'n' | 'r' | 'w' | 'b';
export interface Permission { domid: number; access: PermAccess }

/** "b0" → { access: 'b', domid: 0 }; null if malformed. */
export function parsePermission(s: string): Permission | null {
  const a = s.charAt(0);
  if (a !== 'n' && a !== 'r' && a !== 'w' && a !== 'b') return null;
  const rest = s.substring(1);
  if (!/^[0-9]{1,10}$/.test(rest)) return null;
  return { access: a, domid: parseInt(rest, 10) };
}

export function formatPermission(p: Permission): string {
  return p.access + String(p.domid >>> 0);
}

/** The operations available inside and outside a transaction. */
export interface XenstoreOps {
  /** The value at `path` as UTF-8 text. */
  read(path: string): Promise<string>;
  readBytes(path: string): Promise<Uint8Array>;
  write(path: string, value: string | Uint8Array): Promise<void>;
  /** The children's names. */
  directory(path: string): Promise<string[]>;
  mkdir(path: string): Promise<void>;
  rm(path: string): Promise<void>;
  /** The owner first, then the ACL entries. */
  getPerms(path: string): Promise<Permission[]>;
  setPerms(path: string, perms: readonly Permission[]): Promise<void>;
}

export interface XenstoreTx extends XenstoreOps {
  readonly id: number;
}

export type WatchHandler = (path: string, token: string) => void;

export interface Watch {
  readonly path: string;
  readonly token: string;
  /** Removes the watch (XS_UNWATCH); no events are delivered after this is called. */
  unwatch(): Promise<void>;
}

export interface XenstoreClientOptions {
  /** Default retries of `transaction()` on EAGAIN (default 10). */
  retries?: number;
}

interface Pending {
  type: number;
  resolve(m: XsMessage): void;
  reject(e: XenstoreError): void;
}

export class XenstoreClient implements XenstoreOps {
  readonly counters: Counters = {};
  private readonly parser = new MessageParser();
  private readonly pending = new Map<number, Pending>();
  private readonly watches = new Map<string, { path: string; handler: WatchHandler }>();
  private nextReqId = 1;
  private nextToken = 1;
  private failure: XenstoreError | null = null;
  private readonly retries: number;

  constructor(private readonly transport: XenstoreTransport, options: XenstoreClientOptions = {}) {
    this.retries = options.retries === undefined ? 10 : options.retries;
    transport.onData((chunk) => this.receive(chunk));
  }

  /** The error that broke the connection, if one did. */
  get failed(): XenstoreError | null { return this.failure; }

  /* --- plain operations (tx 0) --- */
  read(path: string): Promise<string> { return this.readIn(0, path); }
  readBytes(path: string): Promise<Uint8Array> { return this.readBytesIn(0, path); }
  write(path: string, value: string | Uint8Array): Promise<void> { return this.writeIn(0, path, value); }
  directory(path: string): Promise<string[]> { return this.directoryIn(0, path); }
  mkdir(path: string): Promise<void> { return this.mkdirIn(0, path); }
  rm(path: string): Promise<void> { return this.rmIn(0, path); }
  getPerms(path: string): Promise<Permission[]> { return this.getPermsIn(0, path); }
  setPerms(path: string, perms: readonly Permission[]): Promise<void> { return this.setPermsIn(0, path, perms); }

  /** This domain's home ("/local/domain/<domid>"). */
  async getDomainPath(domid: number): Promise<string> {
    return decodeString((await this.request(XS_GET_DOMAIN_PATH, 0, encodeStrings([String(domid >>> 0)]))).payload);
  }

  /**
   * Watches `path` (and everything below it). xenstored fires one event
   * right away; the handler is registered before the request goes out, so
   * that first event is delivered too.
   */
  async watch(path: string, handler: WatchHandler, token?: string): Promise<Watch> {
    const tok = token !== undefined ? token : 'nymote-' + this.nextToken++;
    if (this.watches.has(tok)) throw new XenstoreError('EEXIST', 'watch token in use: ' + tok);
    this.watches.set(tok, { path, handler });
    try {
      await this.request(XS_WATCH, 0, encodeStrings([path, tok]));
    } catch (e) {
      this.watches.delete(tok);
      throw e;
    }
    return { path, token: tok, unwatch: () => this.unwatch(path, tok) };
  }

  private async unwatch(path: string, token: string): Promise<void> {
    if (!this.watches.has(token)) return;
    this.watches.delete(token);
    await this.request(XS_UNWATCH, 0, encodeStrings([path, token]));
  }

  async transactionStart(): Promise<number> {
    const s = decodeString((await this.request(XS_TRANSACTION_START, 0, encodeStrings(['']))).payload);
    if (!/^[0-9]{1,10}$/.test(s) || parseInt(s, 10) === 0 || parseInt(s, 10) > 0xffffffff) {
      count(this.counters, 'xenstore.bad-tx-id');
      throw new XenstoreError('EPROTO', 'bad transaction id: ' + s);
    }
    return parseInt(s, 10);
  }

  /** Ends a transaction; a commit may reject with EAGAIN (someone else changed the store). */
  async transactionEnd(txId: number, commit: boolean): Promise<void> {
    await this.request(XS_TRANSACTION_END, txId, encodeStrings([commit ? 'T' : 'F']));
  }

  /**
   * Runs `fn` in a transaction and commits; on EAGAIN (from the commit or
   * from an operation inside) starts over, up to `retries` more times. If
   * `fn` fails otherwise, the transaction is aborted and the error passed on.
   */
  async transaction<T>(fn: (tx: XenstoreTx) => Promise<T>, retries = this.retries): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const id = await this.transactionStart();
      let result: T;
      try {
        result = await fn(this.txOps(id));
      } catch (e) {
        try { await this.transactionEnd(id, false); } catch (_e) { /* the abort's answer changes nothing */ }
        if (e instanceof XenstoreError && e.code === 'EAGAIN' && attempt < retries) { count(this.counters, 'xenstore.tx-retry'); continue; }
        throw e;
      }
      try {
        await this.transactionEnd(id, true);
        return result;
      } catch (e) {
        if (e instanceof XenstoreError && e.code === 'EAGAIN' && attempt < retries) { count(this.counters, 'xenstore.tx-retry'); continue; }
        throw e;
      }
    }
  }

  private txOps(id: number): XenstoreTx {
    return {
      id,
      read: (p) => this.readIn(id, p),
      readBytes: (p) => this.readBytesIn(id, p),
      write: (p, v) => this.writeIn(id, p, v),
      directory: (p) => this.directoryIn(id, p),
      mkdir: (p) => this.mkdirIn(id, p),
      rm: (p) => this.rmIn(id, p),
      getPerms: (p) => this.getPermsIn(id, p),
      setPerms: (p, perms) => this.setPermsIn(id, p, perms),
    };
  }

  private async readBytesIn(tx: number, path: string): Promise<Uint8Array> {
    return (await this.request(XS_READ, tx, encodeStrings([path]))).payload;
  }
  private async readIn(tx: number, path: string): Promise<string> {
    return fromUtf8((await this.request(XS_READ, tx, encodeStrings([path]))).payload);
  }
  private async writeIn(tx: number, path: string, value: string | Uint8Array): Promise<void> {
    await this.request(XS_WRITE, tx, encodeWrite(path, value));
  }
  private async directoryIn(tx: number, path: string): Promise<string[]> {
    return decodeStrings((await this.request(XS_DIRECTORY, tx, encodeStrings([path]))).payload);
  }
  private async mkdirIn(tx: number, path: string): Promise<void> {
    await this.request(XS_MKDIR, tx, encodeStrings([path]));
  }
  private async rmIn(tx: number, path: string): Promise<void> {
    await this.request(XS_RM, tx, encodeStrings([path]));
  }
  private async getPermsIn(tx: number, path: string): Promise<Permission[]> {
    const parts = decodeStrings((await this.request(XS_GET_PERMS, tx, encodeStrings([path]))).payload);
    const out: Permission[] = [];
    for (let i = 0; i < parts.length; i++) {
      const p = parsePermission(parts[i]);
      if (p === null) { count(this.counters, 'xenstore.bad-perms'); throw new XenstoreError('EPROTO', 'bad permission: ' + parts[i]); }
      out.push(p);
    }
    return out;
  }
  private async setPermsIn(tx: number, path: string, perms: readonly Permission[]): Promise<void> {
    const parts = [path];
    for (let i = 0; i < perms.length; i++) parts.push(formatPermission(perms[i]));
    await this.request(XS_SET_PERMS, tx, encodeStrings(parts));
  }

  /* --- the state machine --- */

  private request(type: number, txId: number, payload: Uint8Array): Promise<XsMessage> {
    if (this.failure) return Promise.reject(this.failure);
    if (payload.length > XENSTORE_PAYLOAD_MAX) return Promise.reject(new XenstoreError('E2BIG', 'request payload ' + payload.length + ' bytes'));
    let reqId = this.nextReqId;
    // req_id 0 is what watch events carry; skip it and any id still in use.
    while (reqId === 0 || this.pending.has(reqId)) reqId = (reqId + 1) >>> 0;
    this.nextReqId = (reqId + 1) >>> 0;
    const bytes = encodeMessage({ type, reqId, txId, payload })!;
    return new Promise<XsMessage>((resolve, reject) => {
      this.pending.set(reqId, { type, resolve, reject });
      this.transport.write(bytes);
      this.transport.notify();
    });
  }

  private receive(chunk: Uint8Array): void {
    if (this.failure) return;
    const r = this.parser.feed(chunk);
    for (let i = 0; i < r.messages.length; i++) this.dispatch(r.messages[i]);
    if (r.error !== undefined) this.fail(new XenstoreError('EPROTO', 'xenstore stream broken: ' + r.error));
  }

  private fail(e: XenstoreError): void {
    count(this.counters, 'xenstore.broken');
    this.failure = e;
    const all: Pending[] = [];
    this.pending.forEach((p) => all.push(p));
    this.pending.clear();
    this.watches.clear();
    for (let i = 0; i < all.length; i++) all[i].reject(e);
  }

  private dispatch(m: XsMessage): void {
    if (m.type === XS_WATCH_EVENT) {
      const parts = decodeStrings(m.payload);
      if (parts.length < 2) { count(this.counters, 'xenstore.bad-watch-event'); return; }
      const w = this.watches.get(parts[1]);
      if (!w) { count(this.counters, 'xenstore.unknown-watch'); return; }
      try { w.handler(parts[0], parts[1]); } catch { count(this.counters, 'xenstore.watch-handler-threw'); }
      return;
    }
    const p = this.pending.get(m.reqId);
    if (!p) { count(this.counters, 'xenstore.unknown-req-id'); return; }
    this.pending.delete(m.reqId);
    if (m.type === XS_ERROR) {
      const code = decodeString(m.payload);
      p.reject(new XenstoreError(/^E[A-Z0-9]{1,15}$/.test(code) ? code : 'EINVAL', code ? undefined : 'empty error'));
      return;
    }
    if (m.type !== p.type) {
      count(this.counters, 'xenstore.type-mismatch');
      p.reject(new XenstoreError('EPROTO', 'answer of type ' + m.type + ' to request of type ' + p.type));
      return;
    }
    p.resolve(m);
  }
}
