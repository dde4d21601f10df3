/*
 * Boots an x86_64 PV guest image under QEMU + Debian's amd64 Xen. The fast
 * topology loads our kernel as dom0 through multiboot: its console_io lines
 * reach the serial port as they are, between Xen's own "(XEN) " lines.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { BoardSpec } from '../../board/spec';
import { UserError } from '../errors';
import { display } from '../paths';
import { XEN_FAILURES, bootArgsLine, machineArgs, runQemu, type ConsoleReader, type XenBootOptions } from './xen-console';

/** start_info's command line holds 1024 bytes with its terminator. */
const MAX_GUEST_CMDLINE = 1023;

const DOM0_CONSOLE: ConsoleReader = {
  guestText: (line) => (line.startsWith('(XEN)') ? undefined : line),
  failures: XEN_FAILURES,
};

/** QEMU's -initrd list: "file args,file args"; a comma inside is doubled. */
export function multibootModule(file: string, cmdline: string): string {
  if (file.includes(',') || /\s/.test(file)) throw new UserError(`${file}: QEMU cannot load a multiboot module whose path has a comma or a space`);
  return `${file} ${cmdline}`.replace(/,/g, ',,');
}

export async function bootXenX86(dir: string, image: string, board: BoardSpec, args: string[], opts: XenBootOptions): Promise<number> {
  const e = board.emulate;
  if (!e) throw new UserError(`board '${board.name}' cannot be emulated`);
  const xen = join(dir, 'xen');
  const guest = join(dir, image);
  for (const f of [xen, guest]) if (!existsSync(f)) throw new UserError(`${display(f)} is missing: rebuild the image`);
  const cmdline = bootArgsLine(args, randomBytes(32).toString('hex'));
  if (Buffer.byteLength(cmdline) > MAX_GUEST_CMDLINE) {
    throw new UserError(`boot arguments too long: a PV guest's command line holds ${MAX_GUEST_CMDLINE} bytes, these need ${Buffer.byteLength(cmdline)}`);
  }
  const mem = `${opts.memoryMiB}M`;
  const xenArgs = `console=com1 com1=115200,8n1 dom0_mem=${mem},max:${mem} dom0_max_vcpus=1 guest_loglvl=all`;
  const qemuArgs = [...machineArgs(board), '-nodefaults', '-kernel', xen, '-append', xenArgs,
    '-initrd', multibootModule(guest, cmdline), '-serial', 'stdio'];
  return runQemu(e.qemu, qemuArgs, DOM0_CONSOLE, opts);
}
