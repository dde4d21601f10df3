// Module resolution for the node board: an app's `import ... from 'nymote'`
// is the package's own API module, wherever the app folder is on disk
// (DESIGN.md §7), as the image builder resolves it. The rewritten
// specifier goes on to tsx's resolver, which loads TypeScript.
const api = new URL('../../kernel/runtime/nymote.ts', import.meta.url).href;

export async function resolve(specifier, context, next) {
  return next(specifier === 'nymote' ? api : specifier, context);
}
