/*
 * Assembles a virtual board's Linux dom0 (DESIGN.md §6) from the Debian
 * packages scripts/fetch-dom0.sh unpacked: Debian's kernel, and an initramfs
 * of busybox-static, xen-utils' toolstack with exactly the shared libraries
 * their ELF files ask for, the Xen kernel modules and our /init. The base
 * initramfs is cached by the hash of its inputs; each boot appends a small
 * archive with the guest.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, realpathSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from '../boot/xen-console';
import { UserError } from '../errors';
import { BUILD } from '../paths';
import { parentDirs, writeCpio, type CpioEntry } from './cpio';

export type Dom0Arch = 'amd64' | 'arm64';

const TRIPLET: Record<Dom0Arch, string> = { amd64: 'x86_64-linux-gnu', arm64: 'aarch64-linux-gnu' };

/** The toolstack programs dom0 runs (xen-utils-4.17). */
const XEN_TOOLS = ['xl', 'xenstored', 'xenconsoled', 'xen-init-dom0', 'xenconsole'];
/** Loaded by glibc at run time (pthread_cancel), so in no NEEDED list; xl aborts without it. */
const DLOPENED = ['libgcc_s.so.1'];
/** The hotplug scripts write xenstore keys with these (xenstore-utils). */
const XENSTORE_TOOLS = ['xenstore-read', 'xenstore-write', 'xenstore-rm'];
/**
 * Kernel modules /init loads, in order (each after what it uses): Xen's
 * device files, the bridge, netback and blkback, the machine's virtio NIC
 * and disk (PCI on x86, MMIO on arm64). One built into the kernel is skipped.
 */
const MODULES = [
  'drivers/xen/xen-evtchn.ko', 'drivers/xen/xen-privcmd.ko', 'drivers/xen/xenfs/xenfs.ko',
  'drivers/xen/xen-gntdev.ko', 'drivers/xen/xen-gntalloc.ko',
  'net/llc/llc.ko', 'net/802/stp.ko', 'net/bridge/bridge.ko',
  'drivers/net/xen-netback/xen-netback.ko', 'drivers/block/xen-blkback/xen-blkback.ko',
  'drivers/virtio/virtio_ring.ko', 'drivers/virtio/virtio.ko', 'drivers/virtio/virtio_mmio.ko',
  'drivers/virtio/virtio_pci_legacy_dev.ko', 'drivers/virtio/virtio_pci_modern_dev.ko', 'drivers/virtio/virtio_pci.ko',
  'net/core/failover.ko', 'drivers/net/net_failover.ko', 'drivers/net/virtio_net.ko', 'drivers/block/virtio_blk.ko',
];

const HERE = dirname(fileURLToPath(import.meta.url));
const INIT_SCRIPT = join(HERE, 'init.sh');
/** Our hotplug scripts, by the name the xl config gives them (cli/dom0/devices.ts). */
const HOTPLUG_SCRIPTS: Record<string, string> = { 'nymote-vif': join(HERE, 'vif.sh'), 'nymote-block': join(HERE, 'block.sh') };

export interface Dom0 {
  /** Debian's kernel image, as Xen loads it for dom0. */
  kernel: string;
  /** The cached base initramfs (newc cpio). */
  initramfs: string;
  /** "Package Version" lines of what it is made of. */
  packages: string;
}

export function dom0Root(arch: Dom0Arch): string {
  return join(process.env.NYMOTE_CACHE ?? '/var/cache/nymote', `dom0-${arch}`, 'root');
}

/** The shared libraries an ELF file asks for, and its interpreter. */
function elfNeeds(file: string): { needed: string[]; interpreter?: string } {
  const dynamic = run('readelf', ['-d', '-W', file], `reading ${file}`);
  const needed = [...dynamic.matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1]);
  const headers = run('readelf', ['-l', '-W', file], `reading ${file}`);
  const interpreter = /Requesting program interpreter: ([^\]]+)\]/.exec(headers)?.[1];
  return { needed, interpreter };
}

/**
 * Every file of the toolstack with the libraries it loads, closed over NEEDED,
 * as archive path → file on disk (symlinks resolved: the archive holds plain
 * files under the names the loader looks for).
 */
function toolstackFiles(root: string, arch: Dom0Arch): Map<string, string> {
  const libDirs = [`lib/${TRIPLET[arch]}`, `usr/lib/${TRIPLET[arch]}`];
  const files = new Map<string, string>();
  const queue: string[] = [];
  const add = (archivePath: string, onDisk: string) => {
    if (files.has(archivePath)) return;
    if (!existsSync(onDisk)) throw new UserError(`dom0-${arch}: ${archivePath} is missing from ${root}; run 'make setup'`);
    files.set(archivePath, realpathSync(onDisk));
    queue.push(archivePath);
  };
  const addLibrary = (soname: string, wantedBy: string) => {
    const dir = libDirs.find((d) => existsSync(join(root, d, soname)));
    if (!dir) throw new UserError(`dom0-${arch}: ${wantedBy} needs ${soname}, which no fetched package holds: add its package to scripts/fetch-dom0.sh`);
    add(`${dir}/${soname}`, join(root, dir, soname));
  };
  add('bin/busybox', join(root, 'bin/busybox'));
  for (const tool of XEN_TOOLS) add(`usr/lib/xen-4.17/bin/${tool}`, join(root, 'usr/lib/xen-4.17/bin', tool));
  for (const tool of XENSTORE_TOOLS) add(`usr/bin/${tool}`, join(root, 'usr/bin', tool));
  for (const lib of DLOPENED) addLibrary(lib, 'glibc');
  while (queue.length) {
    const archivePath = queue.shift()!;
    const { needed, interpreter } = elfNeeds(files.get(archivePath)!);
    if (interpreter) add(interpreter.replace(/^\//, ''), join(root, interpreter));
    for (const soname of needed) addLibrary(soname, archivePath);
  }
  return files;
}

function kernelImage(root: string, arch: Dom0Arch): string {
  const boot = join(root, 'boot');
  const images = existsSync(boot) ? readdirSync(boot).filter((f) => f.startsWith('vmlinuz-')) : [];
  if (images.length !== 1) throw new UserError(`dom0-${arch}: expected one kernel in ${boot}, found ${images.length}; run 'make setup'`);
  return join(boot, images[0]);
}

function moduleDir(root: string): string {
  const base = join(root, 'lib/modules');
  const versions = existsSync(base) ? readdirSync(base) : [];
  if (versions.length !== 1) throw new UserError(`expected one kernel's modules in ${base}, found ${versions.length}`);
  return join(base, versions[0], 'kernel');
}

/** Builds (or finds in the cache) the dom0 kernel and base initramfs for `arch`. */
export function assembleDom0(arch: Dom0Arch): Dom0 {
  const root = dom0Root(arch);
  if (!existsSync(join(root, '..', 'complete'))) {
    throw new UserError(`the ${arch} dom0 has not been fetched (${dirname(root)}): run 'make setup'`);
  }
  const packages = readFileSync(join(root, '.packages'), 'utf8');
  const init = readFileSync(INIT_SCRIPT);
  const scripts = Object.entries(HOTPLUG_SCRIPTS).map(([name, file]) => ({ name, data: readFileSync(file) }));
  const key = createHash('sha256').update(packages).update(init).update(MODULES.join()).update(XEN_TOOLS.join())
    .update(XENSTORE_TOOLS.join()).update(Buffer.concat(scripts.map((x) => x.data)))
    .update(readFileSync(fileURLToPath(import.meta.url))).digest('hex').slice(0, 16);
  const kernel = kernelImage(root, arch);
  const cached = join(BUILD, 'dom0', `initramfs-${arch}-${key}.cpio`);
  if (existsSync(cached)) return { kernel, initramfs: cached, packages };

  const files = toolstackFiles(root, arch);
  const modules = moduleDir(root);
  const builtin = existsSync(join(modules, '..', 'modules.builtin')) ? readFileSync(join(modules, '..', 'modules.builtin'), 'utf8') : '';
  const wanted = MODULES.filter((m) => existsSync(join(modules, m)) || !builtin.split('\n').includes(`kernel/${m}`));
  const moduleNames = wanted.map((m) => m.slice(m.lastIndexOf('/') + 1));
  const filePaths = [...files.keys()];
  const entries: CpioEntry[] = [
    ...parentDirs([...filePaths, 'lib/modules/x', 'etc/nymote/x', 'etc/xen/scripts/x', 'usr/lib/xen-4.17/bin/x']).map((d): CpioEntry => ({ kind: 'dir', path: d })),
    { kind: 'file', path: 'init', data: init, mode: 0o755 },
    ...scripts.map((x): CpioEntry => ({ kind: 'file', path: `etc/xen/scripts/${x.name}`, data: x.data, mode: 0o755 })),
    { kind: 'file', path: 'etc/nymote/modules', data: Buffer.from(moduleNames.join('\n') + '\n') },
    ...filePaths.map((p): CpioEntry => {
      const onDisk = files.get(p)!;
      return { kind: 'file', path: p, data: readFileSync(onDisk), mode: statSync(onDisk).mode & 0o777 };
    }),
    ...wanted.map((m, i): CpioEntry => {
      const file = join(modules, m);
      if (!existsSync(file)) throw new UserError(`dom0-${arch}: kernel module ${m} is missing from ${modules}`);
      return { kind: 'file', path: `lib/modules/${moduleNames[i]}`, data: readFileSync(file) };
    }),
    // the loader's usual name, for ELF files that ask for it by this path
    ...(arch === 'amd64' && !files.has('lib64/ld-linux-x86-64.so.2')
      ? [{ kind: 'symlink', path: 'lib64/ld-linux-x86-64.so.2', target: `/lib/${TRIPLET.amd64}/ld-linux-x86-64.so.2` } as CpioEntry]
      : []),
  ];
  mkdirSync(dirname(cached), { recursive: true });
  const tmp = `${cached}.${process.pid}.tmp`;
  writeFileSync(tmp, writeCpio(entries));
  renameSync(tmp, cached);
  return { kernel, initramfs: cached, packages };
}

/**
 * The per-boot archive: the guest kernel and its xl configuration under
 * /guest, and, where the guest's console is not its PV ring (ARM's vuart),
 * the name of the xenconsoled log /init relays (guest/console-log).
 */
export function guestArchive(guestKernel: Uint8Array, xlConfigText: string, consoleLog?: string, dom0Script?: string): Buffer {
  return writeCpio([
    { kind: 'dir', path: 'guest' },
    // run by /init in dom0 once the guest started (a HIL run's actions on it)
    ...(dom0Script ? [{ kind: 'file', path: 'guest/dom0-script', data: Buffer.from(dom0Script), mode: 0o755 } as CpioEntry] : []),
    { kind: 'file', path: 'guest/kernel', data: guestKernel },
    { kind: 'file', path: 'guest/guest.cfg', data: Buffer.from(xlConfigText) },
    ...(consoleLog ? [{ kind: 'file', path: 'guest/console-log', data: Buffer.from(consoleLog + '\n') } as CpioEntry] : []),
  ], 1_000_000);
}
