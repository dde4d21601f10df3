/*
 * Image entry: the builder's generated entry imports the runtime first (so
 * the globals exist before app code runs), then calls start() with the app
 * and the board's drivers for the kinds the app needs.
 */
import { crash, onKernelEvent, runLoop, setExitCode } from '../kernel/runtime/loop';
import { parseBootArgs } from '../lib/bootargs';
import { bindDevices, type BoardBinding, type DeviceNeed } from './devices';
import type { AppSpec } from './app';

/** Boots the app: binds devices, runs main, runs the loop, exits. */
export function start<N extends Record<string, DeviceNeed>>(app: AppSpec<N>, board: BoardBinding): never {
  const all = __kernel.args();
  let settled = false;
  const run = async (): Promise<void> => {
    let result: unknown;
    try {
      const devices = await bindDevices(app.name, app.needs || {}, board, { kernel: __kernel, onEvent: onKernelEvent }, parseBootArgs(all));
      result = await app.main(devices as never, { args: all, board: board.name, platform: __kernel.platform, engine: 'Duktape ' + __kernel.engine.duktape });
    } catch (e) {
      crash(e);
    }
    settled = true;
    if (typeof result === 'number') setExitCode(result);
  };
  void run();
  const code = runLoop();
  if (!settled) {
    __kernel.write(2, 'nymote: ' + app.name + ': main() never settled and nothing is left to wait for\n');
    return __kernel.exit(13);
  }
  return __kernel.exit(code);
}
