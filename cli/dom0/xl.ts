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
