/*
 * The node board's `network` device: the host's own TCP/IP stack through
 * Node's sockets (sockets.ts). It carries no Ethernet frames; network()
 * sees `hostSockets` and serves apps the same UdpApi and TcpApi over it,
 * on the address of --host (127.0.0.1 unless told) and the ports the app
 * asks for (apps take --port N on this board, DESIGN.md §7).
 */
import { parseIpv4 } from '../../net/address';
import { DeviceError, type DriverFactory, type HostSockets, type Netif } from '../interfaces';
import { createSocketStack, type Listening } from './sockets';

export const createHostNetwork: DriverFactory<Netif> = function (name, args) {
  const host = args.options.host && args.options.host !== 'true' ? args.options.host : '127.0.0.1';
  const address = parseIpv4(host);
  if (address === undefined) return Promise.reject(new DeviceError(name, '--host ' + host + ': expected an IPv4 address (A.B.C.D)'));
  const stack = createSocketStack({ host });
  // Binds finish asynchronously; listening() lets the app say "ready" only once they took.
  const binds: Promise<unknown>[] = [];
  /** Keeps a bind for listening(); the returned function undoes it. */
  const track = (b: Promise<Listening>) => {
    binds.push(b);
    b.catch(() => { /* reported through listening() */ });
    return () => { b.then((l) => l.close(), () => undefined); };
  };
  const sockets: HostSockets = {
    address,
    udp: { bind: (port, onDatagram) => track(stack.udp.bindAsync(port, onDatagram)), send: stack.udp.send },
    tcp: { listen: (port, onConnection) => track(stack.tcp.listenAsync(port, onConnection)), connect: stack.tcp.connect },
    listening: () => Promise.all(binds).then(() => undefined),
  };
  const netif: Netif = {
    hostSockets: sockets,
    mac: new Uint8Array(6),
    mtu: 65535,
    write: () => Promise.reject(new DeviceError(name, "the node board's network is the host's sockets: it sends no Ethernet frames (use network())")),
    listen: () => { throw new DeviceError(name, "the node board's network is the host's sockets: it delivers no Ethernet frames (use network())"); },
  };
  return Promise.resolve(netif);
};
