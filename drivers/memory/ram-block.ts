/*
 * A BlockDevice over memory: for a guest booted with a volume image as its
 * ramdisk, and for tests (power-cut wrappers, fast interop). Pure TS, so it
 * runs in images as on Node. Split-phase like every driver: completions
 * come on a later turn, never inside the call, and buffers are copied in
 * and out (the caller's buffer is its own again when the promise settles).
 */
import { DeviceError, type BlockDevice, type DriverFactory } from '../interfaces';

export interface RamBlockOptions {
  /** Bytes per sector (default 512). */
  sectorSize?: number;
  readOnly?: boolean;
  /** The device name in errors (default "ram"). */
  name?: string;
}

export interface RamBlock extends BlockDevice {
  /** The backing memory (the device's contents; writes land here). */
  readonly bytes: Uint8Array;
}

/** A RAM block over `data` (used in place, not copied), or over `data` zeroed bytes. */
export function createRamBlock(data: Uint8Array | number, opts: RamBlockOptions = {}): RamBlock {
  const sectorSize = opts.sectorSize || 512;
  const name = opts.name || 'ram';
  const bytes = typeof data === 'number' ? new Uint8Array(data) : data;
  const sectors = Math.floor(bytes.length / sectorSize);
  const readOnly = !!opts.readOnly;

  function check(lba: number, buf: Uint8Array): void {
    if (buf.length % sectorSize !== 0) throw new DeviceError(name, 'buffer length ' + buf.length + ' is not a multiple of ' + sectorSize);
    if (!(lba >= 0) || Math.floor(lba) !== lba || lba + buf.length / sectorSize > sectors) {
      throw new DeviceError(name, 'sector ' + lba + ' out of range (' + sectors + ' sectors)');
    }
  }

  /** Runs `run` on a later microtask, as a device completes, and settles with it. */
  async function later(run: () => void): Promise<void> {
    await undefined;
    run();
  }

  return {
    bytes: bytes,
    sectorSize: sectorSize,
    sectors: sectors,
    readOnly: readOnly,
    read: function (lba, buf) {
      return later(() => {
        check(lba, buf);
        buf.set(bytes.subarray(lba * sectorSize, lba * sectorSize + buf.length));
      });
    },
    write: function (lba, buf) {
      return later(() => {
        if (readOnly) throw new DeviceError(name, 'device is read-only', 'EROFS');
        check(lba, buf);
        bytes.set(buf, lba * sectorSize);
      });
    },
    flush: function () {
      return later(() => { /* memory is always "durable" */ });
    },
  };
}

/** A driver factory serving one image from memory (a board whose ramdisk holds the volume). */
export function ramBlockFactory(image: Uint8Array, opts: RamBlockOptions = {}): DriverFactory<BlockDevice> {
  return (_io, { device: name }) => {
    return Promise.resolve(createRamBlock(image, { sectorSize: opts.sectorSize, readOnly: opts.readOnly, name: opts.name || name }) as BlockDevice);
  };
}
