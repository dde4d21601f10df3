import { describe, expect, it } from 'vitest';
import { DhcpClient, maskPrefix, type DhcpEffects } from './client';
import {
  buildDhcp, parseDhcp, uint32Option, addressesOption, optionAddress, optionByte,
  DHCPACK, DHCPDISCOVER, DHCPNAK, DHCPOFFER, DHCPREQUEST, OPT_LEASE_TIME, OPT_MESSAGE_TYPE, OPT_REQUESTED_IP, OPT_ROUTER,
  OPT_SERVER_ID, OPT_SUBNET_MASK, OPT_DNS, type DhcpMessage, type DhcpOptions,
} from './wire';

const MAC = new Uint8Array([2, 0, 0, 0, 0, 0x42]);
const SERVER = 0x0a000001;
const OFFERED = 0x0a000064;

function client(random = 0x80000000) {
  return new DhcpClient({ mac: MAC, random32: () => random });
}

function sent(e: DhcpEffects): DhcpMessage {
  const m = parseDhcp(e.send!.message);
  if (typeof m === 'string') throw new Error(m);
  return m;
}

function reply(to: DhcpMessage, type: number, extra: DhcpOptions = {}, yiaddr = OFFERED): DhcpMessage {
  const options: DhcpOptions = {
    [OPT_MESSAGE_TYPE]: new Uint8Array([type]), [OPT_SERVER_ID]: uint32Option(SERVER),
    [OPT_SUBNET_MASK]: uint32Option(0xffffff00), [OPT_ROUTER]: addressesOption([SERVER]), [OPT_DNS]: addressesOption([SERVER, 0x08080808]),
    [OPT_LEASE_TIME]: uint32Option(3600), ...extra,
  };
  const m = parseDhcp(buildDhcp({ ...to, op: 2, yiaddr, options }));
  if (typeof m === 'string') throw new Error(m);
  return m;
}

describe('DHCP client core', () => {
  it('DISCOVER → OFFER → REQUEST → ACK gives a lease with mask, router, DNS, T1 and T2', () => {
    const c = client();
    const d = sent(c.start(0));
    expect(optionByte(d.options, OPT_MESSAGE_TYPE)).toBe(DHCPDISCOVER);
    expect(d.flags & 0x8000).toBe(0x8000);
    expect(Array.from(d.chaddr.subarray(0, 6))).toEqual(Array.from(MAC));
    const req = c.receive(reply(d, DHCPOFFER), 100);
    expect(req.send!.to).toBe(0xffffffff);
    const r = sent(req);
    expect(optionByte(r.options, OPT_MESSAGE_TYPE)).toBe(DHCPREQUEST);
    expect(optionAddress(r.options, OPT_REQUESTED_IP)).toBe(OFFERED);
    expect(optionAddress(r.options, OPT_SERVER_ID)).toBe(SERVER);
    expect(r.xid).toBe(d.xid);
    const ack = c.receive(reply(r, DHCPACK), 200);
    expect(ack.bound).toMatchObject({ address: OFFERED, prefix: 24, gateway: SERVER, dns: [SERVER, 0x08080808], server: SERVER, leaseSeconds: 3600 });
    // Times count from the first REQUEST (RFC 2131 §4.4.1).
    expect(ack.bound!.renewAt).toBe(100 + 1800 * 1000);
    expect(ack.bound!.rebindAt).toBe(100 + 3150 * 1000);
    expect(ack.bound!.expiresAt).toBe(100 + 3600 * 1000);
    expect(c.state()).toBe('bound');
    expect(c.deadline()).toBe(ack.bound!.renewAt);
  });

  it('retransmits DISCOVER at 4, 8, 16, 32, 64, 64 s (±1 s)', () => {
    for (const r of [0, 0xffffffff]) {
      const c = client(r);
      c.start(0);
      let last = 0;
      const gaps: number[] = [];
      for (let i = 0; i < 6; i++) {
        const at = c.deadline()!;
        gaps.push(at - last);
        last = at;
        expect(optionByte(sent(c.tick(at)).options, OPT_MESSAGE_TYPE)).toBe(DHCPDISCOVER);
      }
      const base = [4000, 8000, 16000, 32000, 64000, 64000];
      gaps.forEach((g, i) => { expect(Math.abs(g - base[i])).toBeLessThanOrEqual(1000); });
    }
  });

  it('ignores replies with another xid or chaddr, and late offers', () => {
    const c = client();
    const d = sent(c.start(0));
    expect(c.receive(reply({ ...d, xid: d.xid + 1 }, DHCPOFFER), 1).ignored).toBe('dhcp.wrong-xid');
    const other = d.chaddr.slice(); other[5] ^= 1;
    expect(c.receive(reply({ ...d, chaddr: other }, DHCPOFFER), 1).ignored).toBe('dhcp.wrong-chaddr');
    c.receive(reply(d, DHCPOFFER), 1);
    expect(c.receive(reply(d, DHCPOFFER), 2).ignored).toBe('dhcp.late-offer');
  });

  it('gives up REQUESTING after 4 unanswered REQUESTs and starts over', () => {
    const c = client();
    const d = sent(c.start(0));
    c.receive(reply(d, DHCPOFFER), 0);
    for (let i = 0; i < 3; i++) expect(optionByte(sent(c.tick(c.deadline()!)).options, OPT_MESSAGE_TYPE)).toBe(DHCPREQUEST);
    expect(optionByte(sent(c.tick(c.deadline()!)).options, OPT_MESSAGE_TYPE)).toBe(DHCPDISCOVER);
    expect(c.state()).toBe('selecting');
  });

  it('renews at T1 by unicast, rebinds at T2 by broadcast, loses the lease at expiry', () => {
    const c = client();
    const d = sent(c.start(0));
    const r = sent(c.receive(reply(d, DHCPOFFER), 0));
    const lease = c.receive(reply(r, DHCPACK), 0).bound!;
    const renew = c.tick(lease.renewAt);
    expect(c.state()).toBe('renewing');
    expect(renew.send!.to).toBe(SERVER);
    const rm = sent(renew);
    expect(rm.ciaddr).toBe(OFFERED);
    expect(rm.options[OPT_REQUESTED_IP]).toBeUndefined();
    expect(rm.options[OPT_SERVER_ID]).toBeUndefined();
    expect(rm.flags).toBe(0);
    // Retransmission: half the time to T2, at least 60 s.
    expect(c.deadline()).toBe(lease.renewAt + (lease.rebindAt - lease.renewAt) / 2);
    let e = c.tick(c.deadline()!);
    expect(e.send!.to).toBe(SERVER);
    while (c.deadline()! < lease.rebindAt) e = c.tick(c.deadline()!);
    e = c.tick(c.deadline()!);
    expect(c.state()).toBe('rebinding');
    expect(e.send!.to).toBe(0xffffffff);
    expect(sent(e).ciaddr).toBe(OFFERED);
    while (c.deadline()! < lease.expiresAt) c.tick(c.deadline()!);
    e = c.tick(c.deadline()!);
    expect(e.lost).toBe(true);
    expect(c.state()).toBe('selecting');
    expect(c.lease()).toBeUndefined();
    expect(optionByte(sent(e).options, OPT_MESSAGE_TYPE)).toBe(DHCPDISCOVER);
  });

  it('a renewal ACK extends the lease; a NAK restarts, and repeated NAKs back off', () => {
    const c = client();
    const d = sent(c.start(0));
    const r = sent(c.receive(reply(d, DHCPOFFER), 0));
    const lease = c.receive(reply(r, DHCPACK), 0).bound!;
    const rm = sent(c.tick(lease.renewAt));
    const again = c.receive(reply(rm, DHCPACK), lease.renewAt + 5).bound!;
    expect(again.expiresAt).toBe(lease.renewAt + 3600 * 1000);
    expect(c.state()).toBe('bound');
    const rm2 = sent(c.tick(again.renewAt));
    const nak = c.receive(reply(rm2, DHCPNAK, {}, 0), again.renewAt + 1);
    expect(nak.lost).toBe(true);
    expect(optionByte(sent(nak).options, OPT_MESSAGE_TYPE)).toBe(DHCPDISCOVER);
    // A second NAK in a row waits before starting over.
    const d2 = sent(nak);
    const r2 = sent(c.receive(reply(d2, DHCPOFFER), again.renewAt + 2));
    const nak2 = c.receive(reply(r2, DHCPNAK, {}, 0), again.renewAt + 3);
    expect(nak2.send).toBeUndefined();
    expect(nak2.lost).toBeUndefined();
    expect(c.state()).toBe('init');
    expect(c.deadline()).toBe(again.renewAt + 3 + 4000);
    expect(optionByte(sent(c.tick(c.deadline()!)).options, OPT_MESSAGE_TYPE)).toBe(DHCPDISCOVER);
  });

  it('derives the prefix from the mask (classful when absent) and fixes bad T1/T2', () => {
    expect(maskPrefix(0xffffff00)).toBe(24);
    expect(maskPrefix(0)).toBe(0);
    expect(maskPrefix(0xffffffff)).toBe(32);
    expect(maskPrefix(0xff00ff00)).toBe(-1);
    const c = client();
    const d = sent(c.start(0));
    const r = sent(c.receive(reply(d, DHCPOFFER), 0));
    const noMask = reply(r, DHCPACK, { [58]: uint32Option(5000), [59]: uint32Option(100) });
    delete noMask.options[OPT_SUBNET_MASK];
    const lease = c.receive(noMask, 0).bound!;
    expect(lease.prefix).toBe(8); // 10.x is class A
    expect(lease.renewAt).toBe(50 * 1000);
    expect(lease.rebindAt).toBe(100 * 1000);
  });
});
