/*
 * Boots an arm32 guest image under QEMU + Debian's Xen, dom0less: QEMU's own
 * device tree plus a /chosen that names Xen's console and our domain, the
 * guest loaded by QEMU's loader device. The guest console (Xen prints it as
 * "(XEN) DOM1: …") goes to stdout; the guest's last line carries its exit
 * code. A Xen panic, a guest fault or crash, QEMU dying or a timeout fails
 * the boot with the console tail.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BoardSpec } from '../../board/spec';
import { assembleDom0, guestArchive, type Dom0Arch } from '../dom0/assemble';
import { fullBootDevices } from '../dom0/devices';
import { XL_ZIMAGE_OFFSET, xlConfig, xlLoadableZimage } from '../dom0/xl';
import { UserError } from '../errors';
import { BUILD, display } from '../paths';
import { LINUX_DOM0_CONSOLE, XEN_FAILURES, bootArgsLine, machineArgs, run, runQemu, xenBinary, type ConsoleReader, type XenBootOptions } from './xen-console';

const GUEST_LOAD_ADDRESS = 0x50000000;

/** dom0less: Xen prints the guest's console as "(XEN) DOM1: …" (or "(d1) …"). */
const DOMU_CONSOLE: ConsoleReader = {
  guestText: (line) => {
    const m = /^\(XEN\) DOM\d+: ?(.*)$|^\(d\d+\) ?(.*)$/.exec(line);
    return m ? m[1] ?? m[2] ?? '' : undefined;
  },
  failures: XEN_FAILURES,
};

function dtsString(s: string): string {
  return '"' + s.replace(/\\/g, '\\\\').replace(/"/g, '\\"') + '"';
}

/** QEMU's device tree for the machine plus `chosen` (dts source), compiled. */
function compileBootDtb(board: BoardSpec, work: string, chosen: string): string {
  const e = board.emulate!;
  const base = join(work, 'qemu.dtb');
  run(e.qemu, machineArgs(board, `,dumpdtb=${base}`), 'dumping the machine device tree');
  const dts = run('dtc', ['-q', '-I', 'dtb', '-O', 'dts', base], "reading QEMU's device tree");
  const source = join(work, 'boot.dts');
  writeFileSync(source, dts + chosen);
  const dtb = join(work, 'boot.dtb');
  run('dtc', ['-q', '-I', 'dts', '-O', 'dtb', '-o', dtb, source], 'compiling the boot device tree');
  return dtb;
}

/** QEMU's device tree for the machine plus Xen's /chosen and our domU. */
function writeBootDtb(board: BoardSpec, work: string, guestBytes: number, memoryMiB: number, bootargs: string): string {
  const chosen = `
/ {
	chosen {
		#address-cells = <2>;
		#size-cells = <2>;
		xen,xen-bootargs = "console=dtuart dtuart=/pl011@9000000 guest_loglvl=all";
		nymote-guest {
			compatible = "xen,domain";
			#address-cells = <1>;
			#size-cells = <1>;
			memory = <0 ${memoryMiB * 1024}>;
			cpus = <1>;
			vpl011;
			xen,enhanced = "no-xenstore";
			module@${GUEST_LOAD_ADDRESS.toString(16)} {
				compatible = "multiboot,kernel", "multiboot,module";
				reg = <0x${GUEST_LOAD_ADDRESS.toString(16)} ${guestBytes}>;
				bootargs = ${dtsString(bootargs)};
			};
		};
	};
};
`;
  return compileBootDtb(board, work, chosen);
}

export async function bootXenArm(dir: string, image: string, board: BoardSpec, args: string[], opts: XenBootOptions): Promise<number> {
  const e = board.emulate;
  if (!e) throw new UserError(`board '${board.name}' cannot be emulated`);
  const xen = join(dir, 'xen');
  const guest = join(dir, image);
  for (const f of [xen, guest]) if (!existsSync(f)) throw new UserError(`${display(f)} is missing: rebuild the image`);
  mkdirSync(join(BUILD, 'boot'), { recursive: true });
  const work = mkdtempSync(join(BUILD, 'boot', `${board.name}-`));
  try {
    const seed = randomBytes(32).toString('hex');
    const dtb = writeBootDtb(board, work, statSync(guest).size, opts.memoryMiB, bootArgsLine(args, seed));
    const qemuArgs = [...machineArgs(board), '-kernel', xen, '-dtb', dtb,
      '-device', `loader,file=${guest},addr=0x${GUEST_LOAD_ADDRESS.toString(16)},force-raw=on`, '-serial', 'stdio'];
    return await runQemu(e.qemu, qemuArgs, DOMU_CONSOLE, opts);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/*
 * The full topology (DESIGN.md §6, "ARM full topology"): QEMU loads Xen at
 * 0x40200000 and its own DTB at 0x48000000, so Debian's dom0 kernel and the
 * initramfs go above them, with room for a kernel of up to 128 MiB.
 */
const DOM0_KERNEL_ADDRESS = 0x50000000;
const DOM0_INITRAMFS_ADDRESS = 0x58000000;
const RAM_BASE = 0x40000000;
/** Linux dom0's share of the machine; the rest is Xen's and the guest's. */
const LINUX_DOM0_MIB = 256;
/** xenconsoled --log=guest names a domain's vuart log guest-<name>-vuart0.log. */
const VUART_LOG = 'guest-nymote-vuart0.log';

/** Which Debian dom0 a board's full topology runs: only an arm64 Xen has one here. */
export function armDom0Arch(board: BoardSpec): Dom0Arch | undefined {
  return board.emulate?.qemu === 'qemu-system-aarch64' ? 'arm64' : undefined;
}

/** QEMU's -device option values separate fields with commas; a comma in a value is doubled. */
function loaderDevice(file: string, address: number): string {
  return `loader,file=${file.replace(/,/g, ',,')},addr=0x${address.toString(16)},force-raw=on`;
}

/** QEMU's device tree plus a /chosen that gives Xen its console, dom0's kernel and initramfs. */
function writeFullBootDtb(board: BoardSpec, work: string, kernelBytes: number, initramfsBytes: number, dom0Bootargs: string): string {
  const cells = (n: number) => `0x0 0x${n.toString(16)}`;
  const chosen = `
/ {
	chosen {
		#address-cells = <2>;
		#size-cells = <2>;
		xen,xen-bootargs = "console=dtuart dtuart=/pl011@9000000 dom0_mem=${LINUX_DOM0_MIB}M dom0_max_vcpus=1 guest_loglvl=all";
		module@${DOM0_KERNEL_ADDRESS.toString(16)} {
			compatible = "multiboot,kernel", "multiboot,module";
			reg = <${cells(DOM0_KERNEL_ADDRESS)} ${cells(kernelBytes)}>;
			bootargs = ${dtsString(dom0Bootargs)};
		};
		module@${DOM0_INITRAMFS_ADDRESS.toString(16)} {
			compatible = "multiboot,ramdisk", "multiboot,module";
			reg = <${cells(DOM0_INITRAMFS_ADDRESS)} ${cells(initramfsBytes)}>;
		};
	};
};
`;
  return compileBootDtb(board, work, chosen);
}

/**
 * The full topology on an arm64 Xen (the Raspberry Pi 4 shape): Debian's
 * arm64 Linux as dom0 (its toolstack in a busybox initramfs) starts our
 * arm32 guest as an xl domU whose console is the emulated PL011 (vuart).
 */
export async function bootXenArmFull(dir: string, image: string, board: BoardSpec, args: string[], opts: XenBootOptions): Promise<number> {
  const e = board.emulate;
  if (!e) throw new UserError(`board '${board.name}' cannot be emulated`);
  const arch = armDom0Arch(board);
  // scripts/fetch-dom0.sh fetches amd64 and arm64 dom0s only (no armhf one for qemu-arm32 yet).
  if (!arch) throw new UserError(`--full is not there for board '${board.name}': no Linux dom0 for its ${e.xen} is packaged here (qemu-arm64 and the x86 boards boot one)`);
  const xen = existsSync(join(dir, 'xen')) ? join(dir, 'xen') : xenBinary(board);
  const guest = join(dir, image);
  for (const f of [xen, guest]) if (!existsSync(f)) throw new UserError(`${display(f)} is missing: rebuild the image`);
  const needMiB = LINUX_DOM0_MIB + opts.memoryMiB + 64;
  if (e.hostMemoryMiB < needMiB) throw new UserError(`board '${board.name}': ${e.hostMemoryMiB} MiB cannot hold a ${LINUX_DOM0_MIB} MiB dom0 and a ${opts.memoryMiB} MiB guest`);
  const dom0 = assembleDom0(arch);
  mkdirSync(join(BUILD, 'boot'), { recursive: true });
  const work = mkdtempSync(join(BUILD, 'boot', `${board.name}-full-`));
  try {
    const devices = fullBootDevices(opts.deviceKinds ?? [], args, 'mmio');
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
    if (DOM0_KERNEL_ADDRESS + kernelBytes > DOM0_INITRAMFS_ADDRESS) throw new UserError(`${dom0.kernel}: ${kernelBytes} bytes overlap the initramfs at 0x${DOM0_INITRAMFS_ADDRESS.toString(16)}`);
    if (DOM0_INITRAMFS_ADDRESS + initramfsBytes > RAM_BASE + e.hostMemoryMiB * 2 ** 20) throw new UserError(`the dom0 initramfs (${initramfsBytes} bytes) does not fit in the ${e.hostMemoryMiB} MiB of board '${board.name}'`);
    const dom0Bootargs = `console=hvc0 earlycon=xen rdinit=/init quiet ${opts.dom0Args ?? ''}`.trim();
    const dtb = writeFullBootDtb(board, work, kernelBytes, initramfsBytes, dom0Bootargs);
    const qemuArgs = [...machineArgs(board), '-kernel', xen, '-dtb', dtb,
      '-device', loaderDevice(dom0.kernel, DOM0_KERNEL_ADDRESS),
      '-device', loaderDevice(initramfs, DOM0_INITRAMFS_ADDRESS), '-serial', 'stdio', ...devices.qemuArgs];
    return await runQemu(e.qemu, qemuArgs, LINUX_DOM0_CONSOLE, opts);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
