/*
 * console.* onto the kernel console, formatted like Node's util.format and
 * util.inspect for the common cases (so logs read the same under Node and in
 * an image).
 */
const MAX_DEPTH = 2;

function isTypedArray(v: unknown): v is Uint8Array {
  return ArrayBuffer.isView(v) && !(v instanceof DataView);
}

function quote(s: string): string {
  return "'" + s.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n') + "'";
}

function keyText(k: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(k) ? k : quote(k);
}

function className(v: object): string {
  const proto = Object.getPrototypeOf(v);
  const ctor = proto && proto.constructor;
  return ctor && typeof ctor.name === 'string' ? ctor.name : '';
}

function wrap(open: string, items: string[], close: string): string {
  if (!items.length) return open + close;
  const oneLine = open + ' ' + items.join(', ') + ' ' + close;
  if (oneLine.length <= 72) return oneLine;
  return open + '\n  ' + items.join(',\n').replace(/\n/g, '\n  ') + '\n' + close;
}

export function inspect(v: unknown, depth = 0, seen: unknown[] = []): string {
  switch (typeof v) {
    case 'string': return depth === 0 ? v : quote(v);
    case 'number': return v === 0 && 1 / v < 0 ? '-0' : String(v);
    case 'bigint': return String(v) + 'n';
    case 'boolean': case 'undefined': return String(v);
    case 'symbol': return String(v);
    case 'function': {
      const name = (v as { name?: string }).name;
      return name ? '[Function: ' + name + ']' : '[Function (anonymous)]';
    }
  }
  if (v === null) return 'null';
  const o = v as object;
  if (seen.indexOf(o) >= 0) return '[Circular *1]';
  if (o instanceof Error) return o.stack ? String(o.stack) : String(o);
  if (o instanceof Date) return isNaN(o.getTime()) ? 'Invalid Date' : o.toISOString();
  if (o instanceof RegExp) return String(o);
  if (depth > MAX_DEPTH) return Array.isArray(o) ? '[Array]' : '[Object]';
  seen.push(o);
  try {
    const inner = (x: unknown): string => inspect(x, depth + 1, seen);
    if (Array.isArray(o)) {
      const items: string[] = [];
      for (let i = 0; i < o.length && i < 100; i++) items.push(inner(o[i]));
      if (o.length > 100) items.push('... ' + (o.length - 100) + ' more items');
      return wrap('[', items, ']');
    }
    if (isTypedArray(o)) {
      const items: string[] = [];
      for (let i = 0; i < o.length && i < 100; i++) items.push(String(o[i]));
      if (o.length > 100) items.push('... ' + (o.length - 100) + ' more items');
      return wrap(className(o) + '(' + o.length + ') [', items, ']');
    }
    if (o instanceof ArrayBuffer) return 'ArrayBuffer { byteLength: ' + o.byteLength + ' }';
    const name = className(o);
    if (name === 'Map' && typeof (o as Map<unknown, unknown>).forEach === 'function') {
      const items: string[] = [];
      (o as Map<unknown, unknown>).forEach((val, key) => { items.push(inner(key) + ' => ' + inner(val)); });
      return wrap('Map(' + items.length + ') {', items, '}');
    }
    if (name === 'Set' && typeof (o as Set<unknown>).forEach === 'function') {
      const items: string[] = [];
      (o as Set<unknown>).forEach((val) => { items.push(inner(val)); });
      return wrap('Set(' + items.length + ') {', items, '}');
    }
    if (name === 'Promise') return 'Promise { ... }';
    const keys = Object.keys(o);
    const items: string[] = [];
    for (let i = 0; i < keys.length; i++) items.push(keyText(keys[i]) + ': ' + inner((o as Record<string, unknown>)[keys[i]]));
    const prefix = name && name !== 'Object' ? name + ' ' : '';
    return wrap(prefix + '{', items, '}');
  } finally {
    seen.pop();
  }
}

export function format(args: unknown[]): string {
  let first = 0;
  let out = '';
  if (typeof args[0] === 'string' && args[0].indexOf('%') >= 0) {
    let next = 1;
    out = args[0].replace(/%([sdifjoOc%])/g, (whole: string, f: string) => {
      if (f === '%') return '%';
      if (next >= args.length) return whole;
      const a = args[next++];
      switch (f) {
        case 's': return typeof a === 'string' ? a : inspect(a, 1);
        case 'd': case 'i': {
          const n = Number(a);
          return f === 'i' ? String(n < 0 ? Math.ceil(n) : Math.floor(n)) : String(n);
        }
        case 'f': return String(parseFloat(String(a)));
        case 'j': try { return JSON.stringify(a); } catch (_e) { return '[Circular]'; }
        case 'c': return '';
        default: return inspect(a, 0);
      }
    });
    first = next;
  } else if (args.length) {
    out = inspect(args[0]);
    first = 1;
  }
  for (let i = first; i < args.length; i++) out += ' ' + inspect(args[i]);
  return out;
}

function writer(stream: 1 | 2) {
  return function (...args: unknown[]): void {
    __kernel.write(stream, format(args) + '\n');
  };
}

const counts: { [label: string]: number } = {};
const timers: { [label: string]: number } = {};

export function createConsole() {
  return {
    log: writer(1), info: writer(1), debug: writer(1),
    warn: writer(2), error: writer(2), trace: writer(2),
    dir: function (v: unknown) { __kernel.write(1, inspect(v, 1) + '\n'); },
    assert: function (cond: unknown, ...args: unknown[]) {
      if (!cond) __kernel.write(2, 'Assertion failed' + (args.length ? ': ' + format(args) : '') + '\n');
    },
    count: function (label = 'default') {
      counts[label] = (counts[label] || 0) + 1;
      __kernel.write(1, label + ': ' + counts[label] + '\n');
    },
    time: function (label = 'default') { timers[label] = __kernel.now(); },
    timeEnd: function (label = 'default') {
      const t = timers[label];
      if (t === undefined) return;
      delete timers[label];
      __kernel.write(1, label + ': ' + (__kernel.now() - t).toFixed(3) + 'ms\n');
    },
  };
}
