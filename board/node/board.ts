import { defineBoard } from '../spec';

export default defineBoard({
  name: 'node',
  description: "the app's TypeScript under Node, on the host's sockets and files: for development (nymote dev reloads on change); no image",
  arch: 'host',
  platform: 'node',
  memoryMiB: 0,
  drivers: {
    console: 'drivers/kernel/console.ts#createConsole',
    block: 'drivers/node/file-block.ts#createFileBlock',
    network: 'drivers/node/host-network.ts#createHostNetwork',
  },
  image: { format: 'none' },
});
