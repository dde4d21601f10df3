/*
 * The TypeScript helpers an image's bundle imports (importHelpers): tslib's,
 * except __awaiter, which runs async functions on our Promise with fewer
 * closures (a closure costs Duktape about nine times a plain object). The
 * builder resolves 'tslib' to this module for every module but this one and
 * promise.ts, which import the real tslib.
 */
export * from 'tslib';
export { __awaiter } from './promise';
