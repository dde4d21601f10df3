/*
 * UDP over IPv4 (RFC 768): one handler per bound port. Binding a port that
 * is taken, or that is not a port, is a programming error and throws at
 * bind time; everything about received datagrams is counted under "udp.*",
 * and nothing a handler throws escapes into the receive path.
 *
 * The `data` a handler gets is a view valid only during the call (it may
 * point into the driver's receive buffer, like a Netif frame): copy what you
 * keep.
 */
import type { Ipv4Address } from '../address';
import { PROTO_UDP, type Endpoint, type IpSender, type TransportInput, type UdpApi } from '../types';
import { count, type Counters } from '../../lib/counters';
import { parseUdp, UDP_HEADER_LENGTH, UDP_MAX_DATA, writeUdp } from './wire';

export interface UdpLayer extends UdpApi {
  input: TransportInput;
  /** Whether `port` is bound. */
  bound(port: number): boolean;
}

type Handler = (data: Uint8Array, from: Endpoint, to: Endpoint) => void;

function isPort(n: number): boolean {
  return typeof n === 'number' && n >= 1 && n <= 65535 && Math.floor(n) === n;
}

/** `onHandlerError` hears about exceptions thrown by handlers (counted as 'udp.handler-error' too). */
export function createUdp(ip: IpSender, counters: Counters, onHandlerError?: (error: unknown) => void): UdpLayer {
  const handlers: { [port: number]: Handler | undefined } = {};

  return {
    bound(port) { return !!handlers[port]; },

    bind(port, onDatagram) {
      if (!isPort(port)) throw new Error('udp: cannot bind ' + port + ': not a port number (1-65535)');
      if (handlers[port]) throw new Error('udp: port ' + port + ' is already bound');
      handlers[port] = onDatagram;
      return function () { if (handlers[port] === onDatagram) handlers[port] = undefined; };
    },

    send(to, data, fromPort) {
      if (!isPort(to.port) || !(fromPort === 0 || isPort(fromPort))) { count(counters, 'udp.bad-port'); return; }
      if (data.length > UDP_MAX_DATA) { count(counters, 'udp.too-big'); return; }
      const src: Ipv4Address = ip.localAddress();
      const length = UDP_HEADER_LENGTH + data.length;
      const frame = ip.frame(length);
      writeUdp(frame, ip.transportOffset, src, to.address >>> 0, fromPort, to.port, data);
      ip.sendFrame(to.address, PROTO_UDP, frame, length);
    },

    input(src, dst, payload) {
      const d = parseUdp(payload, src, dst);
      if (typeof d === 'string') { count(counters, 'udp.' + d); return; }
      const handler = d.dstPort ? handlers[d.dstPort] : undefined;
      if (!handler) { count(counters, 'udp.no-port'); return; }
      try {
        handler(d.data, { address: src, port: d.srcPort }, { address: dst, port: d.dstPort });
      } catch (e) {
        count(counters, 'udp.handler-error');
        if (onHandlerError) onHandlerError(e);
      }
    },
  };
}
