/*
 * A BlockDevice over a host file on Node (the node board, `nymote disk`,
 * benchmarks): the node:fs twin of drivers/unix/file-block.ts. node:fs
 * promises are already split-phase; flush() is fsync. A sparse file is fine:
 * unwritten ranges read as zeros.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { DeviceError, type BlockDevice, type DriverFactory } from '../interfaces';

export interface FileBlockOptions {
  /** Open read-only (also chosen when the file cannot be opened for writing). */
  readOnly?: boolean;
  /** Bytes per sector (default 512). */
  sectorSize?: number;
  /** The device name in errors (default: the path). */
  name?: string;
}

export interface NodeFileBlock extends BlockDevice {
  readonly path: string;
  close(): Promise<void>;
}

export async function openFileBlock(path: string, opts: FileBlockOptions = {}): Promise<NodeFileBlock> {
  const sectorSize = opts.sectorSize || 512;
  const name = opts.name || path;
  let fh: FileHandle;
  let readOnly = !!opts.readOnly;
  try {
    fh = await open(path, readOnly ? 'r' : 'r+');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (readOnly || (code !== 'EACCES' && code !== 'EROFS' && code !== 'EPERM')) {
      throw new DeviceError(name, code === 'ENOENT' ? 'no such file' : (e as Error).message, code);
    }
    fh = await open(path, 'r');
    readOnly = true;
  }
  const size = (await fh.stat()).size;
  const sectors = Math.floor(size / sectorSize);
  let closed = false;

  function check(lba: number, buf: Uint8Array): void {
    if (closed) throw new DeviceError(name, 'device is closed');
    if (buf.length % sectorSize !== 0) throw new DeviceError(name, 'buffer length ' + buf.length + ' is not a multiple of ' + sectorSize);
    if (!(lba >= 0) || Math.floor(lba) !== lba || lba + buf.length / sectorSize > sectors) {
      throw new DeviceError(name, 'sector ' + lba + ' out of range (' + sectors + ' sectors)');
    }
  }

  return {
    path: path,
    sectorSize: sectorSize,
    sectors: sectors,
    readOnly: readOnly,
    async read(lba, buf) {
      check(lba, buf);
      let done = 0;
      while (done < buf.length) {
        const r = await fh.read(buf, done, buf.length - done, lba * sectorSize + done);
        if (r.bytesRead === 0) throw new DeviceError(name, 'short read at sector ' + lba);
        done += r.bytesRead;
      }
    },
    async write(lba, buf) {
      if (readOnly) throw new DeviceError(name, 'device is read-only', 'EROFS');
      check(lba, buf);
      let done = 0;
      while (done < buf.length) {
        const r = await fh.write(buf, done, buf.length - done, lba * sectorSize + done);
        done += r.bytesWritten;
      }
    },
    async flush() {
      if (closed) throw new DeviceError(name, 'device is closed');
      if (!readOnly) await fh.sync();
    },
    async close() {
      if (closed) return;
      closed = true;
      await fh.close();
    },
  };
}

/** The node board's `block` driver: `--disk PATH` (or `--<device> PATH`). */
export const createFileBlock: DriverFactory<BlockDevice> = (_io, { device: name, args }) => {
  const path = args.options[name] || args.options.disk;
  if (!path || path === 'true') {
    return Promise.reject(new DeviceError(name, 'no disk image given: pass --disk PATH (or --' + name + ' PATH)', 'absent'));
  }
  return openFileBlock(path, { name: name });
};
