/*
 * dns: an authoritative DNS server (services/dns) on UDP and TCP port 53
 * (or --port N) of the board's network: our TCP/IP stack in an image, the
 * host's sockets on the node board (whose address is --host, 127.0.0.1
 * unless told). --axfr-allow A.B.C.D lets that peer transfer zones.
 *
 * The zones are the files in zones/ on its data volume (the image's
 * data.img, made from content/ at build time; on the Xen boards the disk
 * dom0 exports), or instead the host files given with --zone FILE
 * (repeatable; the unix and node boards). A zone that does not load prints
 * its error (file:line) and exits 1.
 */
import { bootOption, defineApp, mount, network, type BlockDevice } from 'nymote';
import { ZoneError } from '../../services/dns/errors';
import { type Zone } from '../../services/dns/zone';
import { readHostText } from '../../drivers/host-files';
import { readyLine, startDns } from './serve';
import { loadZones, loadStoreZones, optionValues, ZONES_FOLDER } from './zones';

function zonesFor(args: string[], store: BlockDevice | undefined): Promise<Zone[]> {
  const files = optionValues(args, '--zone');
  if (files.length) return new Promise<Zone[]>(function (resolve) { resolve(loadZones(files, readHostText)); });
  if (!store) return Promise.reject(new Error('no zones: pass --zone FILE, or give a data volume (--disk PATH) with zone files in ' + ZONES_FOLDER));
  return mount(store).then(function (volume) {
    return loadStoreZones(volume).then(function (zones) {
      return volume.unmount().then(function () { return zones; });
    });
  });
}

export default defineApp({
  name: 'dns',
  needs: { net: 'network', store: 'block?' },
  main: function ({ net: netif, store }, { args }) {
    return zonesFor(args, store).then(function (zones) {
      if (zones.length === 0) { console.log('dns: no zones: the data volume has no files in ' + ZONES_FOLDER); return 1; }
      const net = network(netif, args, { hostname: 'nymote-dns' });
      return net.ready.then(function () {
        const port = Number(bootOption(args, '--port') || 53);
        startDns(net, zones, args, port);
        return net.listening();
      }).then(function () {
        console.log(readyLine(zones, net.ipv4.address(), Number(bootOption(args, '--port') || 53)));
        return new Promise<number>(function () { /* serves until stopped */ });
      });
    }, function (e: Error) {
      console.log(e instanceof ZoneError ? e.message : 'dns: ' + e.message);
      return 1;
    });
  },
});
