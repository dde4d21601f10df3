import { defineBoard } from '../spec';
import type * as drivers from './drivers';

export default defineBoard<typeof drivers>({
  name: 'unix',
  description: 'the kernel as a Linux process: same engine and bytecode as the guests, for running and testing on this machine',
  arch: 'host',
  platform: 'unix',
  memoryMiB: 64,
  devices: ['console', 'block', 'files', 'netif', 'network'],
  image: { format: 'executable' },
  boot: { kind: 'process' },
});
