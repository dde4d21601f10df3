/*
 * The IPv4 adapter: checks and demultiplexes received packets to the
 * transports by protocol number, reassembles fragments, and sends the
 * transports' payloads (fragmenting when they exceed the MTU) through ARP or
 * straight to the Ethernet broadcast address.
 *
 * Policy choices, each a drop counted under "ipv4.*":
 * - Packets with IP options are dropped ('ipv4.options'). A host that keeps
 *   no options state cannot honour source routes (RFC 1122 §3.2.1.8 would
 *   have it reverse them on replies), RFC 7126 §4 recommends dropping
 *   source-routed packets, and nothing this stack speaks needs options.
 * - Accepted destinations: our address, 255.255.255.255, our subnet's
 *   broadcast; and, while we have no address, any UDP packet (a DHCP server
 *   may unicast its OFFER/ACK to the address it offers, RFC 2131 §4.1).
 * - DF is never set: we do no path-MTU discovery, so letting routers
 *   fragment is the only way through a smaller-MTU path.
 */
import { createDeadlineTimer } from '../../lib/deadline-timer';
import { MAC_BROADCAST, type Ipv4Address } from '../address';
import type { ArpLayer } from '../arp/arp';
import type { EthernetLayer } from '../ethernet/ethernet';
import { ETH_HEADER_LENGTH, ETH_MIN_FRAME, ETHERTYPE_IPV4 } from '../ethernet/wire';
import { PROTO_UDP, type IpSender, type TransportInput } from '../types';
import { count, type Counters } from '../../lib/counters';
import { type RandomSource } from '../../lib/random';
import { type Scheduler } from '../../lib/scheduler';
import { fragmentSlices } from './fragment';
import { DEFAULT_REASSEMBLY_LIMITS, Reassembler, type ReassemblyLimits } from './reassembly';
import {
  HOP_BROADCAST, HOP_LOCAL, HOP_MULTICAST, HOP_NONE, isMulticast, isSubnetBroadcast, multicastMac, nextHop, type Ipv4Config,
} from './routing';
import { emptyIpv4Packet, IPV4_HEADER_LENGTH, parseIpv4PacketInto, writeIpv4Header } from './wire';

export type { Ipv4Config } from './routing';

/** Where the transport's bytes start in a frame: after the Ethernet and IPv4 headers. */
const TRANSPORT_OFFSET = ETH_HEADER_LENGTH + IPV4_HEADER_LENGTH;

export interface Ipv4Layer extends IpSender {
  /** Takes the payload of one IPv4 frame. Never throws on bad input. */
  input(packet: Uint8Array): void;
  /** Routes received packets of `protocol` to `input`; returns a function that removes it. */
  register(protocol: number, input: TransportInput): () => void;
  /** Sets address, prefix and gateway (address 0: unconfigured). */
  configure(config: Ipv4Config): void;
  config(): Ipv4Config;
  stop(): void;
}

export interface Ipv4Options {
  ethernet: EthernetLayer;
  arp: ArpLayer;
  scheduler: Scheduler;
  random: RandomSource;
  counters: Counters;
  reassembly?: Partial<ReassemblyLimits>;
}

export function createIpv4(options: Ipv4Options): Ipv4Layer {
  const ethernet = options.ethernet;
  const arp = options.arp;
  const scheduler = options.scheduler;
  const counters = options.counters;
  const reassembler = new Reassembler({ ...DEFAULT_REASSEMBLY_LIMITS, ...options.reassembly });
  const maxPayload = ethernet.mtu - IPV4_HEADER_LENGTH;
  const transports: { [protocol: number]: TransportInput | undefined } = {};
  let cfg: Ipv4Config = { address: 0, prefix: 32, gateway: 0 };
  const expiry = createDeadlineTimer(scheduler, () => {
    const timedOut = reassembler.expire(scheduler.now());
    if (timedOut) count(counters, 'ipv4.frag-timeout', timedOut);
    schedule();
  });
  let stopped = false;

  // RFC 6864 §4.1: ids need only be unique per (src, dst, protocol) while
  // fragments may live; a counter from a random start does that.
  const seed = new Uint8Array(2);
  options.random(seed);
  let nextId = (seed[0] << 8) | seed[1];

  /** Every received packet is parsed into this one object (read before anything is delivered; delivery never re-enters input). */
  const p = emptyIpv4Packet();

  function deliver(src: Ipv4Address, dst: Ipv4Address, protocol: number, payload: Uint8Array): void {
    const transport = transports[protocol];
    if (!transport) { count(counters, 'ipv4.unknown-protocol'); return; }
    transport(src, dst, payload);
  }

  function accepts(dst: Ipv4Address, protocol: number): boolean {
    if (dst === 0xffffffff) return true;
    if (cfg.address === 0) return protocol === PROTO_UDP;
    return dst === cfg.address || isSubnetBroadcast(dst, cfg);
  }

  function badSource(src: Ipv4Address): boolean {
    return src === 0xffffffff || isMulticast(src) || (cfg.address !== 0 && (src === cfg.address || isSubnetBroadcast(src, cfg)));
  }

  function transmit(frame: Uint8Array, hop: number, dst: Ipv4Address): void {
    if (hop === HOP_BROADCAST) ethernet.send(frame, MAC_BROADCAST, ETHERTYPE_IPV4);
    else if (hop === HOP_MULTICAST) ethernet.send(frame, multicastMac(dst), ETHERTYPE_IPV4);
    else arp.output(hop, frame);
  }

  /** A frame with room for the Ethernet header, an IPv4 header and `length` payload bytes. */
  function newFrame(length: number): Uint8Array {
    return new Uint8Array(Math.max(ETH_MIN_FRAME, TRANSPORT_OFFSET + length));
  }

  /** The next hop for a packet from `from` to `dst`, or HOP_NONE with the drop counted. */
  function route(dst: Ipv4Address, from: Ipv4Address, length: number): number {
    const hop = nextHop(dst, cfg);
    if (hop === HOP_NONE) { count(counters, 'ipv4.no-route'); return HOP_NONE; }
    if (from === 0 && hop !== HOP_BROADCAST) { count(counters, 'ipv4.no-source'); return HOP_NONE; }
    if (length > 0xffff - IPV4_HEADER_LENGTH) { count(counters, 'ipv4.too-big'); return HOP_NONE; }
    return hop;
  }

  function send(dst: Ipv4Address, protocol: number, payload: Uint8Array, src?: Ipv4Address): void {
    if (stopped) return;
    dst = dst >>> 0;
    const from = src === undefined ? cfg.address : src >>> 0;
    const hop = route(dst, from, payload.length);
    if (hop === HOP_NONE) return;
    if (hop === HOP_LOCAL) {
      // To ourselves: loop back without touching the wire, never synchronously.
      const copy = new Uint8Array(payload.length);
      copy.set(payload);
      scheduler.after(0, () => { if (!stopped) deliver(from, dst, protocol, copy); });
      return;
    }
    const id = nextId;
    nextId = (nextId + 1) & 0xffff;
    if (payload.length <= maxPayload) {
      const frame = newFrame(payload.length);
      frame.set(payload, TRANSPORT_OFFSET);
      writeIpv4Header(frame, ETH_HEADER_LENGTH, {
        totalLength: IPV4_HEADER_LENGTH + payload.length, id: id, protocol: protocol, src: from, dst: dst,
      });
      transmit(frame, hop, dst);
      return;
    }
    const slices = fragmentSlices(payload.length, maxPayload);
    count(counters, 'ipv4.fragmented');
    for (let i = 0; i < slices.length; i++) {
      const s = slices[i];
      const frame = newFrame(s.length);
      writeIpv4Header(frame, ETH_HEADER_LENGTH, {
        totalLength: IPV4_HEADER_LENGTH + s.length, id: id, protocol: protocol, src: from, dst: dst,
        moreFragments: s.moreFragments, fragmentOffset: s.offset,
      });
      frame.set(payload.subarray(s.offset, s.offset + s.length), TRANSPORT_OFFSET);
      transmit(frame, hop, dst);
    }
  }

  function schedule(): void {
    expiry.arm(reassembler.nextDeadline());
  }

  return {
    maxPayload: maxPayload,
    localAddress: function () { return cfg.address; },
    config: function () { return { address: cfg.address, prefix: cfg.prefix, gateway: cfg.gateway }; },
    configure(c) {
      cfg = { address: c.address >>> 0, prefix: c.prefix, gateway: c.gateway >>> 0 };
    },
    register(protocol, input) {
      if (transports[protocol]) throw new Error('ipv4: protocol ' + protocol + ' already has a transport');
      transports[protocol] = input;
      return function () { if (transports[protocol] === input) transports[protocol] = undefined; };
    },

    input(buf) {
      if (stopped) return;
      const error = parseIpv4PacketInto(buf, p);
      if (error) { count(counters, 'ipv4.' + error); return; }
      if (p.headerLength > IPV4_HEADER_LENGTH) { count(counters, 'ipv4.options'); return; }
      // Unicast to our configured address, the usual case, needs no further look.
      if ((p.dst !== cfg.address || p.dst === 0) && !accepts(p.dst, p.protocol)) { count(counters, 'ipv4.not-for-us'); return; }
      if (badSource(p.src)) { count(counters, 'ipv4.bad-source'); return; }
      if (!p.moreFragments && p.fragmentOffset === 0) { deliver(p.src, p.dst, p.protocol, p.payload); return; }
      const r = reassembler.add({
        src: p.src, dst: p.dst, protocol: p.protocol, id: p.id,
        offset: p.fragmentOffset, moreFragments: p.moreFragments, data: p.payload,
      }, scheduler.now());
      schedule();
      if (typeof r === 'string') {
        if (r !== 'held') count(counters, 'ipv4.frag-' + r);
        return;
      }
      count(counters, 'ipv4.reassembled');
      deliver(p.src, p.dst, p.protocol, r);
    },

    send: send,
    transportOffset: TRANSPORT_OFFSET,
    frame: newFrame,
    sendFrame(dst, protocol, frame, length, src) {
      if (stopped) return;
      dst = dst >>> 0;
      const from = src === undefined ? cfg.address : src >>> 0;
      const hop = route(dst, from, length);
      if (hop === HOP_NONE) return;
      if (hop === HOP_LOCAL || length > maxPayload) {
        // Looped back or fragmented: the copying path.
        send(dst, protocol, frame.subarray(TRANSPORT_OFFSET, TRANSPORT_OFFSET + length), src);
        return;
      }
      const id = nextId;
      nextId = (nextId + 1) & 0xffff;
      writeIpv4Header(frame, ETH_HEADER_LENGTH, {
        totalLength: IPV4_HEADER_LENGTH + length, id: id, protocol: protocol, src: from, dst: dst,
      });
      transmit(frame, hop, dst);
    },

    stop() {
      stopped = true;
      expiry.stop();
      reassembler.clear();
    },
  };
}
