/*
 * hello: the smallest app that exercises the spine. Timers, async/await,
 * a Map, a typed array, console output and an exit code.
 */
import { defineApp } from 'nymote';

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export default defineApp({
  name: 'hello',
  needs: { console: 'console' },
  async main({ console: out }, { args, board, platform, engine }) {
    await out.write(`hello from nymote on the ${board} board (${platform}, ${engine})\n`);

    const arrivals = new Map<string, number>();
    const started = Date.now();
    await Promise.all([300, 100, 200].map(async (ms) => {
      await sleep(ms);
      arrivals.set(`timer-${ms}`, Date.now() - started);
    }));
    console.log('timers fired in order:', Array.from(arrivals.keys()).join(' '));

    const bytes = new Uint8Array(8);
    crypto.getRandomValues(bytes);
    const checksum = bytes.reduce((sum, b) => (sum + b) & 0xff, 0);
    console.log(`random bytes: ${bytes.length}, checksum ${checksum}`);

    const code = args.indexOf('--exit') >= 0 ? Number(args[args.indexOf('--exit') + 1]) : 0;
    console.log(`exiting with ${code}`);
    return code;
  },
});
