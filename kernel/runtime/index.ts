/*
 * Image entry: the builder's generated entry imports this module first (so
 * the globals exist before app code runs), then calls start() with the app
 * and the board's driver table.
 */
import './install';
import type { AppSpec, DeviceKind } from './nymote';
import type { BootArgs, DriverFactory } from '../../drivers/interfaces';
import { crash, runLoop, setExitCode } from './loop';
import { parseBootArgs } from './bootargs';

export interface BoardBinding {
  name: string;
  drivers: { [kind: string]: DriverFactory<unknown> | undefined };
}

function bindDevices(needs: Record<string, DeviceKind>, board: BoardBinding, args: BootArgs): Promise<Record<string, unknown>> {
  const names = Object.keys(needs);
  const devices: Record<string, unknown> = {};
  const pending: Promise<void>[] = [];
  for (let i = 0; i < names.length; i++) {
    const name = names[i];
    const factory = board.drivers[needs[name]];
    if (!factory) {
      return Promise.reject(new Error('board ' + board.name + ' has no driver for a "' + needs[name] + '" device (needed as "' + name + '")'));
    }
    pending.push(factory(name, args).then(function (d) { devices[name] = d; }));
  }
  return Promise.all(pending).then(function () { return devices; });
}

/** Boots the app: binds devices, runs main, runs the loop, exits. */
export function start<N extends Record<string, DeviceKind>>(app: AppSpec<N>, board: BoardBinding): never {
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
