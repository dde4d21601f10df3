/*
 * Boots an x86_64 PV guest image under QEMU + Debian's amd64 Xen. The fast
 * topology loads our kernel as dom0 through multiboot: its console_io lines
 * reach the serial port as they are, between Xen's own "(XEN) " lines. The
 * full topology boots Debian's Linux as dom0, which starts our guest as a
 * domU with `xl create` and relays its PV console as "nymote-guest: " lines.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assembleDom0, guestArchive } from '../dom0/assemble';
import { fullBootDevices } from '../dom0/devices';
import { xlConfig } from '../dom0/xl';
import type { LinuxDom0, XenX86Boot } from '../../board/spec';
import { UserError } from '../errors';
import { display } from '../paths';
import { LINUX_DOM0_CONSOLE, XEN_FAILURES, bootArgsLine, xenBinary, machineArgs, runQemu, type ConsoleReader, type XenBoot } from './xen-console';

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

function checkGuestCmdline(cmdline: string): void {
  if (Buffer.byteLength(cmdline) > MAX_GUEST_CMDLINE) {
    throw new UserError(`boot arguments too long: a PV guest's command line holds ${MAX_GUEST_CMDLINE} bytes, these need ${Buffer.byteLength(cmdline)}`);
  }
}

/** Xen's command line: the board's console and quirks, and a dom0 of `dom0MiB`. */
const xenCommandLine = (boot: XenX86Boot, dom0MiB: number): string =>
  `${boot.xenArgs} dom0_mem=${dom0MiB}M,max:${dom0MiB}M dom0_max_vcpus=1 guest_loglvl=all`;

export async function bootXenX86({ dir, image, board, args, opts }: XenBoot, boot: XenX86Boot): Promise<number> {
  const xen = join(dir, 'xen');
  const guest = join(dir, image);
  for (const f of [xen, guest]) if (!existsSync(f)) throw new UserError(`${display(f)} is missing: rebuild the image`);
  const cmdline = bootArgsLine(args, randomBytes(32).toString('hex'));
  checkGuestCmdline(cmdline);
  // Our guest is dom0 here: the guest's memory is dom0's.
  const qemuArgs = [...machineArgs(board), '-nodefaults', '-kernel', xen, '-append', xenCommandLine(boot, opts.memoryMiB),
    '-initrd', multibootModule(guest, cmdline), '-serial', 'stdio'];
  return runQemu(board.emulate.qemu, qemuArgs, DOM0_CONSOLE, opts);
}

/**
 * The full topology: Xen + Debian's Linux as dom0 (its toolstack in a
 * busybox initramfs) + our guest as an xl domU with its PV console. `board`
 * is the emulated machine: the image's own board, or the host board of a
 * domU for any Xen host (board xen-x86).
 */
export async function bootXenX86Full({ dir, image, board, args, opts }: XenBoot, boot: XenX86Boot, full: LinuxDom0): Promise<number> {
  const e = board.emulate;
  // A domU image for any Xen host (board xen-x86) carries no hypervisor.
  const xen = existsSync(join(dir, 'xen')) ? join(dir, 'xen') : xenBinary(board);
  const guest = join(dir, image);
  for (const f of [xen, guest]) if (!existsSync(f)) throw new UserError(`${display(f)} is missing: rebuild the image`);
  const devices = fullBootDevices(opts.deviceKinds ?? [], args, full.virtio);
  const cmdline = bootArgsLine(devices.guestArgs, randomBytes(32).toString('hex'));
  checkGuestCmdline(cmdline);
  for (const line of devices.summary) process.stderr.write(`nymote boot: ${line}\n`);
  const needMiB = full.memoryMiB + opts.memoryMiB + 64;
  if (e.hostMemoryMiB < needMiB) throw new UserError(`board '${board.name}': ${e.hostMemoryMiB} MiB cannot hold a ${full.memoryMiB} MiB dom0 and a ${opts.memoryMiB} MiB guest`);
  const dom0 = assembleDom0(full.dom0);
  const work = mkdtempSync(join(tmpdir(), 'nymote-boot-'));
  try {
    const initramfs = join(work, 'initramfs.cpio');
    const config = xlConfig({ name: 'nymote', kernel: '/guest/kernel', memoryMiB: opts.memoryMiB, extra: cmdline, vifs: devices.vifs, disks: devices.disks });
    writeFileSync(initramfs, Buffer.concat([readFileSync(dom0.initramfs), guestArchive(readFileSync(guest), config, undefined, opts.dom0Script)]));
    const modules = [multibootModule(dom0.kernel, `${full.kernelArgs} ${opts.dom0Args ?? ''}`.trim()), multibootModule(initramfs, '')].join(',');
    const qemuArgs = [...machineArgs(board), '-nodefaults', '-kernel', xen, '-append', xenCommandLine(boot, full.memoryMiB),
      '-initrd', modules, '-serial', 'stdio', ...devices.qemuArgs];
    return await runQemu(e.qemu, qemuArgs, LINUX_DOM0_CONSOLE, opts);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
