/*
 * Boots an arm32 guest image under QEMU + Debian's Xen, dom0less: QEMU's own
 * device tree plus a /chosen that names Xen's console and our domain, the
 * guest loaded by QEMU's loader device. The guest console (Xen prints it as
 * "(XEN) DOM1: …") goes to stdout; the guest's last line carries its exit
 * code. A Xen panic, a guest fault or crash, QEMU dying or a timeout fails
 * the boot with the console tail.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BoardSpec } from '../../board/spec';
import { UserError } from '../errors';
import { BUILD, display } from '../paths';

/** Exit code of `nymote boot` when the machine, not the app, failed. */
export const BOOT_FAILED = 125;
const GUEST_LOAD_ADDRESS = 0x50000000;

export function xenCache(): string {
  return join(process.env.NYMOTE_CACHE ?? '/var/cache/nymote', 'xen-4.17');
}

export function xenBinary(board: BoardSpec): string {
  if (!board.emulate) throw new UserError(`board '${board.name}' has no emulation recipe`);
  const path = join(xenCache(), board.emulate.xen);
  if (!existsSync(path)) throw new UserError(`${path} is missing: run 'make setup' (it fetches Debian's Xen hypervisors)`);
  return path;
}

export interface XenBootOptions {
  /** Guest RAM in MiB (default: the image's). */
  memoryMiB: number;
  /** Seconds before a silent or endless guest counts as hung. */
  timeoutS: number;
  /** Xen's own console lines to stderr as they come. */
  verbose?: boolean;
}

function dtsString(s: string): string {
  return '"' + s.replace(/\\/g, '\\\\').replace(/"/g, '\\"') + '"';
}

/** App arguments as the kernel's boot-argument splitter reads them back. */
export function bootArgsLine(args: string[], seedHex: string): string {
  const words = args.map((a) => {
    if (a.includes('"')) throw new UserError(`boot argument ${JSON.stringify(a)}: double quotes cannot cross the device tree`);
    return a === '' || /\s/.test(a) ? `"${a}"` : a;
  });
  return [`nymote.seed=${seedHex}`, ...words].join(' ');
}

/** Runs a tool to completion; its stdout, or a UserError naming `what`. */
function run(cmd: string, args: string[], what: string): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new UserError(`${what} failed (${cmd} ${args.join(' ')}):\n${r.stderr}`);
  return r.stdout;
}

/** The emulated machine; `machineOptions` are appended to its -machine value. */
function machineArgs(board: BoardSpec, machineOptions = ''): string[] {
  const e = board.emulate!;
  return ['-machine', e.machine + machineOptions, '-cpu', e.cpu, '-m', String(e.hostMemoryMiB), '-smp', '1',
    '-no-reboot', '-display', 'none', '-monitor', 'none'];
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

/**
 * Decodes one console line of the guest's lossless ASCII form (see
 * kernel/arch/arm32/platform.c): "\\" is a backslash, "\xHH" a byte, and
 * a trailing lone "\" continues the line on the next one.
 */
export function decodeGuestLine(text: string): { bytes: Buffer; continued: boolean } {
  const out: number[] = [];
  let continued = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c !== '\\') { out.push(...Buffer.from(c, 'latin1')); continue; }
    if (i === text.length - 1) { continued = true; break; }
    const next = text[i + 1];
    if (next === '\\') { out.push(0x5c); i++; continue; }
    const hex = next === 'x' ? /^[0-9a-f]{2}/.exec(text.slice(i + 2, i + 4)) : null;
    if (hex) { out.push(parseInt(hex[0], 16)); i += 3; continue; }
    out.push(0x5c); // not an escape the kernel writes: keep it as it came
  }
  return { bytes: Buffer.from(out), continued };
}

interface ConsoleState {
  /** Bytes of a guest line continued on the next console line. */
  partial: Buffer[];
  tail: string[];
  exitCode?: number;
  failure?: string;
  firstGuestLineS?: number;
}

const GUEST_LINE = /^\(XEN\) DOM\d+: ?(.*)$|^\(d\d+\) ?(.*)$/;
const XEN_FAILURES: [RegExp, string][] = [
  [/Panic on CPU/, 'Xen panicked'],
  [/crashed on cpu|Domain \d+ crashed|domain_crash/i, 'the guest crashed'],
  [/Data Abort Trap|Unhandled|Unexpected Trap/i, 'Xen trapped a guest fault'],
];

const TAIL_LINES = 60;

function remember(state: ConsoleState, line: string): void {
  state.tail.push(line);
  if (state.tail.length > TAIL_LINES) state.tail.shift();
}

function readConsoleLine(line: string, state: ConsoleState, startedAt: number, verbose: boolean): string | undefined {
  remember(state, line);
  const guest = GUEST_LINE.exec(line);
  if (guest) {
    const { bytes, continued } = decodeGuestLine(guest[1] ?? guest[2] ?? '');
    if (state.firstGuestLineS === undefined) state.firstGuestLineS = (Date.now() - startedAt) / 1000;
    state.partial.push(bytes);
    if (continued) return undefined;
    const text = Buffer.concat(state.partial).toString('utf8');
    state.partial = [];
    const exit = /^nymote: guest exit (-?\d+)$/.exec(text);
    if (exit) { state.exitCode = Number(exit[1]); return undefined; }
    if (/^nymote: (guest fault|cannot boot)/.test(text)) state.failure ??= text;
    return text;
  }
  if (verbose) process.stderr.write(line + '\n');
  for (const [pattern, why] of XEN_FAILURES) if (pattern.test(line)) state.failure ??= `${why}: ${line.trim()}`;
  return undefined;
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
    return await runQemu(e.qemu, qemuArgs, opts);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function runQemu(qemu: string, qemuArgs: string[], opts: XenBootOptions): Promise<number> {
  const startedAt = Date.now();
  const state: ConsoleState = { partial: [], tail: [] };
  return new Promise((resolveCode, reject) => {
    const child = spawn(qemu, qemuArgs, { stdio: ['ignore', 'pipe', 'pipe'] });
    let pending = '';
    let settled = false;
    const finish = (code: number) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.kill('SIGKILL'); // Xen idles after the guest stops; QEMU never exits on its own
      const took = ((Date.now() - startedAt) / 1000).toFixed(2);
      const first = state.firstGuestLineS === undefined ? 'never' : `${state.firstGuestLineS.toFixed(2)} s`;
      if (state.failure !== undefined || code === BOOT_FAILED) {
        process.stderr.write(`nymote boot: ${state.failure ?? 'boot failed'} (after ${took} s). Last console lines:\n` +
          state.tail.map((l) => `  | ${l}`).join('\n') + '\n');
      } else {
        process.stderr.write(`nymote boot: QEMU start to the guest's first line: ${first}; guest exit ${code} after ${took} s\n`);
      }
      resolveCode(code);
    };
    const timer = setTimeout(() => {
      state.failure ??= `no guest exit within ${opts.timeoutS} s (hang)`;
      finish(BOOT_FAILED);
    }, opts.timeoutS * 1000);
    const onData = (chunk: Buffer) => {
      pending += chunk.toString('utf8').replace(/\r/g, '');
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        const out = readConsoleLine(line, state, startedAt, opts.verbose ?? false);
        if (out !== undefined) process.stdout.write(out + '\n');
        if (state.failure !== undefined) {
          // Let the fault report and Xen's reaction reach the tail, then stop.
          setTimeout(() => finish(BOOT_FAILED), 300);
          return;
        }
        if (state.exitCode !== undefined) { finish(state.exitCode); return; }
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (c: Buffer) => { for (const l of c.toString('utf8').split('\n')) if (l) remember(state, l); });
    child.on('error', (err) => { if (!settled) { settled = true; clearTimeout(timer); reject(err); } });
    child.on('exit', () => {
      if (settled) return;
      state.failure ??= 'QEMU exited before the guest did';
      finish(BOOT_FAILED);
    });
  });
}
