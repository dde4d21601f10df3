import { defineBoard } from '../spec';

export default defineBoard({
  name: 'unix',
  description: 'the kernel as a Linux process: same engine and bytecode as the guests, for running and testing on this machine',
  arch: 'host',
  platform: 'unix',
  memoryMiB: 64,
  drivers: {
    console: 'drivers/kernel/console.ts#createConsole',
    block: 'drivers/unix/file-block.ts#createFileBlock',
    network: 'drivers/unix/tap.ts#createTap',
  },
  image: { format: 'executable' },
});
