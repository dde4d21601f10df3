/*
 * The DHCP client state machine (RFC 2131 §4.4, figure 5) as a pure core:
 * no I/O and no clock of its own. `start`, `receive` and `tick` take `now`
 * and return effects (a message to send, a lease gained or lost) that the
 * adapter carries out; `deadline()` says when `tick` is next due.
 *
 * INIT → SELECTING (DISCOVER, take the first acceptable OFFER) → REQUESTING
 * (broadcast REQUEST) → BOUND (ACK) → at T1 RENEWING (unicast REQUEST to the
 * server) → at T2 REBINDING (broadcast REQUEST) → at expiry INIT again.
 * A NAK anywhere after SELECTING restarts from INIT.
 *
 * Retransmissions (RFC 2131 §4.1): 4 s, 8 s, 16 s … capped at 64 s, each
 * randomised by ±1 s. While RENEWING/REBINDING, half the time left until
 * T2/expiry, at least 60 s (RFC 2131 §4.4.5).
 * Not done: checking the offered address with ARP before using it (§4.4.1's
 * SHOULD; we announce it instead), INIT-REBOOT, DHCPRELEASE, DHCPINFORM.
 */
import { type Ipv4Address } from '../address';
import {
  BOOTREPLY, BOOTREQUEST, buildDhcp, DHCPACK, DHCPDISCOVER, DHCPNAK, DHCPOFFER, DHCPREQUEST, FLAG_BROADCAST,
  asciiOption, optionAddress, optionAddresses, optionByte, optionUint32, uint32Option,
  OPT_CLIENT_ID, OPT_DNS, OPT_HOSTNAME, OPT_LEASE_TIME, OPT_MESSAGE_TYPE, OPT_PARAMETER_LIST, OPT_REBINDING_TIME,
  OPT_RENEWAL_TIME, OPT_REQUESTED_IP, OPT_ROUTER, OPT_SERVER_ID, OPT_SUBNET_MASK, type DhcpMessage, type DhcpOptions,
} from './wire';

export type DhcpState = 'init' | 'selecting' | 'requesting' | 'bound' | 'renewing' | 'rebinding' | 'stopped';

export interface DhcpLease {
  address: Ipv4Address;
  prefix: number;
  /** The first router offered, 0 when none was. */
  gateway: Ipv4Address;
  routers: Ipv4Address[];
  dns: Ipv4Address[];
  server: Ipv4Address;
  /** Lease length in seconds (0xffffffff: infinite). */
  leaseSeconds: number;
  /** Clock times (ms) of T1, T2 and expiry; Infinity for an infinite lease. */
  renewAt: number;
  rebindAt: number;
  expiresAt: number;
}

export interface DhcpEffects {
  /** The lease was lost (NAK or expiry): stop using its address first. */
  lost?: boolean;
  /** A lease was granted or renewed: configure it. */
  bound?: DhcpLease;
  /** A message to send from port 68 to `to`:67 (0xffffffff: broadcast). */
  send?: { message: Uint8Array; to: Ipv4Address };
  /** Why a received message was ignored (a counter name). */
  ignored?: string;
}

export interface DhcpTiming {
  /** First retransmission delay in SELECTING/REQUESTING. */
  initialRetransmitMs: number;
  maxRetransmitMs: number;
  /** Randomisation of each delay: ± this much. */
  jitterMs: number;
  /** REQUESTs sent without an answer before starting over. */
  maxRequests: number;
  /** Lower bound of RENEWING/REBINDING retransmissions. */
  minRenewRetransmitMs: number;
}

export const DEFAULT_DHCP_TIMING: DhcpTiming = {
  initialRetransmitMs: 4000,
  maxRetransmitMs: 64000,
  jitterMs: 1000,
  maxRequests: 4,
  minRenewRetransmitMs: 60000,
};

const INFINITE_LEASE = 0xffffffff;
/** Subnet mask, router, DNS, lease time, T1, T2 (RFC 2132 §9.8). */
const PARAMETERS = new Uint8Array([OPT_SUBNET_MASK, OPT_ROUTER, OPT_DNS, OPT_LEASE_TIME, OPT_RENEWAL_TIME, OPT_REBINDING_TIME]);

/** The prefix length of a contiguous mask, or −1. */
export function maskPrefix(mask: number): number {
  let prefix = 0;
  while (prefix < 32 && (mask & (0x80000000 >>> prefix)) !== 0) prefix++;
  for (let i = prefix; i < 32; i++) if ((mask & (0x80000000 >>> i)) !== 0) return -1;
  return prefix;
}

/** RFC 791's classful default, for a server that sends no mask. */
function classfulPrefix(a: Ipv4Address): number {
  if (a >>> 31 === 0) return 8;
  if (a >>> 30 === 2) return 16;
  return 24;
}

function usableAddress(a: Ipv4Address): boolean {
  return a !== 0 && a !== 0xffffffff && a >>> 28 < 14 && a >>> 24 !== 127;
}

export interface DhcpClientOptions {
  mac: Uint8Array;
  /** A uniformly random unsigned 32-bit integer. */
  random32: () => number;
  hostname?: string;
  timing?: Partial<DhcpTiming>;
}

export class DhcpClient {
  private current: DhcpState = 'init';
  private readonly mac = new Uint8Array(6);
  private readonly timing: DhcpTiming;
  private xid = 0;
  private attempt = 0;
  private due: number | undefined = undefined;
  /** When this exchange started (for `secs`) and when its first REQUEST left (the lease's start, §4.4.1). */
  private startedAt = 0;
  private requestedAt = 0;
  private offered = 0;
  private server = 0;
  private held: DhcpLease | undefined = undefined;
  private naks = 0;

  constructor(private readonly options: DhcpClientOptions) {
    this.mac.set(options.mac.subarray(0, 6));
    this.timing = { ...DEFAULT_DHCP_TIMING, ...options.timing };
  }

  state(): DhcpState { return this.current; }
  lease(): DhcpLease | undefined { return this.held; }
  /** When `tick` should next run; undefined when nothing is due. */
  deadline(): number | undefined { return this.due; }

  start(now: number): DhcpEffects {
    this.xid = this.options.random32() >>> 0;
    this.startedAt = now;
    this.attempt = 0;
    this.current = 'selecting';
    this.due = now + this.backoff(0);
    return { send: { message: this.discover(now), to: 0xffffffff } };
  }

  stop(): void {
    this.current = 'stopped';
    this.due = undefined;
  }

  tick(now: number): DhcpEffects {
    if (this.due === undefined || now < this.due) return {};
    switch (this.current) {
      case 'init':
        return this.start(now);
      case 'selecting':
        this.attempt++;
        this.due = now + this.backoff(this.attempt);
        return { send: { message: this.discover(now), to: 0xffffffff } };
      case 'requesting':
        this.attempt++;
        if (this.attempt >= this.timing.maxRequests) return this.start(now);
        this.due = now + this.backoff(this.attempt);
        return { send: { message: this.request(now), to: 0xffffffff } };
      case 'bound':
      case 'renewing':
      case 'rebinding':
        return this.tickLease(now);
      default:
        this.due = undefined;
        return {};
    }
  }

  receive(m: DhcpMessage, now: number): DhcpEffects {
    if (m.op !== BOOTREPLY || m.htype !== 1 || m.hlen !== 6) return { ignored: 'dhcp.not-reply' };
    if ((m.xid >>> 0) !== this.xid) return { ignored: 'dhcp.wrong-xid' };
    for (let i = 0; i < 6; i++) if (m.chaddr[i] !== this.mac[i]) return { ignored: 'dhcp.wrong-chaddr' };
    const type = optionByte(m.options, OPT_MESSAGE_TYPE);
    const serverId = optionAddress(m.options, OPT_SERVER_ID);
    const state = this.current;

    if (type === DHCPOFFER) {
      if (state !== 'selecting') return { ignored: 'dhcp.late-offer' };
      const server = serverId !== undefined ? serverId : m.siaddr;
      if (!usableAddress(m.yiaddr) || server === 0) return { ignored: 'dhcp.bad-offer' };
      this.offered = m.yiaddr;
      this.server = server;
      this.current = 'requesting';
      this.attempt = 0;
      this.requestedAt = now;
      this.due = now + this.backoff(0);
      return { send: { message: this.request(now), to: 0xffffffff } };
    }

    if (type === DHCPACK) {
      if (state !== 'requesting' && state !== 'renewing' && state !== 'rebinding') return { ignored: 'dhcp.unexpected-ack' };
      if (state === 'requesting' && serverId !== undefined && serverId !== this.server) return { ignored: 'dhcp.other-server' };
      if (!usableAddress(m.yiaddr)) return { ignored: 'dhcp.bad-ack' };
      const lease = this.makeLease(m.yiaddr, m.options, serverId !== undefined ? serverId : this.server);
      this.held = lease;
      this.server = lease.server;
      this.current = 'bound';
      this.naks = 0;
      this.due = lease.renewAt === Infinity ? undefined : lease.renewAt;
      return { bound: lease };
    }

    if (type === DHCPNAK) {
      if (state !== 'requesting' && state !== 'renewing' && state !== 'rebinding') return { ignored: 'dhcp.unexpected-nak' };
      if (serverId !== undefined && serverId !== this.server) return { ignored: 'dhcp.other-server' };
      const lost = this.held !== undefined;
      this.held = undefined;
      this.naks++;
      // RFC 2131 §3.1 step 4: restart at INIT. A server that keeps refusing
      // would make that a storm, so repeated NAKs wait 4 s, 8 s … 64 s first.
      let out: DhcpEffects;
      if (this.naks === 1) {
        out = this.start(now);
      } else {
        this.current = 'init';
        this.due = now + Math.min(this.timing.initialRetransmitMs * Math.pow(2, this.naks - 2), this.timing.maxRetransmitMs);
        out = {};
      }
      if (lost) out.lost = true;
      return out;
    }
    return { ignored: 'dhcp.unexpected-type' };
  }

  private tickLease(now: number): DhcpEffects {
    const lease = this.held!;
    if (now >= lease.expiresAt) {
      // RFC 2131 §4.4.5: at expiry the client stops using the address and starts over.
      this.held = undefined;
      const out = this.start(now);
      out.lost = true;
      return out;
    }
    const t = this.timing;
    if (this.current === 'bound') {
      // A new exchange: new xid, and the renewed lease will count from now.
      this.xid = this.options.random32() >>> 0;
      this.startedAt = now;
      this.requestedAt = now;
    }
    if (now >= lease.rebindAt) {
      this.current = 'rebinding';
      this.due = Math.min(now + Math.max(t.minRenewRetransmitMs, (lease.expiresAt - now) / 2), lease.expiresAt);
      return { send: { message: this.request(now), to: 0xffffffff } };
    }
    this.current = 'renewing';
    this.due = Math.min(now + Math.max(t.minRenewRetransmitMs, (lease.rebindAt - now) / 2), lease.rebindAt);
    return { send: { message: this.request(now), to: this.server } };
  }

  private makeLease(address: Ipv4Address, o: DhcpOptions, server: Ipv4Address): DhcpLease {
    const mask = optionUint32(o, OPT_SUBNET_MASK);
    let prefix = mask === undefined ? -1 : maskPrefix(mask);
    if (prefix < 0 || prefix > 30) prefix = mask === undefined || prefix < 0 ? classfulPrefix(address) : prefix;
    const routers = optionAddresses(o, OPT_ROUTER);
    const leaseTime = optionUint32(o, OPT_LEASE_TIME);
    const seconds = leaseTime === undefined ? INFINITE_LEASE : leaseTime;
    const start = this.requestedAt;
    if (seconds === INFINITE_LEASE) {
      return {
        address: address, prefix: prefix, gateway: routers.length ? routers[0] : 0, routers: routers,
        dns: optionAddresses(o, OPT_DNS), server: server, leaseSeconds: seconds,
        renewAt: Infinity, rebindAt: Infinity, expiresAt: Infinity,
      };
    }
    // RFC 2131 §4.4.5: T1 defaults to 0.5 and T2 to 0.875 of the lease; keep T1 < T2 < lease.
    let t1 = optionUint32(o, OPT_RENEWAL_TIME);
    let t2 = optionUint32(o, OPT_REBINDING_TIME);
    if (t2 === undefined || t2 >= seconds) t2 = seconds * 0.875;
    if (t1 === undefined) t1 = seconds * 0.5;
    if (t1 >= t2) t1 = t2 / 2;
    return {
      address: address, prefix: prefix, gateway: routers.length ? routers[0] : 0, routers: routers,
      dns: optionAddresses(o, OPT_DNS), server: server, leaseSeconds: seconds,
      renewAt: start + t1 * 1000, rebindAt: start + t2 * 1000, expiresAt: start + seconds * 1000,
    };
  }

  /** 4 s, 8 s, 16 s … (capped), ± jitter (RFC 2131 §4.1). */
  private backoff(attempt: number): number {
    const t = this.timing;
    const base = Math.min(t.initialRetransmitMs * Math.pow(2, attempt), t.maxRetransmitMs);
    const jitter = ((this.options.random32() >>> 0) / 0x100000000) * 2 * t.jitterMs - t.jitterMs;
    return Math.max(0, base + jitter);
  }

  private message(type: number, now: number, ciaddr: Ipv4Address, broadcast: boolean, extra: DhcpOptions): Uint8Array {
    const chaddr = new Uint8Array(16);
    chaddr.set(this.mac);
    const clientId = new Uint8Array(7);
    clientId[0] = 1; // hardware type Ethernet, then the MAC (RFC 2132 §9.14)
    clientId.set(this.mac, 1);
    const options: DhcpOptions = extra;
    options[OPT_MESSAGE_TYPE] = new Uint8Array([type]);
    options[OPT_CLIENT_ID] = clientId;
    options[OPT_PARAMETER_LIST] = PARAMETERS;
    if (this.options.hostname) options[OPT_HOSTNAME] = asciiOption(this.options.hostname);
    return buildDhcp({
      op: BOOTREQUEST, htype: 1, hlen: 6, hops: 0, xid: this.xid,
      secs: Math.min(0xffff, Math.floor((now - this.startedAt) / 1000)),
      flags: broadcast ? FLAG_BROADCAST : 0,
      ciaddr: ciaddr, yiaddr: 0, siaddr: 0, giaddr: 0, chaddr: chaddr, options: options,
    });
  }

  private discover(now: number): Uint8Array {
    return this.message(DHCPDISCOVER, now, 0, true, {});
  }

  /** REQUEST as RFC 2131 table 5 has it: in SELECTING with the offer and server named, later with ciaddr set. */
  private request(now: number): Uint8Array {
    if (this.current === 'requesting') {
      const extra: DhcpOptions = {};
      extra[OPT_REQUESTED_IP] = uint32Option(this.offered);
      extra[OPT_SERVER_ID] = uint32Option(this.server);
      return this.message(DHCPREQUEST, now, 0, true, extra);
    }
    return this.message(DHCPREQUEST, now, this.held ? this.held.address : 0, false, {});
  }
}
