/*
 * IPv4 addresses as unsigned 32-bit numbers (host order, `>>> 0`) and MAC
 * addresses as 6-byte arrays; text forms for boot arguments and logs.
 */

export type Ipv4Address = number;

export const IPV4_ANY: Ipv4Address = 0;
export const IPV4_BROADCAST: Ipv4Address = 0xffffffff;

/** "a.b.c.d" → number, or undefined when it is not a dotted quad. */
export function parseIpv4(text: string): Ipv4Address | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (let i = 0; i < 4; i++) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(parts[i])) return undefined;
    const v = Number(parts[i]);
    if (v > 255) return undefined;
    n = n * 256 + v;
  }
  return n;
}

export function formatIpv4(a: Ipv4Address): string {
  return (a >>> 24) + '.' + ((a >>> 16) & 0xff) + '.' + ((a >>> 8) & 0xff) + '.' + (a & 0xff);
}

/** "a.b.c.d/n" → address and prefix length, or undefined. */
export function parseCidr(text: string): { address: Ipv4Address; prefix: number } | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const address = parseIpv4(text.slice(0, slash));
  const p = text.slice(slash + 1);
  if (address === undefined || !/^[0-9]{1,2}$/.test(p) || Number(p) > 32) return undefined;
  return { address, prefix: Number(p) };
}

export function prefixMask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

export function sameSubnet(a: Ipv4Address, b: Ipv4Address, prefix: number): boolean {
  const m = prefixMask(prefix);
  return ((a & m) >>> 0) === ((b & m) >>> 0);
}

export function readIpv4(buf: Uint8Array, at: number): Ipv4Address {
  return ((buf[at] << 24) | (buf[at + 1] << 16) | (buf[at + 2] << 8) | buf[at + 3]) >>> 0;
}

export function writeIpv4(buf: Uint8Array, at: number, a: Ipv4Address): void {
  buf[at] = a >>> 24; buf[at + 1] = (a >>> 16) & 0xff; buf[at + 2] = (a >>> 8) & 0xff; buf[at + 3] = a & 0xff;
}

export type MacAddress = Uint8Array;

export const MAC_BROADCAST: MacAddress = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);

export function formatMac(mac: Uint8Array, at = 0): string {
  const out: string[] = [];
  for (let i = 0; i < 6; i++) { const b = mac[at + i]; out.push((b < 16 ? '0' : '') + b.toString(16)); }
  return out.join(':');
}

export function parseMac(text: string): MacAddress | undefined {
  const parts = text.split(':');
  if (parts.length !== 6 || parts.some((p) => !/^[0-9a-fA-F]{2}$/.test(p))) return undefined;
  const mac = new Uint8Array(6);
  for (let i = 0; i < 6; i++) mac[i] = parseInt(parts[i], 16);
  return mac;
}

export function macEquals(a: Uint8Array, aAt: number, b: Uint8Array, bAt = 0): boolean {
  for (let i = 0; i < 6; i++) if (a[aAt + i] !== b[bAt + i]) return false;
  return true;
}
