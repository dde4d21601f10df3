/*
 * How `nymote boot` runs an image: one recipe per kind of board boot
 * (BoardBoot in board/spec.ts), chosen by the board's `boot.kind`. The
 * recipes hold the how (QEMU, Xen, a Linux dom0); the board's folder holds
 * its numbers and strings (load addresses, Xen's console, device-tree
 * fragments, which dom0), so a new board of a known kind is one folder.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BoardBoot, BoardSpec } from '../../board/spec';
import { findBoard, loadBoards } from '../boards';
import { wantsDataDisk } from '../build/appinfo';
import type { Manifest } from '../build/index';
import { runForeground } from '../child';
import { UserError } from '../errors';
import { bootXenArm, bootXenArmFull } from './xen-arm';
import { isEmulated, type XenBoot } from './xen-console';
import { bootXenX86, bootXenX86Full } from './xen-x86';

/** `nymote boot`'s own options (those before `--`). */
export interface BootOptions {
  memory?: string;
  timeout?: string;
  verbose?: boolean;
  /** Boot the full topology: a Linux dom0 that starts the guest with xl. */
  full?: boolean;
  /** Extra kernel arguments for the full topology's Linux dom0. */
  dom0Args?: string;
  /** A shell script file the full topology's dom0 runs once the guest started. */
  dom0Script?: string;
}

export interface BootRequest {
  /** The image folder and its manifest. */
  dir: string;
  manifest: Manifest;
  /** The board whose recipe runs the image: the image's own, or a domU's host. */
  board: BoardSpec;
  /** The app's boot arguments (after `--`). */
  args: string[];
  opts: BootOptions;
}

type Recipe<B extends BoardBoot> = (req: BootRequest, boot: B) => Promise<number>;
type Recipes = { readonly [K in BoardBoot['kind']]: Recipe<Extract<BoardBoot, { kind: K }>> };

function positiveNumber(value: string | undefined, fallback: number, what: string): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new UserError(`${what} must be a positive number, not '${value}'`);
  return n;
}

/**
 * The image's data volume is the app's disk unless the arguments name one
 * (--disk PATH, or --<device> PATH): on the unix board the file itself, in
 * a full boot the disk dom0 exports to the guest.
 */
function withDataVolume(dir: string, m: Manifest, args: string[]): string[] {
  return m.data && wantsDataDisk(m.devices ?? {}, args) ? [...args, '--disk', join(dir, m.data.image)] : args;
}

/** What every Xen recipe starts from: the options checked, the board's machine there. */
function xenBoot({ dir, manifest: m, board, args, opts }: BootRequest): XenBoot {
  if (!isEmulated(board)) throw new UserError(`board '${board.name}' cannot be emulated`);
  if (opts.dom0Args !== undefined && !opts.full) throw new UserError('--dom0-args needs --full (only the full topology has a Linux dom0)');
  return {
    dir,
    image: m.image,
    board,
    args: opts.full ? withDataVolume(dir, m, args) : args,
    opts: {
      memoryMiB: positiveNumber(opts.memory, m.memoryMiB, '--memory'),
      timeoutS: positiveNumber(opts.timeout, 300, '--timeout'),
      verbose: opts.verbose,
      dom0Args: opts.dom0Args,
      deviceKinds: Object.values(m.devices ?? {}),
      dom0Script: opts.dom0Script !== undefined ? readFileSync(opts.dom0Script, 'utf8') : undefined,
    },
  };
}

/** A board with no full topology: say which boards have one. */
async function noFullTopology(board: BoardSpec): Promise<never> {
  const boards = (await loadBoards()).filter((b) => (b.boot.kind === 'xen-arm' || b.boot.kind === 'xen-x86') && b.boot.full);
  throw new UserError(`--full is not there for board '${board.name}': no Linux dom0 for its ${board.emulate?.xen ?? 'Xen'} is packaged here (${boards.map((b) => b.name).join(', ')} boot one)`);
}

const RECIPES: Recipes = {
  process: ({ dir, manifest, args }) => runForeground(join(dir, manifest.image), withDataVolume(dir, manifest, args)),
  none: async ({ board }) => {
    throw new UserError(`board '${board.name}' has no image to boot: run the app with 'nymote run APP -b ${board.name}'`);
  },
  'xen-arm': async (req, boot) => {
    const xen = xenBoot(req);
    if (!req.opts.full) return bootXenArm(xen, boot);
    return boot.full ? bootXenArmFull(xen, boot, boot.full) : noFullTopology(req.board);
  },
  'xen-x86': async (req, boot) => {
    const xen = xenBoot(req);
    if (!req.opts.full) return bootXenX86(xen, boot);
    return boot.full ? bootXenX86Full(xen, boot, boot.full) : noFullTopology(req.board);
  },
  // As on a Xen host: an xl domU beside a Linux dom0, in the host board's machine.
  'xen-domu': async (req, boot) => {
    const host = await findBoard(boot.host);
    if (host.arch !== req.board.arch) throw new UserError(`board '${req.board.name}' (${req.board.arch}) names '${host.name}' (${host.arch}) as its host`);
    return bootOnBoard({ ...req, board: host, opts: { ...req.opts, full: true } });
  },
};

/** Runs the image with its board's recipe; resolves to the app's exit code. */
export const bootOnBoard = (req: BootRequest): Promise<number> => {
  const { boot } = req.board;
  // RECIPES is typed per kind; indexed by a union kind TypeScript cannot pair it with `boot`.
  const recipe = RECIPES[boot.kind] as Recipe<typeof boot>;
  return recipe(req, boot);
};
