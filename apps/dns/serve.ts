/*
 * What apps/dns does on any board once it has zones and a stack: the
 * authority, the responder and the UDP/TCP server, and the ready line.
 */
import { formatIpv4, parseIpv4, type Ipv4Address } from '../../net/address';
import type { TcpApi, UdpApi } from '../../net/types';
import { createAuthority } from '../../services/dns/authority';
import { formatName } from '../../services/dns/name';
import { createResponder } from '../../services/dns/responder';
import { serveDns, type DnsServer } from '../../services/dns/server';
import { type Zone } from '../../services/dns/zone';
import { optionValues } from './zones';

/** The peers of --axfr-allow (repeatable); throws on one that is not an address. */
export function axfrPeers(args: readonly string[]): Ipv4Address[] {
  const out: Ipv4Address[] = [];
  const given = optionValues(args, '--axfr-allow');
  for (let i = 0; i < given.length; i++) {
    const a = parseIpv4(given[i]);
    if (a === undefined) throw new Error('--axfr-allow ' + given[i] + ': expected A.B.C.D');
    out.push(a);
  }
  return out;
}

export function startDns(net: { udp: UdpApi; tcp: TcpApi }, zones: Zone[], args: readonly string[], port: number): DnsServer {
  return serveDns(net, createResponder(createAuthority(zones)), { port: port, axfrAllow: axfrPeers(args) });
}

/** The one line tests and users wait for: `dns: serving <zones> on <addr>:<port>`. */
export function readyLine(zones: Zone[], address: Ipv4Address, port: number): string {
  const names: string[] = [];
  for (let i = 0; i < zones.length; i++) names.push(formatName(zones[i].origin));
  return 'dns: serving ' + names.join(' ') + ' on ' + formatIpv4(address) + ':' + port;
}
