/*
 * The node board's `network` device: the host's own TCP/IP stack through
 * Node's sockets (sockets.ts), served to apps as the same Network (UdpApi,
 * TcpApi) our stack offers, on the address of --host (127.0.0.1 unless told)
 * and the ports the app asks for (apps take --port N on this board,
 * DESIGN.md §7). It carries no Ethernet frames and has no ICMP.
 */
import { parseIpv4 } from '../address';
import { DeviceError, type DriverFactory } from '../../drivers/interfaces';
import type { Network } from '../network';
import { createSocketStack, type Listening } from './sockets';

export const createHostNetwork: DriverFactory<Network> = (_io, { device: name, args }) => {
  const host = args.options.host && args.options.host !== 'true' ? args.options.host : '127.0.0.1';
  const address = parseIpv4(host);
  if (address === undefined) return Promise.reject(new DeviceError(name, '--host ' + host + ': expected an IPv4 address (A.B.C.D)'));
  const stack = createSocketStack({ host });
  // Binds finish asynchronously; listening() lets the app say "ready" only once they took.
  const binds: Promise<unknown>[] = [];
  /** Keeps a bind for listening(); the returned function undoes it. */
  const track = (b: Promise<Listening>) => {
    binds.push(b);
    const quiet = async (): Promise<void> => {
      try { await b; } catch (_e) { /* reported through listening() */ }
    };
    const undo = async (): Promise<void> => {
      let l: Listening;
      try { l = await b; } catch (_e) { return; /* it never bound */ }
      await l.close();
    };
    void quiet();
    return () => { void undo(); };
  };
  const network: Network = {
    mac: new Uint8Array(6),
    mtu: 65535,
    ipv4: { address: () => address, prefix: () => 32, gateway: () => 0, dns: () => [] },
    udp: { bind: (port, onDatagram) => track(stack.udp.bindAsync(port, onDatagram)), send: stack.udp.send },
    tcp: { listen: (port, onConnection) => track(stack.tcp.listenAsync(port, onConnection)), connect: stack.tcp.connect },
    icmp: { ping: () => Promise.reject(new DeviceError(name, 'the node board has no ICMP sockets')) },
    ready: Promise.resolve(),
    listening: async () => { await Promise.all(binds); },
    lease: () => undefined,
    counters: {},
    stop: () => { /* the host's sockets close with the process */ },
  };
  return Promise.resolve(network);
};
