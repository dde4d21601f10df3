/*
 * Binding an app's needs to a board's drivers: each device is built by its
 * driver factory from the boot arguments. Shared by the image entry
 * (index.ts) and the node board (cli/node-board), which runs no image.
 */
import type { DeviceNeed } from './nymote';
import type { BootArgs, DeviceError, DriverFactory } from '../../drivers/interfaces';

export interface BoardBinding {
  name: string;
  drivers: { [kind: string]: DriverFactory<unknown> | undefined };
}

export function bindDevices(needs: Record<string, DeviceNeed>, board: BoardBinding, args: BootArgs): Promise<Record<string, unknown>> {
  const names = Object.keys(needs);
  const devices: Record<string, unknown> = {};
  const pending: Promise<void>[] = [];
  for (let i = 0; i < names.length; i++) {
    const name = names[i];
    const optional = needs[name].charAt(needs[name].length - 1) === '?';
    const kind = optional ? needs[name].slice(0, -1) : needs[name];
    const factory = board.drivers[kind];
    if (!factory) {
      return Promise.reject(new Error('board ' + board.name + ' has no driver for a "' + kind + '" device (needed as "' + name + '")'));
    }
    pending.push(factory(name, args).then(function (d) { devices[name] = d; }, function (e) {
      // An optional device that is simply not configured is undefined; any other failure still fails the boot.
      if (optional && e && (e as DeviceError).code === 'absent') { devices[name] = undefined; return; }
      throw e;
    }));
  }
  return Promise.all(pending).then(function () { return devices; });
}

