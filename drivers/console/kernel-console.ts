/* The kernel console (the `write` native) as a ConsoleDevice: the same on every platform. */
import type { ConsoleDevice, DriverFactory } from '../interfaces';

export const createConsole: DriverFactory<ConsoleDevice> = (io) => Promise.resolve({
  write: (data: string | Uint8Array): Promise<void> => {
    io.kernel.write(1, data);
    return Promise.resolve();
  },
});
