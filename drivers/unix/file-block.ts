/*
 * A BlockDevice over a host file (`--disk PATH`, or `--<device> PATH`).
 * pread/pwrite are synchronous syscalls, so completions are deferred to a
 * microtask to keep the split-phase contract.
 */
import { DeviceError, type BlockDevice, type DriverFactory } from '../interfaces';

const SECTOR = 512;

function unix(kernel: NymoteKernel, name: string): NymoteUnixNatives {
  if (!kernel.unix) throw new DeviceError(name, 'a file block needs the unix platform (this is ' + kernel.platform + ')');
  return kernel.unix;
}

export const createFileBlock: DriverFactory<BlockDevice> = (io, { device: name, args }) => {
  const path = args.options[name] || args.options.disk;
  if (!path || path === 'true') {
    return Promise.reject(new DeviceError(name, 'no disk image given: pass --disk PATH (or --' + name + ' PATH)', 'absent'));
  }
  const os = unix(io.kernel, name);
  let fd: number;
  let readOnly = false;
  try {
    fd = os.open(path, 'r+');
  } catch (e) {
    if ((e as { code?: string }).code !== 'EACCES' && (e as { code?: string }).code !== 'EROFS') {
      return Promise.reject(new DeviceError(name, (e as Error).message, (e as { code?: string }).code));
    }
    fd = os.open(path, 'r');
    readOnly = true;
  }
  const sectors = Math.floor(os.size(fd) / SECTOR);

  function check(lba: number, buf: Uint8Array): void {
    if (buf.length % SECTOR !== 0) throw new DeviceError(name, 'buffer length ' + buf.length + ' is not a multiple of ' + SECTOR);
    if (lba < 0 || lba + buf.length / SECTOR > sectors) throw new DeviceError(name, 'sector ' + lba + ' out of range (' + sectors + ' sectors)');
  }

  function settle(run: () => void): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      try { run(); resolve(); } catch (e) { reject(e); }
    });
  }

  const device: BlockDevice = {
    sectorSize: SECTOR,
    sectors: sectors,
    readOnly: readOnly,
    read: function (lba, buf) {
      return settle(() => {
        check(lba, buf);
        const n = os.pread(fd, buf, lba * SECTOR);
        if (n !== buf.length) throw new DeviceError(name, 'short read at sector ' + lba);
      });
    },
    write: function (lba, buf) {
      return settle(() => {
        if (readOnly) throw new DeviceError(name, 'device is read-only', 'EROFS');
        check(lba, buf);
        const n = os.pwrite(fd, buf, lba * SECTOR);
        if (n !== buf.length) throw new DeviceError(name, 'short write at sector ' + lba);
      });
    },
    flush: function () {
      return settle(() => { if (!readOnly) os.fsync(fd); });
    },
  };
  return Promise.resolve(device);
};
