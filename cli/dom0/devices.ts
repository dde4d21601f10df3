/*
 * The devices a full-topology boot gives the guest, as real boards have
 * them: the machine's NIC and disk belong to the Linux dom0, which bridges
 * the NIC to the guest's vif (netback) and exports the disk as the guest's
 * xvda (blkback). The host side is QEMU's: a tap device (`--tap NAME`) or
 * QEMU's user network (NAT and DHCP), and a raw image file (`--disk PATH`).
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { UserError } from '../errors';
import { deviceKind } from '../build/appinfo';

/** The bridge /init creates (cli/dom0/init.sh) and the hotplug scripts it installs. */
export const BRIDGE = 'xenbr0';
export const VIF_SCRIPT = '/etc/xen/scripts/nymote-vif';
export const BLOCK_SCRIPT = '/etc/xen/scripts/nymote-block';
/** The machine's disk as dom0 sees it (the first virtio disk). */
const DOM0_DISK = '/dev/vda';

export interface FullBootDevices {
  qemuArgs: string[];
  vifs: string[];
  disks: string[];
  /** The app's arguments without the ones the host side consumed (--tap, --disk). */
  guestArgs: string[];
  /** What the guest gets, for the progress line. */
  summary: string[];
}

/** A Xen-reserved MAC (00:16:3e) with random low bytes, fixed for one boot. */
function xenMac(): string {
  return ['00', '16', '3e', ...[...randomBytes(3)].map((b, i) => (i === 0 ? b & 0x7f : b).toString(16).padStart(2, '0'))].join(':');
}

/** Takes `--name VALUE` (or --name=VALUE) out of args. */
function takeOption(args: string[], name: string): { value?: string; rest: string[] } {
  const rest: string[] = [];
  let value: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === `--${name}`) {
      if (i + 1 >= args.length) throw new UserError(`--${name} needs a value`);
      value = args[++i];
    } else if (a.startsWith(`--${name}=`)) {
      value = a.slice(name.length + 3);
    } else {
      rest.push(a);
    }
  }
  return { value, rest };
}

/**
 * QEMU devices and xl specs for the kinds the app needs (manifest devices).
 * `pciBus`: the machine's virtio devices sit on PCI (x86) or MMIO (arm64 virt).
 */
export function fullBootDevices(needs: string[], args: string[], bus: 'pci' | 'mmio'): FullBootDevices {
  const kinds = needs.map(deviceKind);
  const virtio = (what: 'net' | 'blk') => `virtio-${what}-${bus === 'pci' ? 'pci' : 'device'}`;
  const tap = takeOption(args, 'tap');
  const disk = takeOption(tap.rest, 'disk');
  const out: FullBootDevices = { qemuArgs: [], vifs: [], disks: [], guestArgs: disk.rest, summary: [] };
  if (kinds.includes('network') || kinds.includes('netif')) {
    const mac = xenMac();
    if (tap.value !== undefined) {
      if (!/^[A-Za-z0-9_.-]{1,15}$/.test(tap.value)) throw new UserError(`--tap ${tap.value}: not a network interface name`);
      out.qemuArgs.push('-netdev', `tap,id=net0,ifname=${tap.value},script=no,downscript=no`);
      out.summary.push(`vif ${mac} bridged to host tap ${tap.value}`);
    } else {
      out.qemuArgs.push('-netdev', 'user,id=net0');
      out.summary.push(`vif ${mac} bridged to QEMU's user network (DHCP, NAT)`);
    }
    out.qemuArgs.push('-device', `${virtio('net')},netdev=net0`);
    out.vifs.push(`bridge=${BRIDGE},mac=${mac},script=${VIF_SCRIPT}`);
  } else if (tap.value !== undefined) {
    throw new UserError('--tap: this app needs no network device');
  }
  if (kinds.includes('block')) {
    if (disk.value === undefined && needs.includes('block?')) return out;
    if (disk.value === undefined) throw new UserError('this app needs a disk: pass --disk PATH (a raw image file) after --');
    const file = resolve(disk.value);
    if (!existsSync(file)) throw new UserError(`--disk ${disk.value}: no such file (make one with 'nymote disk create')`);
    if (/[,\s]/.test(file)) throw new UserError(`--disk ${disk.value}: QEMU cannot take a path with a comma or a space`);
    out.qemuArgs.push('-drive', `file=${file},format=raw,if=none,id=disk0,cache=writeback`, '-device', `${virtio('blk')},drive=disk0`);
    out.disks.push(`format=raw,vdev=xvda,access=rw,script=${BLOCK_SCRIPT},target=${DOM0_DISK}`);
    out.summary.push(`xvda = ${disk.value}`);
  } else if (disk.value !== undefined) {
    throw new UserError('--disk: this app needs no block device');
  }
  return out;
}
