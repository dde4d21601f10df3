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
import type { BoardSpec } from '../../board/spec';
import { UserError } from '../errors';
import { display } from '../paths';
import { LINUX_DOM0_CONSOLE, XEN_FAILURES, bootArgsLine, xenBinary, machineArgs, runQemu, type ConsoleReader, type XenBootOptions } from './xen-console';

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
  const xenArgs = `${XEN_CONSOLE} dom0_mem=${mem},max:${mem} dom0_max_vcpus=1 guest_loglvl=all`;
  const qemuArgs = [...machineArgs(board), '-nodefaults', '-kernel', xen, '-append', xenArgs,
    '-initrd', multibootModule(guest, cmdline), '-serial', 'stdio'];
  return runQemu(e.qemu, qemuArgs, DOM0_CONSOLE, opts);
}

/*
 * Xen's serial console; and eager FPU switching: with Xen's lazy switching
 * (CR0.TS and #NM), dom0's programs crashed now and then under QEMU's TCG
 * while a guest ran beside them (segfaults, ld.so assertions).
 */
const XEN_CONSOLE = 'console=com1 com1=115200,8n1 spec-ctrl=eager-fpu';
/** Linux dom0's share of the machine; the rest is Xen's and the guest's. */
const LINUX_DOM0_MIB = 256;

/**
 * The full topology: Xen + Debian's Linux as dom0 (its toolstack in a
 * busybox initramfs) + our guest as an xl domU with its PV console.
 */
/** `host` is the emulated machine: the image's own board, or qemu-x86-xen for a domU of any Xen host. */
export async function bootXenX86Full(dir: string, image: string, host: BoardSpec, args: string[], opts: XenBootOptions): Promise<number> {
  const e = host.emulate;
  if (!e) throw new UserError(`board '${host.name}' cannot be emulated`);
  // A domU image for any Xen host (board xen-x86) carries no hypervisor.
  const xen = existsSync(join(dir, 'xen')) ? join(dir, 'xen') : xenBinary(host);
  const guest = join(dir, image);
  for (const f of [xen, guest]) if (!existsSync(f)) throw new UserError(`${display(f)} is missing: rebuild the image`);
  const devices = fullBootDevices(opts.deviceKinds ?? [], args, 'pci');
  const cmdline = bootArgsLine(devices.guestArgs, randomBytes(32).toString('hex'));
  if (Buffer.byteLength(cmdline) > MAX_GUEST_CMDLINE) {
    throw new UserError(`boot arguments too long: a PV guest's command line holds ${MAX_GUEST_CMDLINE} bytes, these need ${Buffer.byteLength(cmdline)}`);
  }
  for (const line of devices.summary) process.stderr.write(`nymote boot: ${line}\n`);
  const needMiB = LINUX_DOM0_MIB + opts.memoryMiB + 64;
  if (e.hostMemoryMiB < needMiB) throw new UserError(`board '${host.name}': ${e.hostMemoryMiB} MiB cannot hold a ${LINUX_DOM0_MIB} MiB dom0 and a ${opts.memoryMiB} MiB guest`);
  const dom0 = assembleDom0('amd64');
  const work = mkdtempSync(join(tmpdir(), 'nymote-boot-'));
  try {
    const initramfs = join(work, 'initramfs.cpio');
    const config = xlConfig({ name: 'nymote', kernel: '/guest/kernel', memoryMiB: opts.memoryMiB, extra: cmdline, vifs: devices.vifs, disks: devices.disks });
    writeFileSync(initramfs, Buffer.concat([readFileSync(dom0.initramfs), guestArchive(readFileSync(guest), config, undefined, opts.dom0Script)]));
    const mem = `${LINUX_DOM0_MIB}M`;
    const xenArgs = `${XEN_CONSOLE} dom0_mem=${mem},max:${mem} dom0_max_vcpus=1 guest_loglvl=all`;
    const modules = [multibootModule(dom0.kernel, `console=hvc0 earlyprintk=xen quiet ${opts.dom0Args ?? ''}`.trim()), multibootModule(initramfs, '')].join(',');
    const qemuArgs = [...machineArgs(host), '-nodefaults', '-kernel', xen, '-append', xenArgs,
      '-initrd', modules, '-serial', 'stdio', ...devices.qemuArgs];
    return await runQemu(e.qemu, qemuArgs, LINUX_DOM0_CONSOLE, opts);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
