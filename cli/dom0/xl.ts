/* xl domain configurations for our PV guests (xl.cfg(5)). */
import { UserError } from '../errors';

export interface XlGuest {
  name: string;
  kernel: string;
  memoryMiB: number;
  /** The guest's command line (boot arguments). */
  extra?: string;
  comment?: string;
  /**
   * 'x86' (default): a PV guest with its PV console ring. 'arm': xl's
   * default type there (PVH), with the emulated PL011 our arm32 guest writes
   * to; xenconsoled logs it as `<name>-vuart0.log`.
   */
  platform?: 'x86' | 'arm';
  /** xl network device specs (xl-network-configuration(5)), e.g. "bridge=xenbr0,mac=…". */
  vifs?: string[];
  /** xl disk specs (xl-disk-configuration(5)). */
  disks?: string[];
}

function quoted(value: string, what: string): string {
  if (/["\\\n]/.test(value)) throw new UserError(`${what} ${JSON.stringify(value)}: an xl config string cannot hold quotes, backslashes or newlines`);
  return `"${value}"`;
}

export function xlConfig(g: XlGuest): string {
  return [
    ...(g.comment ? g.comment.split('\n').map((l) => `# ${l}`) : []),
    `name = ${quoted(g.name, 'guest name')}`,
    ...(g.platform === 'arm' ? [] : ['type = "pv"']),
    `kernel = ${quoted(g.kernel, 'kernel path')}`,
    `memory = ${Math.ceil(g.memoryMiB)}`,
    'vcpus = 1',
    ...(g.platform === 'arm' ? ['vuart = "sbsa_uart"'] : []),
    `extra = ${quoted(g.extra ?? '', 'boot arguments')}`,
    ...(g.vifs?.length ? [`vif = [ ${g.vifs.map((v) => quoted(v, 'vif spec')).join(', ')} ]`] : []),
    ...(g.disks?.length ? [`disk = [ ${g.disks.map((d) => quoted(d, 'disk spec')).join(', ')} ]`] : []),
    'on_poweroff = "destroy"',
    // A crashed guest stays listed (state "c") so the toolstack can report it.
    'on_crash = "preserve"',
    '',
  ].join('\n');
}

/*
 * libxc's zImage32 loader (xl create) puts the file at guest RAM + 32 KiB
 * whatever its header says, and enters it at the header's load address. Our
 * image runs where it is linked (its header's load address, 2 MiB further
 * up: see kernel/arch/arm32/link.ld), so xl gets it behind zeroes that land
 * it there, headed by a copy of its zImage header for the entry point.
 */
const XL_GUEST_RAM_BASE = 0x40000000;
export const XL_ZIMAGE_OFFSET = 0x8000;
const ZIMAGE_MAGIC = 0x016f2818;

export function xlLoadableZimage(image: Buffer): Buffer {
  if (image.length < 0x30 || image.readUInt32LE(0x24) !== ZIMAGE_MAGIC) throw new UserError('the guest image is not an ARM zImage (no magic at 0x24)');
  const padding = image.readUInt32LE(0x28) - (XL_GUEST_RAM_BASE + XL_ZIMAGE_OFFSET);
  if (padding < 0x30 || padding > 64 * 2 ** 20) throw new UserError(`the guest zImage's load address 0x${image.readUInt32LE(0x28).toString(16)} is not one xl can reach`);
  const head = Buffer.alloc(padding);
  image.copy(head, 0, 0, 0x30);
  return Buffer.concat([head, image]);
}
