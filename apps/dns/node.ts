/*
 * apps/dns on the node board: the same server over Node's own sockets
 * (drivers/node/sockets.ts) on --port N (default 53) of --host (default
 * 127.0.0.1), zones read with fs. Run: npx tsx apps/dns/node.ts --zone FILE --port 5353
 * (the CLI has no node board yet, so this is its entry point).
 */
import { readFileSync } from 'node:fs';
import { createSocketStack } from '../../drivers/node/sockets';
import { parseIpv4 } from '../../net/address';
import type { TcpApi, UdpApi } from '../../net/types';
import { ZoneError } from '../../services/dns/errors';
import { type Zone } from '../../services/dns/zone';
import { option, readyLine, startDns } from './serve';
import { loadZones, optionValues } from './zones';

async function main(args: string[]): Promise<number> {
  let zones: Zone[];
  try {
    zones = loadZones(optionValues(args, '--zone'), (path) => readFileSync(path, 'utf8'));
  } catch (e) {
    console.log(e instanceof ZoneError ? e.message : 'dns: ' + (e as Error).message);
    return 1;
  }
  if (zones.length === 0) { console.log('dns: no zones: pass --zone FILE'); return 1; }
  const host = option(args, '--host') || '127.0.0.1';
  const port = Number(option(args, '--port') || 53);
  const stack = createSocketStack({ host });
  // The async binds, so the ready line comes only once both sockets listen (or the error does).
  const bound: Promise<unknown>[] = [];
  const net: { udp: UdpApi; tcp: TcpApi } = {
    udp: { bind: (p, fn) => { const b = stack.udp.bindAsync(p, fn); bound.push(b); return () => { b.then((l) => l.close()); }; }, send: stack.udp.send },
    tcp: { listen: (p, fn) => { const b = stack.tcp.listenAsync(p, fn); bound.push(b); return () => { b.then((l) => l.close()); }; }, connect: stack.tcp.connect },
  };
  startDns(net, zones, args, port);
  await Promise.all(bound);
  console.log(readyLine(zones, parseIpv4(host) ?? 0, port));
  return new Promise<number>(() => { /* serves until killed */ });
}

main(process.argv.slice(2)).then((code) => process.exit(code), (e: Error) => { console.log('dns: ' + e.message); process.exit(1); });
