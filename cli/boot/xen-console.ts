/*
 * What booting any Xen guest under QEMU shares: the hypervisor cache, the
 * boot-argument line, the guest console's lossless ASCII form, and running
 * QEMU while reading the serial console, until the guest's exit line, a
 * failure (Xen panic, guest fault or crash, QEMU dying) or a timeout.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { BoardSpec, Emulation } from '../../board/spec';
import { UserError } from '../errors';

/** Exit code of `nymote boot` when the machine, not the app, failed. */
export const BOOT_FAILED = 125;

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
  /** Extra Linux kernel arguments for a full topology's dom0. */
  dom0Args?: string;
  /** The kinds of device the app needs (its manifest's devices): a full boot gives the guest these. */
  deviceKinds?: string[];
  /** A shell script a full topology's dom0 runs once the guest started (HIL actions such as xl network-detach). */
  dom0Script?: string;
}

/** A board whose machine QEMU emulates (its `emulate` is there). */
export type EmulatedBoard = BoardSpec & { emulate: Emulation };

export const isEmulated = (board: BoardSpec): board is EmulatedBoard => board.emulate !== undefined;

/** One Xen boot: the image, the emulated board that runs it, the app's arguments, the options. */
export interface XenBoot {
  /** The image folder; `image` is the guest's file in it. */
  dir: string;
  image: string;
  board: EmulatedBoard;
  args: string[];
  opts: XenBootOptions;
}

/** App arguments as the kernel's boot-argument splitter reads them back. */
export function bootArgsLine(args: string[], seedHex: string): string {
  const words = args.map((a) => {
    if (a.includes('"')) throw new UserError(`boot argument ${JSON.stringify(a)}: double quotes cannot reach the guest`);
    return a === '' || /\s/.test(a) ? `"${a}"` : a;
  });
  return [`nymote.seed=${seedHex}`, ...words].join(' ');
}

/** Runs a tool to completion; its stdout, or a UserError naming `what`. */
export function run(cmd: string, args: string[], what: string): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new UserError(`${what} failed (${cmd} ${args.join(' ')}):\n${r.stderr}`);
  return r.stdout;
}

/** The emulated machine; `machineOptions` are appended to its -machine value. */
export function machineArgs(board: EmulatedBoard, machineOptions = ''): string[] {
  const e = board.emulate;
  return ['-machine', e.machine + machineOptions, '-cpu', e.cpu, '-m', String(e.hostMemoryMiB), '-smp', '1',
    '-no-reboot', '-display', 'none', '-monitor', 'none'];
}

/**
 * Decodes one console line of the guest's lossless ASCII form (see
 * kernel/core/guest.h): "\\" is a backslash, "\xHH" a byte, and
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
  /** The guest's JS heap high-water mark and its arena, in bytes (reported at exit). */
  heap?: { peak: number; arena: number };
}

/**
 * How a topology's serial console shows the guest: `guestText` returns the
 * (still encoded) guest part of a line, or undefined for the machine's own
 * lines, which are checked against `failures`.
 */
export interface ConsoleReader {
  guestText(line: string): string | undefined;
  failures: [RegExp, string][];
  /** Machine lines worth showing as progress (on stderr), e.g. a dom0 that is ready. */
  progress?: RegExp;
  /** Machine lines that match a failure pattern but are no failure. */
  benign?: RegExp;
}

export const XEN_FAILURES: [RegExp, string][] = [
  [/Panic on CPU/, 'Xen panicked'],
  [/crashed on cpu|Domain \d+ crashed|domain_crash|Dom0 crashed/i, 'the guest crashed'],
  [/Data Abort Trap|Unhandled|Unexpected Trap/i, 'Xen trapped a guest fault'],
];

const GUEST_PREFIX = 'nymote-guest: ';

/**
 * The full topologies: the Linux dom0's /init (cli/dom0/init.sh) relays the
 * guest's console log as "nymote-guest: " lines and reports its own progress
 * and failures as "nymote-dom0: " lines.
 */
export const LINUX_DOM0_CONSOLE: ConsoleReader = {
  guestText: (line) => (line.startsWith(GUEST_PREFIX) ? line.slice(GUEST_PREFIX.length) : undefined),
  failures: [
    ...XEN_FAILURES,
    [/Kernel panic/, 'the Linux dom0 panicked'],
    [/^nymote-dom0: FAILED: /, 'the Linux dom0 could not start the guest'],
    [/^nymote-dom0: guest ended/, 'the guest ended without an exit line'],
  ],
  progress: /^nymote-dom0: (ready|guest started|warning)/,
  // An arm64 Linux probes firmware services (TRNG, vendor hypercalls) Xen does
  // not offer and clears GIC registers Xen does not emulate; Xen logs each one
  // as "unhandled" and Linux copes with the answer.
  benign: /^\(XEN\) d0v\d+:? (Unhandled SMC\/HVC: |vGIC[DR]: )/,
};

const TAIL_LINES = 60;

function remember(state: ConsoleState, line: string): void {
  state.tail.push(line);
  if (state.tail.length > TAIL_LINES) state.tail.shift();
}

function readConsoleLine(reader: ConsoleReader, line: string, state: ConsoleState, startedAt: number, verbose: boolean): string | undefined {
  remember(state, line);
  const guest = reader.guestText(line);
  if (guest !== undefined) {
    const { bytes, continued } = decodeGuestLine(guest);
    if (state.firstGuestLineS === undefined) state.firstGuestLineS = (Date.now() - startedAt) / 1000;
    state.partial.push(bytes);
    if (continued) return undefined;
    const text = Buffer.concat(state.partial).toString('utf8');
    state.partial = [];
    const heap = /^nymote: guest heap peak (\d+) of (\d+)$/.exec(text);
    if (heap) { state.heap = { peak: Number(heap[1]), arena: Number(heap[2]) }; return undefined; }
    const exit = /^nymote: guest exit (-?\d+)$/.exec(text);
    if (exit) { state.exitCode = Number(exit[1]); return undefined; }
    if (/^nymote: (guest fault|cannot boot)/.test(text)) state.failure ??= text;
    return text;
  }
  if (verbose) process.stderr.write(line + '\n');
  else if (reader.progress?.test(line)) process.stderr.write(`nymote boot: ${line.trim()}\n`);
  if (reader.benign?.test(line)) return undefined;
  for (const [pattern, why] of reader.failures) if (pattern.test(line)) state.failure ??= `${why}: ${line.trim()}`;
  return undefined;
}

export function runQemu(qemu: string, qemuArgs: string[], reader: ConsoleReader, opts: XenBootOptions): Promise<number> {
  const startedAt = Date.now();
  const state: ConsoleState = { partial: [], tail: [] };
  return new Promise((resolveCode, reject) => {
    const child = spawn(qemu, qemuArgs, { stdio: ['ignore', 'pipe', 'pipe'] });
    let pending = '';
    let settled = false;
    // Stopping `nymote boot` stops the machine: QEMU is ours, not a session of its own.
    const interrupted = (signal: NodeJS.Signals) => {
      state.failure ??= `stopped by ${signal}`;
      finish(128 + (signal === 'SIGINT' ? 2 : 15));
    };
    process.on('SIGTERM', interrupted);
    process.on('SIGINT', interrupted);
    const finish = (code: number) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      process.off('SIGTERM', interrupted);
      process.off('SIGINT', interrupted);
      child.kill('SIGKILL'); // Xen idles after the guest stops; QEMU never exits on its own
      const took = ((Date.now() - startedAt) / 1000).toFixed(2);
      const first = state.firstGuestLineS === undefined ? 'never' : `${state.firstGuestLineS.toFixed(2)} s`;
      if (state.failure !== undefined || code === BOOT_FAILED) {
        process.stderr.write(`nymote boot: ${state.failure ?? 'boot failed'} (after ${took} s). Last console lines:\n` +
          state.tail.map((l) => `  | ${l}`).join('\n') + '\n');
      } else {
        const heap = state.heap ? `; JS heap high-water mark ${(state.heap.peak / 1024).toFixed(1)} KiB of ${(state.heap.arena / 1024).toFixed(0)} KiB` : '';
        process.stderr.write(`nymote boot: QEMU start to the guest's first line: ${first}; guest exit ${code} after ${took} s${heap}\n`);
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
        const out = readConsoleLine(reader, line, state, startedAt, opts.verbose ?? false);
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
