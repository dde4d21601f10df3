/*
 * echo: TCP and UDP echo on port 7 (RFC 862), TCP discard on port 9
 * (RFC 863, for throughput benchmarks) and ICMP echo, on our own
 * TCP/IP stack. The address is static (--ipv4 A.B.C.D/N, --gateway) or
 * from DHCP. With --send HOST:PORT --bytes N it is a client instead: it
 * streams N bytes to an echo server, checks every byte that comes back
 * and exits 0 when all did. With --stats-port N, a UDP datagram to port N
 * is answered with the stack's counters (what it dropped and why) as JSON.
 */
import { bootOption, defineApp, exit, formatIpv4, formatMac, parseIpv4, type Flow, type Network } from 'nymote';

const ECHO_PORT = 7;
const DISCARD_PORT = 9;
const CHUNK = 16384;

function serve(net: Network): void {
  net.udp.bind(ECHO_PORT, (data, from) => net.udp.send(from, data, ECHO_PORT));
  net.tcp.listen(ECHO_PORT, async (flow) => {
    try {
      await echoFlow(flow);
    } catch (e) {
      console.log(`echo: ${flow.remote.port}: ${(e as Error).message}`);
    }
  });
  net.tcp.listen(DISCARD_PORT, async (flow) => {
    try {
      await discardFlow(flow);
    } catch (e) {
      console.log(`discard: ${flow.remote.port}: ${(e as Error).message}`);
    }
  });
}

async function discardFlow(flow: Flow): Promise<void> {
  while ((await flow.read()) !== null) { /* RFC 863: throw it away */ }
  await flow.close();
}

async function echoFlow(flow: Flow): Promise<void> {
  for (;;) {
    const data = await flow.read();
    if (data === null) break;
    await flow.write(data);
  }
  await flow.close();
}

/**
 * The test stream repeats a random block whose length is prime, so no
 * chunk boundary lines up with it and a misplaced segment shows.
 */
const PATTERN_LENGTH = 65521;

function makePattern(): Uint8Array {
  const pattern = new Uint8Array(PATTERN_LENGTH);
  crypto.getRandomValues(pattern);
  return pattern;
}

async function sendAndCheck(net: Network, target: string, total: number): Promise<number> {
  const colon = target.lastIndexOf(':');
  const address = parseIpv4(target.slice(0, colon));
  const port = Number(target.slice(colon + 1));
  if (address === undefined || !(port > 0 && port < 65536)) throw new Error(`--send ${target}: expected A.B.C.D:PORT`);
  const started = Date.now();
  const flow = await net.tcp.connect(address, port);
  console.log(`echo: connected to ${target} from port ${flow.local.port}`);
  const pattern = makePattern();
  const writing = (async () => {
    for (let sent = 0; sent < total;) {
      const at = sent % PATTERN_LENGTH;
      const n = Math.min(CHUNK, total - sent, PATTERN_LENGTH - at);
      await flow.write(pattern.subarray(at, at + n));
      sent += n;
    }
  })();
  let received = 0;
  while (received < total) {
    const data = await flow.read();
    if (data === null) break;
    let at = received % PATTERN_LENGTH;
    for (let k = 0; k < data.length; k++) {
      if (data[k] !== pattern[at]) {
        console.log(`echo: byte ${received + k} came back as ${data[k]}, sent ${pattern[at]}`);
        flow.abort();
        return 1;
      }
      if (++at === PATTERN_LENGTH) at = 0;
    }
    received += data.length;
  }
  await writing;
  await flow.close();
  const ms = Date.now() - started;
  if (received !== total) { console.log(`echo: ${received} of ${total} bytes came back`); return 1; }
  console.log(`echo: ${total} bytes sent and echoed back intact in ${ms} ms`);
  return 0;
}

export default defineApp({
  name: 'echo',
  needs: { net: 'network' },
  async main({ net }, { args }) {
    await net.ready;
    const gateway = net.ipv4.gateway();
    console.log(`echo: ${formatIpv4(net.ipv4.address())}/${net.ipv4.prefix()} on ${formatMac(net.mac)}` +
      (gateway ? ` via ${formatIpv4(gateway)}` : '') + (net.lease() ? ' (DHCP)' : ' (static)'));
    const target = bootOption(args, '--send');
    // The network keeps the event loop alive: a client ends the program itself.
    if (target !== undefined) return exit(await sendAndCheck(net, target, Number(bootOption(args, '--bytes') || 1048576)));
    serve(net);
    const statsPort = bootOption(args, '--stats-port');
    if (statsPort !== undefined) {
      net.udp.bind(Number(statsPort), (_data, from, to) => {
        net.udp.send(from, new TextEncoder().encode(JSON.stringify(net.counters) + '\n'), to.port);
      });
    }
    console.log(`echo: serving tcp and udp port ${ECHO_PORT}, tcp discard port ${DISCARD_PORT} and ping`);
    return new Promise<number>(() => { /* serves until stopped */ });
  },
});
