/*
 * Every board folder is well-formed: its devices are what its drivers.ts
 * exports, its boot recipe fits its platform and image, its load addresses
 * sit in the machine's RAM without overlapping, and the device-tree
 * fragments it names exist and compile once `nymote boot` fills them in.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { boardFile, loadBoards } from '../cli/boards';
import { dom0lessChosen, fullChosen } from '../cli/boot/xen-arm';
import { defineBoard, type BoardSpec, type XenArmBoot } from './spec';
import type * as unixDrivers from './unix/drivers';
import type * as xenDrivers from './xen-pv-drivers';

const boards = await loadBoards();
const MiB = 2 ** 20;

/** The boot kinds that run in an emulated machine, with the arch and image they boot. */
const XEN_BOOTS = { 'xen-arm': { arch: 'arm32', format: 'zimage' }, 'xen-x86': { arch: 'x86_64', format: 'pv-elf' } } as const;

/** A fragment, filled in, compiled under a root like QEMU virt's (2 address and 2 size cells) and read back. */
function compileFragment(fragment: string): string {
  expect(fragment).not.toMatch(/\$\{/);
  const source = `/dts-v1/;\n/ {\n\t#address-cells = <2>;\n\t#size-cells = <2>;\n\tchosen {\n\t};\n};\n${fragment}`;
  const dtb = spawnSync('dtc', ['-q', '-I', 'dts', '-O', 'dtb'], { input: source });
  expect(dtb.status, dtb.stderr?.toString()).toBe(0);
  const dts = spawnSync('dtc', ['-q', '-I', 'dtb', '-O', 'dts'], { input: dtb.stdout, encoding: 'utf8' });
  expect(dts.status, dts.stderr).toBe(0);
  return dts.stdout;
}

it('finds every board folder', () => {
  expect(boards.map((b) => b.name)).toEqual(['node', 'qemu-arm32', 'qemu-arm64', 'qemu-x86-xen', 'unix', 'xen-x86']);
});

describe.each(boards.map((b): [string, BoardSpec] => [b.name, b]))('board %s', (name, board) => {
  it('offers exactly the devices its drivers.ts exports', async () => {
    const drivers = (await import(`./${name}/drivers.ts`)) as Record<string, unknown>;
    expect([...board.devices].sort()).toEqual(Object.keys(drivers).sort());
    for (const kind of board.devices) expect(typeof drivers[kind]).toBe('function');
  });

  it('has a boot recipe that fits its platform and image', async () => {
    const { boot } = board;
    switch (boot.kind) {
      case 'process':
        expect([board.platform, board.image.format, board.emulate]).toEqual(['unix', 'executable', undefined]);
        break;
      case 'none':
        expect([board.platform, board.image.format, board.emulate]).toEqual(['node', 'none', undefined]);
        break;
      case 'xen-arm':
      case 'xen-x86':
        expect([board.platform, board.arch, board.image.format]).toEqual(['xen', XEN_BOOTS[boot.kind].arch, XEN_BOOTS[boot.kind].format]);
        expect(board.emulate).toBeDefined();
        expect(boot.xenArgs).toMatch(/^console=\S+/);
        if (boot.full) expect(board.emulate!.hostMemoryMiB).toBeGreaterThanOrEqual(boot.full.memoryMiB + board.memoryMiB + 64);
        break;
      case 'xen-domu': {
        expect([board.platform, board.emulate]).toEqual(['xen', undefined]);
        const host = boards.find((b) => b.name === boot.host);
        expect(host, `host board ${boot.host}`).toBeDefined();
        expect([host!.arch, host!.image.format]).toEqual([board.arch, board.image.format]);
        expect(host!.boot.kind === 'xen-arm' || host!.boot.kind === 'xen-x86' ? host!.boot.full : undefined).toBeDefined();
        break;
      }
      default:
        expect.unreachable(`unknown boot kind ${JSON.stringify(boot satisfies never)}`);
    }
  });

  it.runIf(board.boot.kind === 'xen-arm')('loads into RAM without overlaps, and its device-tree fragments compile', () => {
    const boot = board.boot as XenArmBoot;
    const ramEnd = boot.ramBase + board.emulate!.hostMemoryMiB * MiB;
    // QEMU puts Xen at RAM + 2 MiB and its device tree at RAM + 128 MiB (virt, 1 GiB and more).
    const reserved = boot.ramBase + 128 * MiB + 2 * MiB;
    const { guestAddress } = boot.dom0less;
    expect(guestAddress % MiB).toBe(0);
    expect(guestAddress).toBeGreaterThanOrEqual(reserved);
    expect(guestAddress + board.memoryMiB * MiB).toBeLessThanOrEqual(ramEnd);
    expect(existsSync(boardFile(board, boot.dom0less.chosen))).toBe(true);
    const dom0less = compileFragment(dom0lessChosen(board, boot, { bytes: 123456, memoryMiB: 16, args: 'nymote.seed=00 --say "hi\\"' }));
    expect(dom0less).toContain(`xen,xen-bootargs = "${boot.xenArgs} guest_loglvl=all";`);
    expect(dom0less).toContain(`reg = <0x${guestAddress.toString(16)} 0x1e240>;`);
    expect(dom0less).toContain('bootargs = "nymote.seed=00 --say \\"hi\\\\\\"";');
    expect(dom0less).toContain('memory = <0x00 0x4000>;');

    const { full } = boot;
    if (!full) return;
    expect(full.kernelAddress).toBeGreaterThanOrEqual(reserved);
    expect(full.initramfsAddress).toBeGreaterThan(full.kernelAddress);
    expect(full.initramfsAddress).toBeLessThan(ramEnd);
    expect(existsSync(boardFile(board, full.chosen))).toBe(true);
    const dts = compileFragment(fullChosen(board, boot, full, { kernelBytes: 0x2000000, initramfsBytes: 0x1000000, args: `${full.kernelArgs} loglevel=7` }));
    expect(dts).toContain(`xen,xen-bootargs = "${boot.xenArgs} dom0_mem=${full.memoryMiB}M dom0_max_vcpus=1 guest_loglvl=all";`);
    expect(dts).toContain(`reg = <0x00 0x${full.kernelAddress.toString(16)} 0x00 0x2000000>;`);
    expect(dts).toContain(`reg = <0x00 0x${full.initramfsAddress.toString(16)} 0x00 0x1000000>;`);
    expect(dts).toContain(`bootargs = "${full.kernelArgs} loglevel=7";`);
  });
});

it('types a Xen boot together with an emulated machine, and no other boot with one', () => {
  const common = { name: 't', description: 't', arch: 'arm32', platform: 'xen', memoryMiB: 16, devices: ['console'], image: { format: 'zimage' } } as const;
  const emulate = { qemu: 'qemu-system-arm', machine: 'virt', cpu: 'cortex-a15', hostMemoryMiB: 1024, xen: 'xen' };
  const arm: XenArmBoot = { kind: 'xen-arm', xenArgs: 'console=dtuart', ramBase: 0x40000000, dom0less: { chosen: 'c', guestAddress: 0x50000000 } };
  expect(defineBoard<typeof xenDrivers>({ ...common, boot: arm, emulate }).boot.kind).toBe('xen-arm');
  // @ts-expect-error a Xen boot needs the machine it runs in
  defineBoard<typeof xenDrivers>({ ...common, boot: arm });
  // @ts-expect-error a domU boots in its host board's machine, not one of its own
  defineBoard<typeof xenDrivers>({ ...common, boot: { kind: 'xen-domu', host: 'qemu-arm64' }, emulate });
  // @ts-expect-error devices are only the kinds drivers.ts exports (xen boards have no host files)
  defineBoard<typeof xenDrivers>({ ...common, devices: ['files'], boot: arm, emulate });
  expect(defineBoard<typeof unixDrivers>({ ...common, devices: ['files'], boot: { kind: 'process' } }).boot.kind).toBe('process');
});
