import { defineBoard } from '../spec';

export default defineBoard({
  name: 'xen-x86',
  description: 'any x86_64 Xen host: a PV domU kernel plus an xl config to start it with `xl create`',
  arch: 'x86_64',
  platform: 'xen',
  memoryMiB: 16,
  drivers: {
    console: 'drivers/kernel/console.ts#createConsole',
    // PV devices: a dom0 with netback/blkback and xenstore (nymote boot --full, or a real Xen host)
    network: 'drivers/xen/kernel/netfront-device.ts#createNetfront',
    block: 'drivers/xen/kernel/blkfront-device.ts#createBlkfront',
  },
  image: { format: 'pv-elf' },
});
