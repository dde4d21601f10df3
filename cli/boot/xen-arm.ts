/*
 * Boots an arm32 guest image under QEMU + Debian's Xen, dom0less: QEMU's own
 * device tree plus a /chosen that names Xen's console and our domain, the
 * guest loaded by QEMU's loader device. The guest console (Xen prints it as
 * "(XEN) DOM1: …") goes to stdout; the guest's last line carries its exit
 * code. A Xen panic, a guest fault or crash, QEMU dying or a timeout fails
 * the boot with the console tail.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BoardSpec } from '../../board/spec';
import { UserError } from '../errors';
import { BUILD, display } from '../paths';
import { XEN_FAILURES, bootArgsLine, machineArgs, run, runQemu, type ConsoleReader, type XenBootOptions } from './xen-console';

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

/** QEMU's device tree for the machine plus Xen's /chosen and our domU. */
function writeBootDtb(board: BoardSpec, work: string, guestBytes: number, memoryMiB: number, bootargs: string): string {
  const e = board.emulate!;
  const base = join(work, 'qemu.dtb');
  run(e.qemu, machineArgs(board, `,dumpdtb=${base}`), 'dumping the machine device tree');
  const dts = run('dtc', ['-q', '-I', 'dtb', '-O', 'dts', base], "reading QEMU's device tree");
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
  const source = join(work, 'boot.dts');
  writeFileSync(source, dts + chosen);
  const dtb = join(work, 'boot.dtb');
  run('dtc', ['-q', '-I', 'dts', '-O', 'dtb', '-o', dtb, source], 'compiling the boot device tree');
  return dtb;
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

