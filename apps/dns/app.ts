/*
 * dns: an authoritative DNS server (services/dns) for the zones given with
 * --zone FILE (repeatable), on UDP and TCP port 53 (or --port N) of our own
 * TCP/IP stack. --axfr-allow A.B.C.D lets that peer transfer zones.
 * A zone that does not load prints its error (file:line) and exits 1.
 *
 * Zone files come from the host file system, so this runs on the unix
 * board; the Xen boards need the zones bundled into the image (not done
 * yet). The node board (Node's sockets) is node.ts.
 */
import { defineApp, network } from 'nymote';
import { ZoneError } from '../../services/dns/errors';
import { type Zone } from '../../services/dns/zone';
import { readHostText } from './host-file';
import { option, readyLine, startDns } from './serve';
import { loadZones, optionValues } from './zones';

export default defineApp({
  name: 'dns',
  needs: { net: 'network' },
  main: function ({ net: netif }, { args }) {
    let zones: Zone[];
    try {
      zones = loadZones(optionValues(args, '--zone'), readHostText);
    } catch (e) {
      console.log(e instanceof ZoneError ? e.message : 'dns: ' + (e as Error).message);
      return 1;
    }
    if (zones.length === 0) { console.log('dns: no zones: pass --zone FILE'); return 1; }
    const net = network(netif, args, { hostname: 'nymote-dns' });
    return net.ready.then(function () {
      const port = Number(option(args, '--port') || 53);
      startDns(net, zones, args, port);
      console.log(readyLine(zones, net.ipv4.address(), port));
      return new Promise<number>(function () { /* serves until stopped */ });
    });
  },
});
