/* Boot arguments (Mirage's keys): `--key value`, `--key=value`, `--flag`. */

export interface BootArgs {
  /** `--key value` and `--key=value` pairs; a bare `--flag` maps to "true". */
  readonly options: { readonly [key: string]: string };
  readonly all: readonly string[];
}

export function parseBootArgs(all: string[]): BootArgs {
  const options: { [key: string]: string } = {};
  for (let i = 0; i < all.length; i++) {
    const a = all[i];
    if (a.slice(0, 2) !== '--' || a.length === 2) continue;
    const eq = a.indexOf('=');
    if (eq > 0) options[a.slice(2, eq)] = a.slice(eq + 1);
    else if (i + 1 < all.length && all[i + 1].slice(0, 2) !== '--') options[a.slice(2)] = all[++i];
    else options[a.slice(2)] = 'true';
  }
  return { options: options, all: all };
}
