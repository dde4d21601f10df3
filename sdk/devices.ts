/*
 * Binding an app's needs to a board's drivers: each device is built by its
 * driver factory from the kernel IO and the boot arguments. Shared by the
 * image entry (boot.ts) and the node board (cli/node-board), which runs no
 * image.
 */
import type { DeviceKind, DeviceKinds } from '../board/spec';
import type { BootArgs, DeviceError, DriverFactory, DriverIO } from '../drivers/interfaces';

export type { DeviceKind, DeviceKinds };

/**
 * A need names a kind; "kind?" makes the device optional: it is undefined
 * when the board has none configured (no --disk given, no disk in the xl
 * config) instead of failing the boot.
 */
export type DeviceNeed = DeviceKind | `${DeviceKind}?`;

export type Devices<N extends Record<string, DeviceNeed>> = {
  [K in keyof N]: N[K] extends `${infer D extends DeviceKind}?` ? DeviceKinds[D] | undefined : DeviceKinds[N[K] & DeviceKind];
};

/** The drivers an image carries: only those of the kinds its app needs. */
export interface BoardBinding {
  name: string;
  drivers: { [kind: string]: DriverFactory<unknown> | undefined };
}

export async function bindDevices(app: string, needs: Record<string, DeviceNeed>, board: BoardBinding, io: DriverIO, args: BootArgs): Promise<Record<string, unknown>> {
  const devices: Record<string, unknown> = {};
  const pending = Object.keys(needs).map(async (device) => {
    const need = needs[device];
    const optional = need.charAt(need.length - 1) === '?';
    const kind = optional ? need.slice(0, -1) : need;
    const factory = board.drivers[kind];
    if (!factory && optional) { devices[device] = undefined; return; }
    if (!factory) throw new Error('board ' + board.name + ' has no driver for a "' + kind + '" device (needed as "' + device + '")');
    try {
      devices[device] = await factory(io, { device, args, app });
    } catch (e) {
      // An optional device that is simply not configured is undefined; any other failure still fails the boot.
      if (optional && e && (e as DeviceError).code === 'absent') devices[device] = undefined;
      else throw e;
    }
  });
  await Promise.all(pending);
  return devices;
}
