/* xl domain configurations for our PV guests (xl.cfg(5)). */
import { UserError } from '../errors';

export interface XlGuest {
  name: string;
  kernel: string;
  memoryMiB: number;
  /** The guest's command line (boot arguments). */
  extra?: string;
  comment?: string;
}

function quoted(value: string, what: string): string {
  if (/["\\\n]/.test(value)) throw new UserError(`${what} ${JSON.stringify(value)}: an xl config string cannot hold quotes, backslashes or newlines`);
  return `"${value}"`;
}

export function xlConfig(g: XlGuest): string {
  return [
    ...(g.comment ? g.comment.split('\n').map((l) => `# ${l}`) : []),
    `name = ${quoted(g.name, 'guest name')}`,
    'type = "pv"',
    `kernel = ${quoted(g.kernel, 'kernel path')}`,
    `memory = ${Math.ceil(g.memoryMiB)}`,
    'vcpus = 1',
    `extra = ${quoted(g.extra ?? '', 'boot arguments')}`,
    'on_poweroff = "destroy"',
    // A crashed guest stays listed (state "c") so the toolstack can report it.
    'on_crash = "preserve"',
    '',
  ].join('\n');
}
