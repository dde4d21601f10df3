/*
 * Build time: ES5 source for a record type's codec, from its shape. The
 * output is a single expression,
 *
 *   (function () { function e0(w, v) {...} function d0(r) {...} ...
 *     return { type, schema, hash, encode: e0, decode: d0 }; })()
 *
 * with one encoder/decoder pair per object type (so recursive types
 * recurse) and everything else inline. It calls only the Writer/Reader it
 * is handed (store/records/binary.ts) and ES5 built-ins, so it runs in
 * Duktape as it is.
 */
import { createHash } from 'node:crypto';
import { schemaText, type Analysis, type Shape } from './shape';

export interface GeneratedCodec {
  /** The codec expression (ES5). */
  source: string;
  type: string;
  schema: string;
  hash: string;
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const INHERITED = ['constructor', 'hasOwnProperty', 'isPrototypeOf', 'propertyIsEnumerable', 'toLocaleString', 'toString', 'valueOf',
  '__proto__', '__defineGetter__', '__defineSetter__', '__lookupGetter__', '__lookupSetter__'];

function q(s: string): string {
  return JSON.stringify(s);
}

function literal(s: Shape): string {
  if (s.k === 'null') return 'null';
  if (s.k === 'undefined') return 'undefined';
  if (s.k === 'literal') return JSON.stringify(s.value);
  throw new Error('not a literal shape: ' + s.k);
}

function access(obj: string, name: string): string {
  return IDENTIFIER.test(name) && name !== '__proto__' ? obj + '.' + name : obj + '[' + q(name) + ']';
}

/** Short text of what a value should have been, for w.fail messages. */
function expected(a: Analysis, s: Shape): string {
  let text: string;
  try {
    text = schemaText({ root: s, objects: a.objects });
  } catch {
    text = s.k;
  }
  return text.length > 80 ? text.slice(0, 77) + '...' : text;
}

/** A function body being generated: unique temporaries within it. */
class Fn {
  private n = 0;
  temp(prefix: string): string {
    return prefix + this.n++;
  }
}

/** Fewest bytes one value of the shape encodes to (bounds counts read back). */
function minBytes(a: Analysis, s: Shape, seen: number[] = []): number {
  switch (s.k) {
    case 'null': case 'undefined': case 'literal': return 0;
    case 'date': return 8;
    case 'tuple': return 1 + s.items.reduce(function (sum, it) { return sum + minBytes(a, it, seen); }, 0);
    case 'object': {
      if (seen.indexOf(s.id) >= 0) return 0;
      return a.objects[s.id].props.reduce(function (sum, p) { return sum + (p.optional ? 1 : minBytes(a, p.shape, seen.concat([s.id]))); }, 0);
    }
    default: return 1;
  }
}

export function generateCodec(a: Analysis, typeName: string): GeneratedCodec {
  const schema = schemaText(a);
  const hash = createHash('sha256').update(schema).digest('hex').slice(0, 16);

  function enc(s: Shape, x: string, path: string, f: Fn): string {
    switch (s.k) {
      case 'string': return 'w.str(' + x + ');';
      case 'number': return 'w.num(' + x + ');';
      case 'boolean': return 'w.bool(' + x + ');';
      case 'bytes': return 'w.bytes(' + x + ');';
      case 'date': return 'w.date(' + x + ');';
      case 'null': case 'undefined': case 'literal':
        return 'if (' + x + ' !== ' + literal(s) + ') w.fail(' + q(path) + ', ' + q(literal(s)) + ', ' + x + ');';
      case 'object': return 'e' + s.id + '(w, ' + x + ');';
      case 'array': {
        const t = f.temp('a');
        const i = f.temp('i');
        return 'var ' + t + ' = ' + x + '; if (!Array.isArray(' + t + ')) w.fail(' + q(path) + ', "an array", ' + t + '); w.uvar(' + t + '.length); ' +
          'for (var ' + i + ' = 0; ' + i + ' < ' + t + '.length; ' + i + '++) { ' + enc(s.of, t + '[' + i + ']', path + '[]', f) + ' }';
      }
      case 'tuple': {
        const t = f.temp('t');
        const required = requiredItems(s.items);
        let out = 'var ' + t + ' = ' + x + '; if (!Array.isArray(' + t + ') || ' + t + '.length < ' + required + ' || ' + t + '.length > ' + s.items.length + ') ' +
          'w.fail(' + q(path) + ', ' + q('a tuple of ' + (required === s.items.length ? required : required + ' to ' + s.items.length)) + ', ' + t + '); w.uvar(' + t + '.length);';
        for (let i = 0; i < s.items.length; i++) {
          const item = enc(s.items[i], t + '[' + i + ']', path + '[' + i + ']', f);
          out += i < required ? ' ' + item : ' if (' + t + '.length > ' + i + ') { ' + item + ' }';
        }
        return out;
      }
      case 'map': {
        const t = f.temp('m');
        const k = f.temp('k');
        const i = f.temp('i');
        return 'var ' + t + ' = ' + x + '; if (' + t + ' === null || typeof ' + t + ' !== "object" || Array.isArray(' + t + ')) w.fail(' + q(path) + ', "an object", ' + t + '); ' +
          'var ' + k + ' = Object.keys(' + t + '); w.uvar(' + k + '.length); for (var ' + i + ' = 0; ' + i + ' < ' + k + '.length; ' + i + '++) { ' +
          'w.str(' + k + '[' + i + ']); ' + enc(s.of, t + '[' + k + '[' + i + ']]', path + '[key]', f) + ' }';
      }
      case 'union': {
        const t = f.temp('u');
        // Tags are the canonical member order; tests go from the most specific.
        const branches = s.members.map(function (m, tag) { return { tag: tag, m: m, test: unionTest(m, t, s.discriminant) }; });
        branches.sort(function (p, r) { return p.test.rank - r.test.rank || p.tag - r.tag; });
        let out = 'var ' + t + ' = ' + x + '; ';
        for (let b = 0; b < branches.length; b++) {
          const m = branches[b].m;
          // A literal member's test already checked the value: its tag says it all.
          const body = m.k === 'null' || m.k === 'undefined' || m.k === 'literal' ? '' : ' ' + enc(m, t, path, f);
          out += (b ? ' else ' : '') + 'if (' + branches[b].test.code + ') { w.uvar(' + branches[b].tag + ');' + body + ' }';
        }
        return out + ' else w.fail(' + q(path) + ', ' + q(expected(a, s)) + ', ' + t + ');';
      }
    }
  }

  function unionTest(m: Shape, t: string, discriminant: string | null): { rank: number; code: string } {
    switch (m.k) {
      case 'null': case 'undefined': case 'literal': return { rank: 0, code: t + ' === ' + literal(m) };
      case 'string': case 'number': case 'boolean': return { rank: 1, code: 'typeof ' + t + ' === ' + q(m.k) };
      case 'bytes': return { rank: 2, code: t + ' instanceof Uint8Array' };
      case 'date': return { rank: 2, code: t + ' instanceof Date' };
      case 'array': case 'tuple': return { rank: 3, code: 'Array.isArray(' + t + ')' };
      case 'object': {
        const isObject = t + ' !== null && typeof ' + t + ' === "object"';
        if (!discriminant) return { rank: 5, code: isObject };
        const prop = a.objects[m.id].props.filter(function (p) { return p.name === discriminant; })[0];
        const values = prop.shape.k === 'union' ? prop.shape.members : [prop.shape];
        const d = access(t, discriminant);
        return { rank: 4, code: isObject + ' && (' + values.map(function (v) { return d + ' === ' + literal(v); }).join(' || ') + ')' };
      }
      case 'map': return { rank: 5, code: t + ' !== null && typeof ' + t + ' === "object"' };
      case 'union': throw new Error('nested union');
    }
  }

  function dec(s: Shape, assign: (e: string) => string, f: Fn): string {
    switch (s.k) {
      case 'string': return assign('r.str()');
      case 'number': return assign('r.num()');
      case 'boolean': return assign('r.bool()');
      case 'bytes': return assign('r.bytes()');
      case 'date': return assign('r.date()');
      case 'null': case 'undefined': case 'literal': return assign(literal(s));
      case 'object': return assign('d' + s.id + '(r)');
      case 'array': {
        const n = f.temp('n');
        const t = f.temp('a');
        const i = f.temp('i');
        return 'var ' + n + ' = r.count(' + minBytes(a, s.of) + '); var ' + t + ' = []; for (var ' + i + ' = 0; ' + i + ' < ' + n + '; ' + i + '++) { ' +
          dec(s.of, function (e) { return t + '.push(' + e + ');'; }, f) + ' } ' + assign(t);
      }
      case 'tuple': {
        const n = f.temp('n');
        const t = f.temp('t');
        const required = requiredItems(s.items);
        let out = 'var ' + n + ' = r.uvar(); if (' + n + ' < ' + required + ' || ' + n + ' > ' + s.items.length + ') r.invalid("tuple length " + ' + n + '); var ' + t + ' = [];';
        for (let i = 0; i < s.items.length; i++) {
          const item = dec(s.items[i], function (e) { return t + '.push(' + e + ');'; }, f);
          out += i < required ? ' ' + item : ' if (' + n + ' > ' + i + ') { ' + item + ' }';
        }
        return out + ' ' + assign(t);
      }
      case 'map': {
        const n = f.temp('n');
        const t = f.temp('m');
        const i = f.temp('i');
        const k = f.temp('k');
        return 'var ' + n + ' = r.count(1); var ' + t + ' = {}; for (var ' + i + ' = 0; ' + i + ' < ' + n + '; ' + i + '++) { var ' + k + ' = r.str(); ' +
          dec(s.of, function (e) { return 'r.set(' + t + ', ' + k + ', ' + e + ');'; }, f) + ' } ' + assign(t);
      }
      case 'union': {
        let out = 'switch (r.tag(' + s.members.length + ')) {';
        for (let tag = 0; tag < s.members.length; tag++) out += ' case ' + tag + ': { ' + dec(s.members[tag], assign, f) + ' break; }';
        return out + ' }';
      }
    }
  }

  const lines: string[] = ['(function () {'];
  for (let id = 0; id < a.objects.length; id++) {
    const o = a.objects[id];
    const ef = new Fn();
    const df = new Fn();
    const path = o.path;
    lines.push('  function e' + id + '(w, v) { // ' + o.name);
    lines.push('    if (v === null || typeof v !== "object") w.fail(' + q(path) + ', "an object", v);');
    for (let i = 0; i < o.props.length; i++) {
      const p = o.props[i];
      const x = access('v', p.name);
      const body = enc(p.shape, x, path + '.' + p.name, ef);
      // Names Object.prototype has read as inherited functions when absent: ask for an own property.
      const absent = INHERITED.indexOf(p.name) >= 0 ? '!Object.prototype.hasOwnProperty.call(v, ' + q(p.name) + ') || ' + x + ' === undefined' : x + ' === undefined';
      lines.push('    ' + (p.optional ? 'if (' + absent + ') w.u8(0); else { w.u8(1); ' + body + ' }' : body));
    }
    lines.push('  }');
    lines.push('  function d' + id + '(r) {');
    lines.push('    var o = {};');
    for (let i = 0; i < o.props.length; i++) {
      const p = o.props[i];
      const body = dec(p.shape, function (e) {
        return p.name === '__proto__' ? 'r.set(o, "__proto__", ' + e + ');' : access('o', p.name) + ' = ' + e + ';';
      }, df);
      lines.push('    ' + (p.optional ? 'if (r.bool()) { ' + body + ' }' : body));
    }
    lines.push('    return o;');
    lines.push('  }');
  }
  let encode: string;
  let decode: string;
  if (a.root.k === 'object') {
    encode = 'e' + a.root.id;
    decode = 'd' + a.root.id;
  } else {
    const ef = new Fn();
    const df = new Fn();
    encode = 'function (w, v) { ' + enc(a.root, 'v', typeName, ef) + ' }';
    decode = 'function (r) { var x; ' + dec(a.root, function (e) { return 'x = ' + e + ';'; }, df) + ' return x; }';
  }
  lines.push('  return { type: ' + q(typeName) + ', schema: ' + q(schema) + ', hash: ' + q(hash) + ', encode: ' + encode + ', decode: ' + decode + ' };');
  lines.push('})()');
  return { source: lines.join('\n'), type: typeName, schema: schema, hash: hash };
}

/** Items before the first optional one (a tuple's optional items are trailing). */
function requiredItems(items: Shape[]): number {
  for (let i = 0; i < items.length; i++) {
    const s = items[i];
    if (s.k === 'undefined' || (s.k === 'union' && s.members.some(function (m) { return m.k === 'undefined'; }))) return i;
  }
  return items.length;
}
