/*
 * Test hooks for code that runs without the nymote build (vitest, the
 * benchmark under Node): the same generator and transformer, driven from
 * source text.
 *
 *   const codec = codecFor<Contact>('interface Contact { mail: string; name: string }', 'Contact');
 *   db.records<Contact>('contacts', { key: 'mail' }, codec);
 */
import ts from 'typescript';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RecordCodec } from '../codec';
import { generateCodec, type GeneratedCodec } from '../build/codegen';
import { analyzeType } from '../build/shape';
import { recordsTransformer } from '../build/transformer';

export const REPO = fileURLToPath(new URL('../../../', import.meta.url));
/** Where compileWithRecords puts its in-memory files (inside the repo, so relative imports work). */
export const VIRTUAL_DIR = join(REPO, 'store', 'records', 'build', '__virtual__');

const baseOptions: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES5,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  lib: ['lib.es2017.d.ts'],
  types: [],
  strict: true,
  downlevelIteration: true,
  skipLibCheck: true,
  noEmitOnError: false,
  paths: { nymote: [join(REPO, 'sdk/index.ts')] },
};

/* Parsed files shared by every program made here (the lib files take most of the time). */
const parsed = new Map<string, ts.SourceFile>();

function makeHost(files: Record<string, string>, options: ts.CompilerOptions): ts.CompilerHost {
  const host = ts.createCompilerHost(options, true);
  const getSourceFile = host.getSourceFile;
  host.getSourceFile = function (fileName, languageVersion, onError) {
    if (Object.prototype.hasOwnProperty.call(files, fileName)) return ts.createSourceFile(fileName, files[fileName], languageVersion, true);
    let sf = parsed.get(fileName);
    if (!sf) {
      sf = getSourceFile.call(host, fileName, languageVersion, onError);
      if (sf) parsed.set(fileName, sf);
    }
    return sf;
  };
  const fileExists = host.fileExists;
  host.fileExists = function (f) { return Object.prototype.hasOwnProperty.call(files, f) || fileExists.call(host, f); };
  const readFile = host.readFile;
  host.readFile = function (f) { return Object.prototype.hasOwnProperty.call(files, f) ? files[f] : readFile.call(host, f); };
  return host;
}

/** The codec the build would generate for the type `typeName` declared in `source`. */
export function generateCodecSource(source: string, typeName: string): GeneratedCodec {
  const file = join(VIRTUAL_DIR, 'types.ts');
  const program = ts.createProgram([file], baseOptions, makeHost({ [file]: source + '\nexport {};\n' }, baseOptions));
  const checker = program.getTypeChecker();
  const sf = program.getSourceFile(file) as ts.SourceFile;
  const symbol = checker.getSymbolsInScope(sf, ts.SymbolFlags.Type).filter((s) => s.getName() === typeName)[0];
  if (!symbol) throw new Error('no type ' + typeName + ' in the source');
  return generateCodec(analyzeType(checker, checker.getDeclaredTypeOfSymbol(symbol), typeName), typeName);
}

/** Evaluates generated codec source (as the image would run it). */
export function evaluateCodec<T>(source: string): RecordCodec<T> {
  return new Function('return ' + source + ';')() as RecordCodec<T>;
}

/** A working codec for the type `typeName` declared in `source`. */
export function codecFor<T>(source: string, typeName: string): RecordCodec<T> {
  return evaluateCodec<T>(generateCodecSource(source, typeName).source);
}

/**
 * Compiles in-memory TS files (names relative to VIRTUAL_DIR) to ES5 with
 * the records transformer, as the build does; returns the JS by file name.
 * Throws the transformer's RecordsBuildError.
 */
export function compileWithRecords(files: Record<string, string>): Record<string, string> {
  const absolute: Record<string, string> = {};
  for (const name of Object.keys(files)) absolute[join(VIRTUAL_DIR, name)] = files[name];
  const options = { ...baseOptions, rootDir: REPO, outDir: join(REPO, 'build', 'virtual-out') };
  const program = ts.createProgram(Object.keys(absolute), options, makeHost(absolute, options));
  const out: Record<string, string> = {};
  const transformer = recordsTransformer(program, { displayPath: function (f) { return f.slice(REPO.length); } });
  for (const name of Object.keys(absolute)) {
    const sf = program.getSourceFile(name) as ts.SourceFile;
    program.emit(sf, (fileName, text) => {
      if (fileName.endsWith('.js')) out[name.slice(VIRTUAL_DIR.length + 1)] = text;
    }, undefined, false, { before: [transformer] });
  }
  return out;
}
