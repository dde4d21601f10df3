/*
 * Image entry: the builder's generated entry imports this module first (so
 * the globals exist before app code runs), then calls start() with the app
 * and the board's driver table.
 */
import './install';
import type { AppSpec, DeviceNeed } from './nymote';
import { crash, runLoop, setExitCode } from './loop';
import { parseBootArgs } from './bootargs';
import { bindDevices, type BoardBinding } from './devices';

export type { BoardBinding };

/** Boots the app: binds devices, runs main, runs the loop, exits. */
export function start<N extends Record<string, DeviceNeed>>(app: AppSpec<N>, board: BoardBinding): never {
  const all = __kernel.args();
  const args = parseBootArgs(all);
  let settled = false;
  bindDevices(app.needs || {}, board, args)
    .then(function (devices) {
      return app.main(devices as never, { args: all, board: board.name });
    })
    .then(function (result) {
      settled = true;
      if (typeof result === 'number') setExitCode(result);
    }, function (err) {
      crash(err);
    });
  const code = runLoop();
  if (!settled) {
    __kernel.write(2, 'nymote: ' + app.name + ": main() never settled and nothing is left to wait for\n");
    return __kernel.exit(13);
  }
  return __kernel.exit(code);
}

/* The bundle's footer calls this for an error thrown while its modules were
 * evaluated (an app throwing at top level), so it is reported like any other. */
(globalThis as unknown as { __nymote_fatal: (err: unknown) => never }).__nymote_fatal = function (err: unknown) {
  return crash(err);
};
