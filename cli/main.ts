/* The `nymote` command. */
import { Command, CommanderError } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { findBoard, loadBoards } from './boards';
import { build, type Manifest } from './build/index';
import { bootOnBoard, type BootOptions } from './boot/recipes';
import { diskCreate, diskFsck, diskGet, diskLs, diskMkdir, diskPut, diskRepair, diskRm } from './disk/index';
import { UserError } from './errors';
import { runOnNode } from './node-board/run';
import { newApp, TEMPLATES } from './new';
import { display } from './paths';

/** Runs a built image the way its board boots (see cli/boot/recipes.ts); resolves to its exit code. */
export async function bootImage(dir: string, args: string[], opts: BootOptions = {}): Promise<number> {
  const manifestPath = join(dir, 'manifest.json');
  if (!existsSync(manifestPath)) throw new UserError(`${display(dir)} is not an image folder (no manifest.json); build one with 'nymote build'`);
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest;
  return bootOnBoard({ dir, manifest, board: await findBoard(manifest.board), args, opts });
}

export async function main(argv: string[]): Promise<number> {
  let exitCode = 0;
  const program = new Command('nymote')
    .description('TypeScript applications as tiny appliance images')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });

  program.command('new')
    .description('scaffold an app folder (<name>/app.ts + content/, under apps/ if the current folder has one) from a template')
    .argument('<name>', "the app's name (lower-case letters, digits, '-')")
    .option('-t, --template <template>', `what to start from: ${Object.entries(TEMPLATES).map(([k, v]) => `${k} (${v})`).join('; ')}`, 'homepage')
    .option('-d, --dir <folder>', 'where the app folder goes (default: apps/ if the current folder has one, else the current folder)')
    .action((name: string, o: { template: string; dir?: string }) => {
      process.stdout.write(newApp(name, { template: o.template, dir: o.dir }) + '\n');
    });

  program.command('build')
    .description('build an app into images/<app>-<board>/ (image, bytecode, manifest, sizes)')
    .argument('<app>', 'app folder (holding app.ts) or app.ts')
    .option('-b, --board <name>', 'target board (see nymote boards)', 'unix')
    .option('-o, --out <dir>', 'images folder', 'images')
    .option('-q, --quiet', 'no progress or size report')
    .action(async (app: string, o: { board: string; out: string; quiet?: boolean }) => {
      const board = await findBoard(o.board);
      const { dir } = await build(app, board, { outDir: resolve(o.out), quiet: o.quiet, force: true });
      if (o.quiet) process.stdout.write(display(dir) + '\n');
    });

  program.command('run')
    .description('build (if needed) and run an app on this machine; its exit code is ours')
    .argument('<app>', 'app folder (holding app.ts) or app.ts')
    .argument('[args...]', 'boot arguments for the app (after --)')
    .option('-b, --board <name>', 'unix (the kernel as a process) or node (the TypeScript under Node)', 'unix')
    .option('-o, --out <dir>', 'images folder', 'images')
    .option('-q, --quiet', 'no build progress')
    .action(async (app: string, args: string[], o: { board: string; out: string; quiet?: boolean }) => {
      const board = await findBoard(o.board);
      if (board.platform === 'node') {
        exitCode = await runOnNode(app, args, { outDir: resolve(o.out), quiet: o.quiet });
        return;
      }
      if (board.platform !== 'unix') throw new UserError(`'run' runs on this machine (board unix or node); use 'nymote build -b ${board.name}' and 'nymote boot' for '${board.name}'`);
      const { dir } = await build(app, board, { outDir: resolve(o.out), quiet: o.quiet });
      exitCode = await bootImage(dir, args);
    });

  program.command('dev')
    .description('run an app on the node board (its TypeScript under Node, host sockets) and restart it when a source file changes')
    .argument('<app>', 'app folder (holding app.ts) or app.ts')
    .argument('[args...]', 'boot arguments for the app (after --), e.g. -- --port 8080')
    .option('-o, --out <dir>', 'images folder (for the data volume made from content/)', 'images')
    .option('-q, --quiet', 'no progress lines')
    .action(async (app: string, args: string[], o: { out: string; quiet?: boolean }) => {
      exitCode = await runOnNode(app, args, { outDir: resolve(o.out), quiet: o.quiet, watch: true });
    });

  program.command('boot')
    .description('run a built image (unix: as a process; virtual boards: QEMU + Xen, guest console on stdout)')
    .argument('<image-dir>', 'images/<app>-<board>')
    .argument('[args...]', 'boot arguments for the app (after --)')
    .option('--memory <MiB>', 'guest RAM (virtual boards; default: the image\'s)')
    .option('--timeout <seconds>', 'fail the boot when the guest has not exited by then (virtual boards)', '300')
    .option('--full', "boot the board's real topology: Xen + a Linux dom0 that starts the guest with xl")
    .option('--dom0-args <args>', "extra kernel arguments for the Linux dom0 (with --full), e.g. 'loglevel=7'")
    .option('--dom0-script <file>', 'a shell script the Linux dom0 runs once the guest started (with --full), e.g. xl network-detach')
    .option('-v, --verbose', "also show the hypervisor's console on stderr")
    .action(async (dir: string, args: string[], o: BootOptions) => {
      exitCode = await bootImage(resolve(dir), args, o);
    });

  const disk = program.command('disk').description('FAT32 data volumes: create, inspect and fill them (our store code)');
  const say = (text: string) => process.stdout.write(text + '\n');
  disk.command('create').description('create a sparse volume file and format it FAT32')
    .argument('<volume>', 'volume file (e.g. data.img)').argument('<size>', '64M, 1G, 32GiB, ...')
    .option('-l, --label <label>', 'volume label (up to 11 characters)')
    .option('-c, --cluster-size <bytes>', '512 .. 32K (default: from the size, as mkfs.fat chooses)')
    .option('-f, --force', 'overwrite an existing file')
    .action(async (v: string, size: string, o: { label?: string; clusterSize?: string; force?: boolean }) => { say(await diskCreate(v, size, o)); });
  disk.command('ls').description('list a directory (or one file) on the volume')
    .argument('<volume>').argument('[path]', 'path on the volume', '/')
    .action(async (v: string, p: string) => { say(await diskLs(v, p)); });
  disk.command('put').description('copy a host file or directory onto the volume (missing parents are made)')
    .argument('<volume>').argument('<host-path>').argument('[path]', 'destination; an existing directory or a path ending in / receives it', '/')
    .action(async (v: string, h: string, p: string) => { say(await diskPut(v, h, p)); });
  disk.command('get').description('copy a file or directory from the volume to the host')
    .argument('<volume>').argument('<path>').argument('[host-path]', 'destination (an existing directory receives it)', '.')
    .action(async (v: string, p: string, h: string) => { say(await diskGet(v, p, h)); });
  disk.command('rm').description('remove a file or an empty directory')
    .argument('<volume>').argument('<path>').option('-r, --recursive', 'remove a directory and everything in it')
    .action(async (v: string, p: string, o: { recursive?: boolean }) => { say(await diskRm(v, p, o)); });
  disk.command('mkdir').description('make a directory on the volume')
    .argument('<volume>').argument('<path>').option('-p, --parents', 'make missing parents too')
    .action(async (v: string, p: string, o: { parents?: boolean }) => { say(await diskMkdir(v, p, o)); });
  disk.command('fsck').description('check the volume without changing it (exit code 1 when it finds a problem)')
    .argument('<volume>').option('--repair', 'first mount it once read-write, repairing what a power cut left')
    .action(async (v: string, o: { repair?: boolean }) => {
      if (o.repair) say(await diskRepair(v));
      const r = await diskFsck(v);
      say(r.text);
      exitCode = r.ok ? 0 : 1;
    });

  program.command('boards')
    .description('list the boards an app can be built for')
    .action(async () => {
      for (const b of await loadBoards()) {
        process.stdout.write(`${b.name.padEnd(12)} ${b.platform}/${b.arch}${b.platform === 'node' ? '' : `, ${b.memoryMiB} MiB`}: ${b.description}\n`);
      }
    });

  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode;
    if (e instanceof UserError) {
      process.stderr.write(`nymote: ${e.message}\n`);
      return e.exitCode;
    }
    throw e;
  }
}
