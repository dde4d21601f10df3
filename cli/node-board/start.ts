/*
 * The node board's process: `node --import tsx start.ts <app entry> [app
 * args]` (run.ts). It installs the kernel contract over
 * Node (kernel.ts), binds the app's needs to the board's drivers as an
 * image does, runs main() and exits with its code. Node's event loop does
 * the rest; an uncaught error goes to the app's onUncaughtError handler,
 * else it is reported and the process exits 1, as in an image.
 */
import { pathToFileURL } from 'node:url';
import { nodeKernel } from '../../kernel/node/kernel';
import { bindDevices, type DeviceNeed } from '../../sdk/devices';
import type { AppSpec } from '../../sdk/app';
import { parseBootArgs } from '../../lib/bootargs';
import { getUncaughtHandler, onKernelEvent } from '../../kernel/runtime/loop';
import board from '../../board/node/board';
import * as drivers from '../../board/node/drivers';

function report(err: unknown, kind: string): void {
  const e = err as Error;
  process.stderr.write(kind + ': ' + (e && e.stack ? e.stack : String(err)) + '\n');
}

async function main(): Promise<void> {
  const [entry, ...args] = process.argv.slice(2);
  const kernel = nodeKernel(args);
  (globalThis as unknown as { __kernel: NymoteKernel }).__kernel = kernel;
  for (const kind of ['exception', 'rejection'] as const) {
    process.on(kind === 'exception' ? 'uncaughtException' : 'unhandledRejection', (err: unknown) => {
      const handler = getUncaughtHandler();
      if (handler && handler(err, kind)) return;
      report(err, kind === 'exception' ? 'Uncaught exception' : 'Unhandled promise rejection');
      process.exit(1);
    });
  }
  const app = (await import(pathToFileURL(entry).href)).default as AppSpec<Record<string, DeviceNeed>>;
  if (!app || typeof app.main !== 'function') throw new Error(entry + ': the default export is not a defineApp({ name, needs, main }) app');
  const needs = app.needs || {};
  const devices = await bindDevices(app.name, needs, { name: board.name, drivers: { ...drivers } }, { kernel, onEvent: onKernelEvent }, parseBootArgs(args));
  const result = await app.main(devices as never, { args, board: board.name, platform: kernel.platform, engine: 'Node ' + process.versions.node });
  if (typeof result === 'number') process.exit(result);
}

main().catch((err: unknown) => {
  report(err, 'nymote');
  process.exit(1);
});
