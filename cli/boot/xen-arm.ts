/*
 * Boots an arm32 guest image under QEMU + Debian's Xen, dom0less: QEMU's own
 * device tree plus the board's /chosen fragment that names Xen's console and
 * our domain, the guest loaded by QEMU's loader device at the board's
 * address. The guest console (Xen prints it as "(XEN) DOM1: …") goes to
 * stdout; the guest's last line carries its exit code. A Xen panic, a guest
 * fault or crash, QEMU dying or a timeout fails the boot with the console
 * tail.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BoardSpec, XenArmBoot } from '../../board/spec';
import { assembleDom0, guestArchive } from '../dom0/assemble';
import { fullBootDevices } from '../dom0/devices';
import { XL_ZIMAGE_OFFSET, xlConfig, xlLoadableZimage } from '../dom0/xl';
import { UserError } from '../errors';
import { BUILD, display } from '../paths';
import { boardDtsFragment } from './template';
import { LINUX_DOM0_CONSOLE, XEN_FAILURES, bootArgsLine, machineArgs, run, runQemu, xenBinary, type ConsoleReader, type EmulatedBoard, type XenBoot } from './xen-console';

/** dom0less: Xen prints the guest's console as "(XEN) DOM1: …" (or "(d1) …"). */
const DOMU_CONSOLE: ConsoleReader = {
  guestText: (line) => {
    const m = /^\(XEN\) DOM\d+: ?(.*)$|^\(d\d+\) ?(.*)$/.exec(line);
    return m ? m[1] ?? m[2] ?? '' : undefined;
  },
  failures: XEN_FAILURES,
};

/** An address as a device tree's unit address writes it (hex digits, no 0x). */
const hex = (n: number): string => n.toString(16);

type FullDom0 = NonNullable<XenArmBoot['full']>;

/** The board's dom0less /chosen fragment for a guest of `bytes` and `memoryMiB` with the command line `args`. */
export const dom0lessChosen = (board: BoardSpec, boot: XenArmBoot, guest: { bytes: number; memoryMiB: number; args: string }): string =>
  boardDtsFragment(board, boot.dom0less.chosen, {
    // guest_loglvl=all: Xen prints a dom0less guest's console only at this level.
    xenArgs: `${boot.xenArgs} guest_loglvl=all`,
    guestAddress: hex(boot.dom0less.guestAddress),
    guestBytes: guest.bytes,
    guestMemoryKiB: guest.memoryMiB * 1024,
    guestArgs: guest.args,
  });

/** The board's full-topology /chosen fragment for dom0's kernel and initramfs of these sizes. */
export const fullChosen = (board: BoardSpec, boot: XenArmBoot, full: FullDom0, dom0: { kernelBytes: number; initramfsBytes: number; args: string }): string =>
  boardDtsFragment(board, full.chosen, {
    xenArgs: `${boot.xenArgs} dom0_mem=${full.memoryMiB}M dom0_max_vcpus=1 guest_loglvl=all`,
    kernelAddress: hex(full.kernelAddress),
    kernelBytes: dom0.kernelBytes,
    initramfsAddress: hex(full.initramfsAddress),
    initramfsBytes: dom0.initramfsBytes,
    dom0Args: dom0.args,
  });

/** QEMU's device tree for the machine plus a /chosen fragment (dts source), compiled. */
function compileBootDtb(board: EmulatedBoard, work: string, chosen: string): string {
  const base = join(work, 'qemu.dtb');
  run(board.emulate.qemu, machineArgs(board, `,dumpdtb=${base}`), 'dumping the machine device tree');
  const dts = run('dtc', ['-q', '-I', 'dtb', '-O', 'dts', base], "reading QEMU's device tree");
  const source = join(work, 'boot.dts');
  writeFileSync(source, dts + '\n' + chosen);
  const dtb = join(work, 'boot.dtb');
  run('dtc', ['-q', '-I', 'dts', '-O', 'dtb', '-o', dtb, source], 'compiling the boot device tree');
  return dtb;
}

/** QEMU's -device option values separate fields with commas; a comma in a value is doubled. */
function loaderDevice(file: string, address: number): string {
  return `loader,file=${file.replace(/,/g, ',,')},addr=0x${hex(address)},force-raw=on`;
}

export async function bootXenArm({ dir, image, board, args, opts }: XenBoot, boot: XenArmBoot): Promise<number> {
  const xen = join(dir, 'xen');
  const guest = join(dir, image);
  for (const f of [xen, guest]) if (!existsSync(f)) throw new UserError(`${display(f)} is missing: rebuild the image`);
  mkdirSync(join(BUILD, 'boot'), { recursive: true });
  const work = mkdtempSync(join(BUILD, 'boot', `${board.name}-`));
  try {
    const chosen = dom0lessChosen(board, boot, {
      bytes: statSync(guest).size, memoryMiB: opts.memoryMiB, args: bootArgsLine(args, randomBytes(32).toString('hex')),
    });
    const qemuArgs = [...machineArgs(board), '-kernel', xen, '-dtb', compileBootDtb(board, work, chosen),
      '-device', `loader,file=${guest},addr=0x${hex(boot.dom0less.guestAddress)},force-raw=on`, '-serial', 'stdio'];
    return await runQemu(board.emulate.qemu, qemuArgs, DOMU_CONSOLE, opts);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** xenconsoled --log=guest names a domain's vuart log guest-<name>-vuart0.log. */
const VUART_LOG = 'guest-nymote-vuart0.log';

/**
 * The full topology (DESIGN.md §6, "ARM full topology"; the Raspberry Pi 4
 * shape on an arm64 Xen): Debian's Linux as dom0 (its toolstack in a
 * busybox initramfs) starts our arm32 guest as an xl domU whose console is
 * the emulated PL011 (vuart). dom0's kernel and initramfs go where the
 * board says, named to Xen by the board's /chosen fragment.
 */
export async function bootXenArmFull({ dir, image, board, args, opts }: XenBoot, boot: XenArmBoot, full: FullDom0): Promise<number> {
  const e = board.emulate;
  const xen = existsSync(join(dir, 'xen')) ? join(dir, 'xen') : xenBinary(board);
  const guest = join(dir, image);
  for (const f of [xen, guest]) if (!existsSync(f)) throw new UserError(`${display(f)} is missing: rebuild the image`);
  const needMiB = full.memoryMiB + opts.memoryMiB + 64;
  if (e.hostMemoryMiB < needMiB) throw new UserError(`board '${board.name}': ${e.hostMemoryMiB} MiB cannot hold a ${full.memoryMiB} MiB dom0 and a ${opts.memoryMiB} MiB guest`);
  const dom0 = assembleDom0(full.dom0);
  mkdirSync(join(BUILD, 'boot'), { recursive: true });
  const work = mkdtempSync(join(BUILD, 'boot', `${board.name}-full-`));
  try {
    const devices = fullBootDevices(opts.deviceKinds ?? [], args, full.virtio);
    for (const line of devices.summary) process.stderr.write(`nymote boot: ${line}\n`);
    const cmdline = bootArgsLine(devices.guestArgs, randomBytes(32).toString('hex'));
    const config = xlConfig({
      name: 'nymote', kernel: '/guest/kernel', memoryMiB: opts.memoryMiB, extra: cmdline, platform: 'arm',
      vifs: devices.vifs, disks: devices.disks,
    });
    const kernel = xlLoadableZimage(readFileSync(guest));
    // libxc puts the guest's device tree above the kernel's end rounded up to 2 MiB, or fails.
    const minMiB = Math.ceil((XL_ZIMAGE_OFFSET + kernel.length) / 2 ** 21) * 2 + 1;
    if (opts.memoryMiB < minMiB) throw new UserError(`an xl domU of this image needs at least ${minMiB} MiB (--memory): xl puts its device tree above the kernel`);
    const initramfs = join(work, 'initramfs.cpio');
    writeFileSync(initramfs, Buffer.concat([readFileSync(dom0.initramfs), guestArchive(kernel, config, VUART_LOG, opts.dom0Script)]));
    const kernelBytes = statSync(dom0.kernel).size;
    const initramfsBytes = statSync(initramfs).size;
    if (full.kernelAddress + kernelBytes > full.initramfsAddress) throw new UserError(`${dom0.kernel}: ${kernelBytes} bytes overlap the initramfs at 0x${hex(full.initramfsAddress)}`);
    if (full.initramfsAddress + initramfsBytes > boot.ramBase + e.hostMemoryMiB * 2 ** 20) throw new UserError(`the dom0 initramfs (${initramfsBytes} bytes) does not fit in the ${e.hostMemoryMiB} MiB of board '${board.name}'`);
    const chosen = fullChosen(board, boot, full, { kernelBytes, initramfsBytes, args: `${full.kernelArgs} ${opts.dom0Args ?? ''}`.trim() });
    const qemuArgs = [...machineArgs(board), '-kernel', xen, '-dtb', compileBootDtb(board, work, chosen),
      '-device', loaderDevice(dom0.kernel, full.kernelAddress),
      '-device', loaderDevice(initramfs, full.initramfsAddress), '-serial', 'stdio', ...devices.qemuArgs];
    return await runQemu(e.qemu, qemuArgs, LINUX_DOM0_CONSOLE, opts);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
