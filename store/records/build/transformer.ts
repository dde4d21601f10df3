/*
 * Build time: the TypeScript transformer that gives each records<T>() call
 * its codec. It finds calls that resolve (through any import or alias) to
 * `records` of store/records (RecordStore.records or the free function),
 * reads T with the type checker, generates T's codec (codegen.ts) and adds
 * it as the call's last argument, hoisted into one variable per type and
 * file. It also checks the key and index options against T.
 *
 *   db.records<Contact>('contacts', { key: 'mail' })
 *   -> db.records('contacts', { key: 'mail' }, records_codec_1)
 *      with  var records_codec_1 = (function () { ... })();  after the imports
 *
 * Errors name the file and line of the call and the offending field:
 *   apps/x/app.ts:12: records<Contact>: Contact.callback is a function; records hold data only
 */
import ts from 'typescript';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateCodec, type GeneratedCodec } from './codegen';
import { analyzeType, ShapeError, type Analysis, type Shape } from './shape';

export interface RecordsTransformOptions {
  /** How a file is named in messages (default: relative to the working directory). */
  displayPath?: (fileName: string) => string;
}

/** A records<T>() call the build cannot give a codec, at file:line. */
export class RecordsBuildError extends Error {
  constructor(readonly file: string, readonly line: number, readonly column: number, readonly detail: string, shown: string) {
    super(shown + ':' + line + ': ' + detail);
    this.name = 'RecordsBuildError';
  }
}

/** This package's store/records folder, where the records API is declared. */
const RECORDS_DIR = fileURLToPath(new URL('..', import.meta.url)).replace(/\\/g, '/');

/** Is this the declaration of store/records' records (RecordStore method or free function)? */
function isRecordsDeclaration(decl: ts.Declaration | undefined): boolean {
  if (!decl) return false;
  const name = (decl as ts.NamedDeclaration).name;
  if (!name || !ts.isIdentifier(name) || name.text !== 'records') return false;
  const file = decl.getSourceFile().fileName.replace(/\\/g, '/');
  return file.slice(0, RECORDS_DIR.length) === RECORDS_DIR && file.indexOf('/', RECORDS_DIR.length) < 0;
}

const KEY_KINDS = ['string', 'number'];

/** Whether every member of s is a string or number (or literal of one): what a key may be. */
function keyLike(s: Shape, allowAbsent: boolean): boolean {
  if (KEY_KINDS.indexOf(s.k) >= 0) return true;
  if (s.k === 'literal') return typeof s.value !== 'boolean';
  if (allowAbsent && (s.k === 'null' || s.k === 'undefined')) return true;
  if (s.k !== 'union') return false;
  let some = false;
  for (let i = 0; i < s.members.length; i++) {
    const m = s.members[i];
    if (m.k === 'null' || m.k === 'undefined') {
      if (!allowAbsent) return false;
    } else if (keyLike(m, false)) {
      some = true;
    } else {
      return false;
    }
  }
  return some;
}

function shapeName(s: Shape): string {
  switch (s.k) {
    case 'literal': return JSON.stringify(s.value);
    case 'union': return s.members.map(shapeName).join(' | ');
    case 'object': case 'map': return 'an object';
    case 'array': case 'tuple': return 'an array';
    case 'bytes': return 'Uint8Array';
    case 'date': return 'Date';
    default: return s.k;
  }
}

/** Checks `{ key: 'x', index: ['y'] }` (when written literally) against T's fields. */
function checkOptions(options: ts.Expression | undefined, a: Analysis, typeName: string, fail: (node: ts.Node, detail: string) => never): void {
  if (a.root.k !== 'object') fail(options || ts.factory.createOmittedExpression(), 'a record is an object type with a key field, not ' + shapeName(a.root));
  while (options && (ts.isAsExpression(options) || ts.isParenthesizedExpression(options) || ts.isSatisfiesExpression(options))) options = options.expression;
  if (!options || !ts.isObjectLiteralExpression(options)) return;
  const props = a.objects[(a.root as { id: number }).id].props;
  const field = function (node: ts.Node, name: string, role: string, allowAbsent: boolean): void {
    const prop = props.filter(function (p) { return p.name === name; })[0];
    if (!prop) fail(node, role + ' ' + JSON.stringify(name) + ' is not a field of ' + typeName + ' (fields: ' + props.map(function (p) { return p.name; }).join(', ') + ')');
    if (prop.optional && !allowAbsent) fail(node, role + ' ' + JSON.stringify(name) + ' of ' + typeName + ' is optional; a key must always be present');
    if (!keyLike(prop.shape, allowAbsent)) {
      fail(node, role + ' ' + JSON.stringify(name) + ' of ' + typeName + ' has type ' + shapeName(prop.shape) + '; ' + (role === 'key' ? 'a key' : 'an indexed field') + ' must be a string or a number');
    }
  };
  for (let i = 0; i < options.properties.length; i++) {
    const p = options.properties[i];
    if (!ts.isPropertyAssignment(p) || !ts.isIdentifier(p.name)) continue;
    if (p.name.text === 'key' && ts.isStringLiteralLike(p.initializer)) field(p.initializer, p.initializer.text, 'key', false);
    if (p.name.text === 'index' && ts.isArrayLiteralExpression(p.initializer)) {
      const items = p.initializer.elements;
      for (let j = 0; j < items.length; j++) {
        const item = items[j];
        if (ts.isStringLiteralLike(item)) field(item, item.text, 'index', true);
      }
    }
  }
}

/**
 * Parses generated ES5 into nodes the emitter treats as synthesized (no
 * positions, no parse-tree links), so they print from their own text and
 * pass the downlevel transforms untouched.
 */
function expressionFromSource(source: string): ts.Expression {
  const file = ts.createSourceFile('codec.js', 'var codec = ' + source + ';', ts.ScriptTarget.ES5, false, ts.ScriptKind.JS);
  const statement = file.statements[0] as ts.VariableStatement;
  const detach = function (node: ts.Node): void {
    ts.setTextRange(node, { pos: -1, end: -1 });
    (node as { flags: ts.NodeFlags }).flags |= ts.NodeFlags.Synthesized;
    ts.forEachChild(node, detach, function (nodes) {
      ts.setTextRange(nodes, { pos: -1, end: -1 });
      nodes.forEach(detach);
    });
  };
  detach(statement);
  return statement.declarationList.declarations[0].initializer as ts.Expression;
}

export function recordsTransformer(program: ts.Program, options: RecordsTransformOptions = {}): ts.TransformerFactory<ts.SourceFile> {
  const checker = program.getTypeChecker();
  const displayPath = options.displayPath || function (f: string) { return relative(process.cwd(), f); };

  /** The codec for a records call, or undefined if the call is not one. */
  function codecOf(call: ts.CallExpression): { codec: GeneratedCodec; type: ts.Type } | undefined {
    const signature = checker.getResolvedSignature(call);
    if (!signature || !isRecordsDeclaration(signature.declaration as ts.Declaration | undefined)) return undefined;
    const sf = call.getSourceFile();
    const fail = function (node: ts.Node, detail: string): never {
      const at = node.pos >= 0 ? node : call;
      const lc = sf.getLineAndCharacterOfPosition(at.getStart(sf));
      throw new RecordsBuildError(sf.fileName, lc.line + 1, lc.character, detail, displayPath(sf.fileName));
    };
    // A codec passed by hand (tests, code built without this transform) stays.
    if (call.arguments.length > 2) return undefined;
    const typeNode = call.typeArguments && call.typeArguments[0];
    if (!typeNode) return fail(call, 'records needs its type argument: records<YourType>(name, options), so the build can generate the codec');
    const typeName = typeNode.getText(sf);
    const where = 'records<' + typeName + '>: ';
    if (call.arguments.length !== 2) fail(call, where + 'takes two arguments (name, options)');
    const type = checker.getTypeFromTypeNode(typeNode);
    let analysis: Analysis;
    try {
      analysis = analyzeType(checker, type, typeName);
    } catch (e) {
      if (e instanceof ShapeError) fail(typeNode, where + e.message);
      throw e;
    }
    checkOptions(call.arguments[1], analysis, typeName, function (node, detail) { return fail(node, where + detail); });
    return { codec: generateCodec(analysis, typeName), type: type };
  }

  return function (context) {
    return function (sf) {
      if (sf.isDeclarationFile || sf.text.indexOf('records') < 0) return sf;
      const hoisted: ts.Statement[] = [];
      const names = new Map<ts.Type, ts.Identifier>();

      const visit = function (node: ts.Node): ts.Node {
        if (!ts.isCallExpression(node)) return ts.visitEachChild(node, visit, context);
        const found = codecOf(node);
        const call = ts.visitEachChild(node, visit, context);
        if (!found) return call;
        let name = names.get(found.type);
        if (!name) {
          name = ts.factory.createUniqueName('records_codec');
          names.set(found.type, name);
          hoisted.push(ts.factory.createVariableStatement(undefined, ts.factory.createVariableDeclarationList(
            [ts.factory.createVariableDeclaration(name, undefined, undefined, expressionFromSource(found.codec.source))], ts.NodeFlags.None)));
        }
        return ts.factory.updateCallExpression(call, call.expression, call.typeArguments, call.arguments.concat([name]));
      };

      const updated = ts.visitEachChild(sf, visit, context);
      if (!hoisted.length) return updated;
      // After the imports, so that the codecs exist before any code of the module runs.
      let at = 0;
      while (at < updated.statements.length && ts.isImportDeclaration(updated.statements[at])) at++;
      const statements = updated.statements.slice(0, at).concat(hoisted, updated.statements.slice(at));
      return ts.factory.updateSourceFile(updated, statements);
    };
  };
}
