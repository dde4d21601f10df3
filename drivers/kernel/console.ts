/* The kernel console (__kernel.write) as a ConsoleDevice: the same on every platform. */
import type { ConsoleDevice, DriverFactory } from '../interfaces';

export const createConsole: DriverFactory<ConsoleDevice> = function () {
  return Promise.resolve({
    write: function (data: string | Uint8Array): Promise<void> {
      __kernel.write(1, data);
      return Promise.resolve();
    },
  });
};
