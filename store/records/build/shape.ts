/*
 * Build time: what a record type is made of, read from the TypeScript
 * checker. Data only: strings, numbers, booleans, null, undefined and
 * optional fields, literal unions (enums too), arrays, tuples, nested
 * objects (recursive ones too), Uint8Array, Date and Record<string, X>.
 * Anything else (functions, class instances, bigint, symbols, any, Map,
 * ...) is refused with the path of the offending field.
 */
import ts from 'typescript';

export type Shape =
  | { k: 'string' } | { k: 'number' } | { k: 'boolean' } | { k: 'null' } | { k: 'undefined' }
  | { k: 'literal'; value: string | number | boolean }
  | { k: 'bytes' } | { k: 'date' }
  | { k: 'array'; of: Shape }
  | { k: 'tuple'; items: Shape[] }
  /** An object type, by its index in Analysis.objects (objects may be recursive). */
  | { k: 'object'; id: number }
  /** Record<string, X> or { [key: string]: X }. */
  | { k: 'map'; of: Shape }
  /** Members in canonical order (sorted by their schema text): a member's tag is its index. */
  | { k: 'union'; members: Shape[]; discriminant: string | null };

export interface Prop {
  name: string;
  optional: boolean;
  shape: Shape;
}

export interface ObjectShape {
  /** The type's name as written, for generated function comments and messages. */
  name: string;
  /** Where the type first occurs in the record (Contact.address): error messages name it. */
  path: string;
  /** Sorted by name: declaration order does not change the schema. */
  props: Prop[];
}

export interface Analysis {
  root: Shape;
  objects: ObjectShape[];
}

/** A type records cannot hold; `path` names the field (Contact.address.city). */
export class ShapeError extends Error {
  constructor(readonly path: string, readonly reason: string) {
    super(path + ' ' + reason);
    this.name = 'ShapeError';
  }
}

const MAX_OBJECT_TYPES = 500;
/** Built-in object types with a clear advice, rather than "has methods". */
const REFUSED_BUILTINS: Record<string, string> = {
  Map: 'use an array of entries or Record<string, X>',
  Set: 'use an array',
  WeakMap: 'records hold data only',
  WeakSet: 'records hold data only',
  Promise: 'store the value it resolves to',
  RegExp: 'store its source as a string',
  Error: 'store its message as a string',
  ArrayBuffer: 'use a Uint8Array',
  DataView: 'use a Uint8Array',
};
const TYPED_ARRAYS = ['Int8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array', 'Int32Array', 'Uint32Array', 'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array'];

function isLibSymbol(symbol: ts.Symbol | undefined): boolean {
  const decls = symbol && symbol.declarations;
  if (!decls || !decls.length) return false;
  return decls.every(function (d) { return /[\\/]typescript[\\/]lib[\\/]lib\.[^\\/]*\.d\.ts$/.test(d.getSourceFile().fileName) || /kernel[\\/]runtime[\\/]globals\.d\.ts$/.test(d.getSourceFile().fileName); });
}

export function analyzeType(checker: ts.TypeChecker, type: ts.Type, rootName: string): Analysis {
  const objects: ObjectShape[] = [];
  const objectIds = new Map<ts.Type, number>();

  function fail(path: string, reason: string): never {
    throw new ShapeError(path, reason);
  }

  function shape(t: ts.Type, path: string): Shape {
    const f = t.flags;
    if (f & ts.TypeFlags.Any) fail(path, 'has type any; records need a concrete type');
    if (f & ts.TypeFlags.Unknown) fail(path, 'has type unknown; records need a concrete type');
    if (f & ts.TypeFlags.Never) fail(path, 'has type never');
    if (f & ts.TypeFlags.TypeParameter) fail(path, 'is the type parameter ' + checker.typeToString(t) + '; records<T> needs a concrete type where it is called');
    if (f & ts.TypeFlags.BigIntLike) fail(path, 'is a bigint, which images cannot hold (Duktape has no BigInt); use a number or a string');
    if (f & ts.TypeFlags.ESSymbolLike) fail(path, 'is a symbol; records hold data only');
    if (f & (ts.TypeFlags.Void | ts.TypeFlags.Undefined)) return { k: 'undefined' };
    if (f & ts.TypeFlags.Null) return { k: 'null' };
    if (f & ts.TypeFlags.BooleanLiteral) return { k: 'literal', value: checker.typeToString(t) === 'true' };
    if (f & ts.TypeFlags.StringLiteral) return { k: 'literal', value: (t as ts.StringLiteralType).value };
    if (f & ts.TypeFlags.NumberLiteral) return { k: 'literal', value: (t as ts.NumberLiteralType).value };
    if (f & ts.TypeFlags.Boolean) return { k: 'boolean' };
    if (f & ts.TypeFlags.Union) return union(t as ts.UnionType, path);
    if (f & (ts.TypeFlags.String | ts.TypeFlags.TemplateLiteral | ts.TypeFlags.StringMapping)) return { k: 'string' };
    if (f & ts.TypeFlags.Number) return { k: 'number' };
    if (f & ts.TypeFlags.EnumLike) return f & ts.TypeFlags.NumberLike ? { k: 'number' } : { k: 'string' };
    if (f & ts.TypeFlags.Intersection) {
      // A branded primitive (string & { __brand: 'Mail' }) is stored as the primitive.
      const parts = (t as ts.IntersectionType).types;
      for (let i = 0; i < parts.length; i++) {
        const pf = parts[i].flags;
        if (pf & (ts.TypeFlags.StringLike | ts.TypeFlags.NumberLike | ts.TypeFlags.BooleanLike)) return shape(parts[i], path);
      }
      return object(t, path);
    }
    if (f & ts.TypeFlags.Object) return object(t, path);
    return fail(path, 'has type ' + checker.typeToString(t) + ', which records cannot hold');
  }

  function union(t: ts.UnionType, path: string): Shape {
    let hasTrue = false;
    let hasFalse = false;
    const members: Shape[] = [];
    for (let i = 0; i < t.types.length; i++) {
      const m = t.types[i];
      if (m.flags & ts.TypeFlags.BooleanLiteral) {
        if (checker.typeToString(m) === 'true') hasTrue = true;
        else hasFalse = true;
        continue;
      }
      const s = shape(m, path);
      if (s.k === 'undefined' && members.some(function (x) { return x.k === 'undefined'; })) continue; // void | undefined
      members.push(s);
    }
    if (hasTrue && hasFalse) members.push({ k: 'boolean' });
    else if (hasTrue || hasFalse) members.push({ k: 'literal', value: hasTrue });
    if (members.length === 1) return members[0];
    const count = function (k: string) { return members.filter(function (m) { return m.k === k; }).length; };
    if (count('array') + count('tuple') > 1) fail(path, 'is a union of several array types, which the stored value cannot tell apart; use one array of a union');
    if (count('map') > 1 || (count('map') && count('object'))) fail(path, 'is a union of several object types, one of them a Record; give each a discriminant property');
    let discriminant: string | null = null;
    if (count('object') > 1) {
      discriminant = findDiscriminant(members.filter(function (m) { return m.k === 'object'; }) as { k: 'object'; id: number }[]);
      if (!discriminant) {
        fail(path, 'is a union of object types without a discriminant: give each member a property with its own literal type (e.g. kind: \'a\' | \'b\')');
      }
    }
    const keyed = members.map(function (m) { return { m: m, text: schemaText({ root: m, objects: objects }) }; });
    keyed.sort(function (a, b) { return a.text < b.text ? -1 : a.text > b.text ? 1 : 0; });
    return { k: 'union', members: keyed.map(function (x) { return x.m; }), discriminant: discriminant };
  }

  /** A property every object member has, required, with literal values no two members share. */
  function findDiscriminant(members: { k: 'object'; id: number }[]): string | null {
    const first = objects[members[0].id].props;
    for (let p = 0; p < first.length; p++) {
      const name = first[p].name;
      const seen: Record<string, boolean> = {};
      let ok = true;
      for (let i = 0; i < members.length && ok; i++) {
        const prop = objects[members[i].id].props.filter(function (x) { return x.name === name; })[0];
        const values = prop && !prop.optional ? literalValues(prop.shape) : null;
        if (!values) { ok = false; break; }
        for (let v = 0; v < values.length; v++) {
          const id = typeof values[v] + ':' + String(values[v]);
          if (seen[id]) ok = false;
          seen[id] = true;
        }
      }
      if (ok) return name;
    }
    return null;
  }

  function literalValues(s: Shape): (string | number | boolean)[] | null {
    if (s.k === 'literal') return [s.value];
    if (s.k !== 'union') return null;
    const out: (string | number | boolean)[] = [];
    for (let i = 0; i < s.members.length; i++) {
      const m = s.members[i];
      if (m.k !== 'literal') return null;
      out.push(m.value);
    }
    return out;
  }

  function object(t: ts.Type, path: string): Shape {
    const symbol = t.getSymbol() || t.aliasSymbol;
    const name = symbol ? symbol.getName() : '';
    if (checker.isArrayType(t)) {
      return { k: 'array', of: shape(checker.getTypeArguments(t as ts.TypeReference)[0], path + '[]') };
    }
    if (checker.isTupleType(t)) {
      const target = (t as ts.TypeReference).target as ts.TupleType;
      if (target.hasRestElement) fail(path, 'is a tuple with a rest element; use an array');
      const args = checker.getTypeArguments(t as ts.TypeReference);
      const items: Shape[] = [];
      for (let i = 0; i < args.length; i++) {
        let item = shape(args[i], path + '[' + i + ']');
        if (target.elementFlags[i] & ts.ElementFlags.Optional && !isOptionalShape(item)) item = union2(item, { k: 'undefined' });
        items.push(item);
      }
      return { k: 'tuple', items: items };
    }
    if (isLibSymbol(symbol)) {
      if (name === 'Uint8Array') return { k: 'bytes' };
      if (name === 'Date') return { k: 'date' };
      if (REFUSED_BUILTINS[name]) fail(path, 'is a ' + name + '; ' + REFUSED_BUILTINS[name]);
      if (TYPED_ARRAYS.indexOf(name) >= 0) fail(path, 'is a ' + name + '; records hold typed binary data as Uint8Array');
    }
    if (checker.getSignaturesOfType(t, ts.SignatureKind.Call).length) fail(path, 'is a function; records hold data only');
    if (checker.getSignaturesOfType(t, ts.SignatureKind.Construct).length) fail(path, 'is a class or constructor; records hold data only');
    if (symbol && symbol.flags & ts.SymbolFlags.Class) {
      fail(path, 'is an instance of class ' + name + '; records hold plain data (interfaces and object types), and give back plain objects');
    }
    const known = objectIds.get(t);
    if (known !== undefined) return { k: 'object', id: known };
    const props = checker.getPropertiesOfType(t);
    const indexInfos = checker.getIndexInfosOfType(t);
    if (indexInfos.length) {
      if (props.length) fail(path, 'has both properties and an index signature; use one or the other');
      const info = indexInfos[0];
      if (indexInfos.length > 1 || !(info.keyType.flags & ts.TypeFlags.String)) {
        fail(path, 'has a ' + checker.typeToString(info.keyType) + ' index signature; records hold arrays, or Record<string, X>');
      }
      return { k: 'map', of: shape(info.type, path + '[key]') };
    }
    if (objects.length >= MAX_OBJECT_TYPES) fail(path, 'makes the record type too large (over ' + MAX_OBJECT_TYPES + ' object types; an endlessly expanding generic?)');
    const id = objects.length;
    const entry: ObjectShape = { name: name && name !== '__type' && name !== '__object' ? name : 'object', path: path, props: [] };
    objects.push(entry);
    objectIds.set(t, id);
    const list: Prop[] = [];
    for (let i = 0; i < props.length; i++) {
      const p = props[i];
      const pname = p.getName();
      const ppath = path + '.' + pname;
      if (pname.slice(0, 2) === '__' && (pname.charAt(2) === '@' || pname.charAt(2) === '#')) fail(path + '[' + pname.slice(3) + ']', 'is keyed by a symbol or is private; records hold string-keyed data only');
      if (p.flags & ts.SymbolFlags.Method) fail(ppath, 'is a method; records hold data only');
      const optional = !!(p.flags & ts.SymbolFlags.Optional);
      const pshape = shape(checker.getTypeOfSymbol(p), ppath);
      list.push({ name: pname, optional: optional, shape: optional ? withoutUndefined(pshape) : pshape });
    }
    list.sort(function (a, b) { return a.name < b.name ? -1 : a.name > b.name ? 1 : 0; });
    entry.props = list;
    return { k: 'object', id: id };
  }

  /** An optional field's shape without the undefined its `?` adds (presence is stored apart). */
  function withoutUndefined(s: Shape): Shape {
    if (s.k !== 'union') return s;
    const kept = s.members.filter(function (m) { return m.k !== 'undefined'; });
    return kept.length === 1 ? kept[0] : { k: 'union', members: kept, discriminant: s.discriminant };
  }

  function isOptionalShape(s: Shape): boolean {
    return s.k === 'undefined' || (s.k === 'union' && s.members.some(function (m) { return m.k === 'undefined'; }));
  }

  function union2(a: Shape, b: Shape): Shape {
    const members = [a, b].map(function (m) { return { m: m, text: schemaText({ root: m, objects: objects }) }; });
    members.sort(function (x, y) { return x.text < y.text ? -1 : x.text > y.text ? 1 : 0; });
    return { k: 'union', members: members.map(function (x) { return x.m; }), discriminant: null };
  }

  const root = shape(type, rootName);
  return { root: root, objects: objects };
}

/**
 * The canonical text of a shape: what the schema hash covers. Objects are
 * written out where they occur; a reference back to an object being
 * written is `@n`, n levels up, so the text does not depend on the order
 * the checker happened to create types in.
 */
export function schemaText(a: Analysis): string {
  const stack: number[] = [];
  let length = 0;
  function text(s: Shape): string {
    if (++length > 200000) throw new ShapeError('', 'is too complex a type (its schema text exceeds 200000 parts)');
    switch (s.k) {
      case 'literal': return JSON.stringify(s.value);
      case 'array': return wrap(s.of) + '[]';
      case 'tuple': return '[' + s.items.map(text).join(',') + ']';
      case 'map': return '{[string]:' + text(s.of) + '}';
      case 'union': return s.members.map(text).join('|');
      case 'object': {
        const up = stack.lastIndexOf(s.id);
        if (up >= 0) return '@' + (stack.length - up);
        stack.push(s.id);
        const props = a.objects[s.id].props;
        let out = '{';
        for (let i = 0; i < props.length; i++) out += (i ? ';' : '') + JSON.stringify(props[i].name) + (props[i].optional ? '?:' : ':') + text(props[i].shape);
        stack.pop();
        return out + '}';
      }
      default: return s.k;
    }
  }
  function wrap(s: Shape): string {
    return s.k === 'union' ? '(' + text(s) + ')' : text(s);
  }
  return text(a.root);
}
