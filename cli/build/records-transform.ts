/*
 * The typed-records codec generator (store/records/build) as a program
 * transformer for @rollup/plugin-typescript (rollup.config.ts): it runs with
 * the type checker of the very program the plugin compiles, so
 * `db.records<Contact>(...)` reaches the bundle with Contact's codec, and a
 * type records cannot hold fails the build at the app's file and line.
 */
import type { RollupError } from 'rollup';
import type ts from 'typescript';
import { RecordsBuildError, recordsTransformer } from '../../store/records/build/transformer';
import { display } from '../paths';

/** The transformer, its errors turned into rollup errors that point at the call. */
export function transformer(program: ts.Program): ts.TransformerFactory<ts.SourceFile> {
  const inner = recordsTransformer(program, { displayPath: display });
  return function (context) {
    const run = inner(context);
    return function (sf) {
      try {
        return run(sf);
      } catch (e) {
        if (!(e instanceof RecordsBuildError)) throw e;
        const err: RollupError = new Error(e.detail);
        err.id = e.file;
        err.loc = { file: e.file, line: e.line, column: e.column };
        throw err;
      }
    };
  };
}

export const recordCodecTransformers = { before: [{ type: 'program' as const, factory: transformer }] };
