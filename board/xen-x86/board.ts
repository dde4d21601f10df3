import { defineBoard } from '../spec';

export default defineBoard({
  name: 'xen-x86',
  description: 'any x86_64 Xen host: a PV domU kernel plus an xl config to start it with `xl create`',
  arch: 'x86_64',
  platform: 'xen',
  memoryMiB: 16,
  drivers: {
    console: 'drivers/kernel/console.ts#createConsole',
  },
  image: { format: 'pv-elf' },
});
