/*
 * A small in-memory xenstored for tests: a tree of nodes served over the
 * back end of the shared ring page, with the protocol's semantics as far as
 * the client uses them (parents created on write, rm of a missing node under
 * an existing parent is fine, watches fire on the node and below plus once
 * at registration, transactions see a snapshot and fail commit with EAGAIN
 * if the store changed meanwhile). With a `domid`, relative paths are the
 * domain's home (/local/domain/<domid>/...), as xenstored resolves them for
 * a guest, and watches set on relative paths report relative paths.
 * Another domain's view (a toolstack, a backend) is `poke`, `remove`, `read`
 * and `observe`, outside the ring.
 */
import {
  MessageParser, XS_DIRECTORY, XS_ERROR, XS_GET_DOMAIN_PATH, XS_GET_PERMS, XS_MKDIR, XS_READ, XS_RM,
  XS_SET_PERMS, XS_TRANSACTION_END, XS_TRANSACTION_START, XS_UNWATCH, XS_WATCH, XS_WATCH_EVENT, XS_WRITE,
  decodeStrings, decodeWrite, encodeMessage, encodeStrings, utf8, type XsMessage,
} from '../xen/xenstore/wire';
import { readRequest, writeResponse } from '../xen/xenstore/ring';

interface Node { value: Uint8Array; perms: string[]; children: Map<string, Node> }

function newNode(perms: string[] = ['n0']): Node { return { value: new Uint8Array(0), perms, children: new Map() }; }

function cloneTree(n: Node): Node {
  const c: Node = { value: n.value, perms: n.perms.slice(), children: new Map() };
  n.children.forEach((child, name) => c.children.set(name, cloneTree(child)));
  return c;
}

function split(path: string): string[] | null {
  if (path === '/') return [];
  if (path.charAt(0) !== '/' || path.charAt(path.length - 1) === '/' || path.indexOf('//') >= 0) return null;
  return path.substring(1).split('/');
}

class Fail { constructor(readonly code: string) {} }

interface Tx { root: Node; generation: number; changed: string[] }

export interface FakeXenstoredOptions {
  /** Called to raise the event channel towards the guest. */
  notify(): void;
  /** Fail the first n commits with EAGAIN regardless of conflicts. */
  failCommits?: number;
  /** The guest's domain id: relative paths are below /local/domain/<domid>. */
  domid?: number;
}

interface Observer { path: string; handler: (path: string) => void }

export class FakeXenstored {
  root: Node = newNode();
  generation = 0;
  readonly log: XsMessage[] = [];
  private readonly parser = new MessageParser();
  private readonly out: Uint8Array[] = [];
  private readonly watches: { path: string; token: string; relative: boolean }[] = [];
  private readonly observers: Observer[] = [];
  /** The guest's home ("/local/domain/1"), when relative paths are allowed. */
  readonly home: string | null;
  private readonly txs = new Map<number, Tx>();
  private nextTx = 1;
  private failCommits: number;

  constructor(readonly page: Uint8Array, private readonly options: FakeXenstoredOptions) {
    this.failCommits = options.failCommits || 0;
    this.home = options.domid === undefined ? null : '/local/domain/' + options.domid;
  }

  /** The guest notified: consume requests, answer, push pending output. */
  kick(): void {
    let moved = false;
    for (;;) {
      const chunk = readRequest(this.page);
      if (chunk === null || chunk.length === 0) break;
      moved = true;
      const r = this.parser.feed(chunk);
      for (let i = 0; i < r.messages.length; i++) this.handle(r.messages[i]);
    }
    if (this.flush()) moved = true;
    if (moved) this.options.notify();
  }

  /** Writes directly (as another domain would) and fires watches. */
  poke(path: string, value: string): void {
    this.setValue(this.root, this.absolute(path), utf8(value));
    this.generation++;
    this.fire(this.absolute(path));
    if (this.flush()) this.options.notify();
  }

  /** Removes a node and everything below it (as a toolstack would) and fires watches. */
  remove(path: string): void {
    const parts = split(this.absolute(path));
    if (parts === null || parts.length === 0) throw new Error('fake xenstored: cannot remove ' + path);
    let parent: Node | undefined = this.root;
    for (let i = 0; parent && i < parts.length - 1; i++) parent = parent.children.get(parts[i]);
    if (!parent || !parent.children.delete(parts[parts.length - 1])) return;
    this.generation++;
    this.fire(this.absolute(path), true);
    if (this.flush()) this.options.notify();
  }

  /** The value at `path` as text, or undefined when there is no such node. */
  read(path: string): string | undefined {
    const parts = split(this.absolute(path));
    if (parts === null) return undefined;
    let n: Node | undefined = this.root;
    for (let i = 0; n && i < parts.length; i++) n = n.children.get(parts[i]);
    return n ? new TextDecoder().decode(n.value) : undefined;
  }

  /**
   * Calls `handler(changedPath)` after every change at or below `path`,
   * whoever made it (a committed transaction included), a macrotask later,
   * as another domain's watch would fire.
   */
  observe(path: string, handler: (changed: string) => void): () => void {
    const o: Observer = { path: this.absolute(path), handler };
    this.observers.push(o);
    return () => { const i = this.observers.indexOf(o); if (i >= 0) this.observers.splice(i, 1); };
  }

  private absolute(path: string): string {
    return path.charAt(0) === '/' || this.home === null ? path : this.home + '/' + path;
  }

  private flush(): boolean {
    let moved = false;
    while (this.out.length > 0) {
      const head = this.out[0];
      const n = writeResponse(this.page, head);
      if (n > 0) moved = true;
      if (n === head.length) this.out.shift();
      else { this.out[0] = head.subarray(n); break; }
    }
    return moved;
  }

  private send(m: XsMessage): void {
    this.out.push(encodeMessage(m)!);
  }

  private fire(path: string, removed = false): void {
    const relative = (p: string) => this.home !== null && p.indexOf(this.home + '/') === 0 ? p.substring(this.home.length + 1) : p;
    for (let i = 0; i < this.watches.length; i++) {
      const w = this.watches[i];
      const below = path === w.path || w.path === '/' || path.indexOf(w.path + '/') === 0;
      const above = removed && w.path.indexOf(path + '/') === 0;
      const event = above ? w.path : path;
      if (below || above) this.send({ type: XS_WATCH_EVENT, reqId: 0, txId: 0, payload: encodeStrings([w.relative ? relative(event) : event, w.token]) });
    }
    for (let i = 0; i < this.observers.length; i++) {
      const o = this.observers[i];
      if (path === o.path || path.indexOf(o.path + '/') === 0 || (removed && o.path.indexOf(path + '/') === 0)) {
        setTimeout(() => { if (this.observers.indexOf(o) >= 0) o.handler(path); }, 0);
      }
    }
  }

  private lookup(root: Node, path: string): Node {
    const parts = split(path);
    if (parts === null) throw new Fail('EINVAL');
    let n = root;
    for (let i = 0; i < parts.length; i++) {
      const c = n.children.get(parts[i]);
      if (!c) throw new Fail('ENOENT');
      n = c;
    }
    return n;
  }

  private create(root: Node, path: string): Node {
    const parts = split(path);
    if (parts === null) throw new Fail('EINVAL');
    let n = root;
    for (let i = 0; i < parts.length; i++) {
      let c = n.children.get(parts[i]);
      if (!c) { c = newNode(n.perms.slice()); n.children.set(parts[i], c); }
      n = c;
    }
    return n;
  }

  private setValue(root: Node, path: string, value: Uint8Array): void {
    this.create(root, path).value = value;
  }

  private handle(m: XsMessage): void {
    this.log.push(m);
    const reply = (payload: Uint8Array) => this.send({ type: m.type, reqId: m.reqId, txId: m.txId, payload });
    const ok = () => reply(encodeStrings(['OK']));
    try {
      let root = this.root;
      let tx: Tx | undefined;
      if (m.txId !== 0 && m.type !== XS_TRANSACTION_END) {
        tx = this.txs.get(m.txId);
        if (!tx) throw new Fail('ENOENT');
        root = tx.root;
      }
      const changed = (path: string, removed = false) => {
        if (tx) tx.changed.push((removed ? '-' : '+') + path);
        else { this.generation++; this.fire(path, removed); }
      };
      const args = decodeStrings(m.payload);
      /** The request's path argument, a relative one resolved against the guest's home. */
      const path = args.length > 0 ? this.absolute(args[0]) : '';
      switch (m.type) {
        case XS_READ: reply(this.lookup(root, path).value); break;
        case XS_WRITE: {
          const w = decodeWrite(m.payload);
          if (!w) throw new Fail('EINVAL');
          this.setValue(root, this.absolute(w.path), w.value);
          changed(this.absolute(w.path));
          ok();
          break;
        }
        case XS_MKDIR: this.create(root, path); changed(path); ok(); break;
        case XS_DIRECTORY: {
          const names: string[] = [];
          this.lookup(root, path).children.forEach((_c, name) => names.push(name));
          reply(encodeStrings(names));
          break;
        }
        case XS_RM: {
          const parts = split(path);
          if (parts === null || parts.length === 0) throw new Fail('EINVAL');
          const parent = this.lookup(root, '/' + parts.slice(0, -1).join('/') || '/');
          if (parent.children.delete(parts[parts.length - 1])) changed(path, true);
          ok();
          break;
        }
        case XS_GET_PERMS: reply(encodeStrings(this.lookup(root, path).perms)); break;
        case XS_SET_PERMS: {
          const n = this.lookup(root, path);
          if (args.length < 2) throw new Fail('EINVAL');
          n.perms = args.slice(1);
          changed(path);
          ok();
          break;
        }
        case XS_GET_DOMAIN_PATH: reply(encodeStrings(['/local/domain/' + args[0]])); break;
        case XS_WATCH: {
          if (args.length < 2) throw new Fail('EINVAL');
          this.watches.push({ path, token: args[1], relative: path !== args[0] });
          ok();
          this.send({ type: XS_WATCH_EVENT, reqId: 0, txId: 0, payload: encodeStrings([args[0], args[1]]) });
          break;
        }
        case XS_UNWATCH: {
          const i = this.watches.findIndex((w) => w.path === path && w.token === args[1]);
          if (i < 0) throw new Fail('ENOENT');
          this.watches.splice(i, 1);
          ok();
          break;
        }
        case XS_TRANSACTION_START: {
          const id = this.nextTx++;
          this.txs.set(id, { root: cloneTree(this.root), generation: this.generation, changed: [] });
          reply(encodeStrings([String(id)]));
          break;
        }
        case XS_TRANSACTION_END: {
          const t = this.txs.get(m.txId);
          if (!t) throw new Fail('ENOENT');
          this.txs.delete(m.txId);
          if (args[0] === 'T') {
            if (this.failCommits > 0) { this.failCommits--; throw new Fail('EAGAIN'); }
            if (t.generation !== this.generation) throw new Fail('EAGAIN');
            this.root = t.root;
            if (t.changed.length > 0) this.generation++;
            for (let i = 0; i < t.changed.length; i++) this.fire(t.changed[i].substring(1), t.changed[i].charAt(0) === '-');
          }
          ok();
          break;
        }
        default: throw new Fail('ENOSYS');
      }
    } catch (e) {
      if (!(e instanceof Fail)) throw e;
      this.send({ type: XS_ERROR, reqId: m.reqId, txId: m.txId, payload: encodeStrings([e.code]) });
    }
  }
}

export interface FakePvDevice {
  /** The frontend's directory, absolute ("/local/domain/1/device/vif/0"). */
  readonly frontend: string;
  /** The backend's directory ("/local/domain/0/backend/vif/1/0"). */
  readonly backend: string;
}

export interface FakePvDeviceOptions {
  /** "vif", "vbd". */
  kind: string;
  id: number;
  /** The guest (default 1). */
  guest?: number;
  /** The backend's domain (default 0). */
  backendDomid?: number;
  /** More frontend keys (a vif's "mac"). */
  front?: Record<string, string>;
  /** More backend keys (features). */
  back?: Record<string, string>;
}

/** Creates a PV device as libxl does: the backend's directory, then the frontend's, both Initialising. */
export function addPvDevice(store: FakeXenstored, o: FakePvDeviceOptions): FakePvDevice {
  const guest = o.guest ?? 1;
  const backendDomid = o.backendDomid ?? 0;
  const frontend = '/local/domain/' + guest + '/device/' + o.kind + '/' + o.id;
  const backend = '/local/domain/' + backendDomid + '/backend/' + o.kind + '/' + guest + '/' + o.id;
  const back: Record<string, string> = { frontend, 'frontend-id': String(guest), online: '1', handle: String(o.id), ...o.back, state: '1' };
  for (const key of Object.keys(back)) store.poke(backend + '/' + key, back[key]);
  const front: Record<string, string> = { backend, 'backend-id': String(backendDomid), handle: String(o.id), ...o.front, state: '1' };
  for (const key of Object.keys(front)) store.poke(frontend + '/' + key, front[key]);
  return { frontend, backend };
}
