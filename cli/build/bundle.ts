/* App + runtime + drivers -> one ES5 bundle with a line map, via rollup. */
import { rollup, type RollupError } from 'rollup';
import { relative, isAbsolute } from 'node:path';
import { nymoteRollupOptions, type BundleParams } from '../../rollup.config';
import { buildLineMap, type LineMap } from './linemap';
import { REPO, display } from '../paths';
import { UserError } from '../errors';

export interface Bundle {
  /** The program the engine compiles: line map, then the bundle in a try. */
  code: string;
  map: string;
  lineMap: LineMap;
  /** ES5 bytes by origin. */
  runtimeBytes: number;
  appBytes: number;
  /** Each bundled module (as shownPath names it) with its rendered ES5 code; modules tree-shaking emptied are left out. */
  modules: { name: string; code: string }[];
  /** Every file the bundle was built from (for up-to-date checks). */
  inputs: string[];
}

export const BUNDLE_NAME = 'app.js';

function formatRollupError(e: RollupError): string {
  const file = e.loc?.file ?? e.id;
  const where = file ? `${display(file)}${e.loc ? `:${e.loc.line}:${e.loc.column + 1}` : ''}` : '';
  const message = e.message.replace(/^\[plugin [^\]]+\]\s*/, '').replace(/@rollup\/plugin-typescript\s*/, '').replace(/^[^:]+\.ts \(\d+:\d+\): /, '');
  return `${where ? where + ' - ' : ''}error ${message}${e.frame ? '\n\n' + e.frame.replace(/\x1b\[[0-9;]*m/g, '') : ''}`;
}

/** How a source shows in stack traces: app files from the cwd, ours under nymote/. */
function shownPath(source: string, appDir: string): string {
  const inRepo = relative(REPO, source);
  const inApp = relative(appDir, source);
  if (!inApp.startsWith('..') && !isAbsolute(inApp)) return display(source);
  if (!inRepo.startsWith('..') && !isAbsolute(inRepo)) return 'nymote/' + inRepo;
  return display(source);
}

export async function bundleApp(p: BundleParams): Promise<Bundle> {
  let build;
  try {
    build = await rollup({ ...nymoteRollupOptions(p), onLog: () => {} });
  } catch (e) {
    throw new UserError(`build failed: ${formatRollupError(e as RollupError)}`);
  }
  const { output } = await build.generate({ format: 'iife', sourcemap: true, strict: true, sourcemapPathTransform: (s) => s });
  await build.close();
  const chunk = output[0];
  if (!chunk.map) throw new Error('rollup produced no source map');
  const map = chunk.map;
  // Sources in the map are relative to the (virtual) output file; rollup puts it in the cwd.
  const absolute = (s: string) => (isAbsolute(s) ? s : new URL(s, `file://${process.cwd()}/`).pathname);
  const lineMap = buildLineMap(map as never, BUNDLE_NAME, 1, (s) => shownPath(absolute(s), p.appDir));
  let runtimeBytes = 0;
  let appBytes = 0;
  const modules: Bundle['modules'] = [];
  for (const [id, m] of Object.entries(chunk.modules)) {
    const rel = relative(p.appDir, id);
    if (!rel.startsWith('..') && !isAbsolute(rel)) appBytes += m.renderedLength;
    else runtimeBytes += m.renderedLength;
    if (m.renderedLength > 0 && m.code) modules.push({ name: id.startsWith('\0') ? id.slice(1) : shownPath(id, p.appDir), code: m.code });
  }
  const header = `var __nymote_lines = ${JSON.stringify(lineMap)}; try {\n`;
  const footer = `\n} catch (e) { if (typeof __nymote_fatal === 'function') __nymote_fatal(e); throw e; }\n`;
  return {
    code: header + chunk.code + footer,
    map: map.toString(),
    lineMap,
    runtimeBytes,
    appBytes,
    modules,
    inputs: build.watchFiles.filter((f) => !f.startsWith('\0')),
  };
}
