/*
 * dns: an authoritative DNS server on UDP and TCP port 53 (or --port N) of
 * the board's network: our TCP/IP stack in an image, the host's sockets on
 * the node board (whose address is --host, 127.0.0.1 unless told).
 * --axfr-allow A.B.C.D (repeatable) lets that peer transfer zones.
 *
 * The zones are the files in zones/ on its data volume (the image's
 * data.img, made from content/ at build time; on the Xen boards the disk
 * dom0 exports), or instead the host files given with --zone FILE
 * (repeatable; the unix and node boards). A zone that does not load prints
 * its error (file:line) and exits 1 (at once: the network the board
 * started, DHCP and all, would keep the program alive). Imports only 'nymote', so the folder
 * builds from anywhere.
 */
import {
  bootOption, bootOptions, createAuthority, createResponder, defineApp, exit, formatIpv4, formatName, loadFolderZones, loadZoneFiles,
  mount, parseIpv4, serveDns, ZoneError, type BlockDevice, type HostFiles, type Ipv4Address, type Zone,
} from 'nymote';

/** Where on the data volume the zone files are. */
const ZONES_FOLDER = '/zones';

async function zonesFor(args: string[], store: BlockDevice | undefined, files: HostFiles | undefined): Promise<Zone[]> {
  const named = bootOptions(args, '--zone');
  if (named.length) {
    if (!files) throw new Error('--zone: this board has no host files; put the zones in ' + ZONES_FOLDER + ' on the data volume');
    return loadZoneFiles(named, files.readText);
  }
  if (!store) throw new Error('no zones: pass --zone FILE, or give a data volume (--disk PATH) with zone files in ' + ZONES_FOLDER);
  const volume = await mount(store);
  const zones = await loadFolderZones(volume, ZONES_FOLDER);
  await volume.unmount();
  return zones;
}

/** The peers of --axfr-allow (repeatable); throws on one that is not an address. */
function axfrPeers(args: readonly string[]): Ipv4Address[] {
  return bootOptions(args, '--axfr-allow').map((given) => {
    const a = parseIpv4(given);
    if (a === undefined) throw new Error('--axfr-allow ' + given + ': expected A.B.C.D');
    return a;
  });
}

export default defineApp({
  name: 'dns',
  needs: { net: 'network', store: 'block?', files: 'files?' },
  async main({ net, store, files }, { args }) {
    let zones: Zone[];
    try {
      zones = await zonesFor(args, store, files);
    } catch (e) {
      console.log(e instanceof ZoneError ? e.message : 'dns: ' + (e as Error).message);
      return exit(1);
    }
    if (zones.length === 0) { console.log('dns: no zones: the data volume has no files in ' + ZONES_FOLDER); return exit(1); }
    await net.ready;
    const port = Number(bootOption(args, '--port') || 53);
    serveDns(net, createResponder(createAuthority(zones)), { port, axfrAllow: axfrPeers(args) });
    await net.listening();
    // The one line tests and users wait for: `dns: serving <zones> on <addr>:<port>`.
    console.log('dns: serving ' + zones.map((z) => formatName(z.origin)).join(' ') + ' on ' + formatIpv4(net.ipv4.address()) + ':' + port);
    return new Promise<number>(() => { /* serves until stopped */ });
  },
});
