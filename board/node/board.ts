import { defineBoard } from '../spec';
import type * as drivers from './drivers';

export default defineBoard<typeof drivers>({
  name: 'node',
  description: "the app's TypeScript under Node, on the host's sockets and files: for development (nymote dev reloads on change); no image",
  arch: 'host',
  platform: 'node',
  memoryMiB: 0,
  devices: ['console', 'block', 'files', 'network'],
  image: { format: 'none' },
  boot: { kind: 'none' },
});
