/*
 * echo: TCP and UDP echo on port 7 (RFC 862) and ICMP echo, on our own
 * TCP/IP stack. The address is static (--ipv4 A.B.C.D/N, --gateway) or
 * from DHCP. With --send HOST:PORT --bytes N it is a client instead: it
 * streams N bytes to an echo server, checks every byte that comes back
 * and exits 0 when all did.
 */
import { defineApp, formatIpv4, formatMac, network, parseIpv4, type Flow, type Network } from 'nymote';

const ECHO_PORT = 7;
const CHUNK = 16384;

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

function serve(net: Network): void {
  net.udp.bind(ECHO_PORT, (data, from) => net.udp.send(from, data, ECHO_PORT));
  net.tcp.listen(ECHO_PORT, (flow) => {
    echoFlow(flow).catch((e: Error) => console.log(`echo: ${flow.remote.port}: ${e.message}`));
  });
}

async function echoFlow(flow: Flow): Promise<void> {
  for (;;) {
    const data = await flow.read();
    if (data === null) break;
    await flow.write(data);
  }
  await flow.close();
}

/** Byte i of the test stream: varied, and cheap to check on both sides. */
function streamByte(i: number): number {
  return (i * 7 + (i >>> 8) * 13 + (i >>> 16)) & 0xff;
}

async function sendAndCheck(net: Network, target: string, total: number): Promise<number> {
  const colon = target.lastIndexOf(':');
  const address = parseIpv4(target.slice(0, colon));
  const port = Number(target.slice(colon + 1));
  if (address === undefined || !(port > 0 && port < 65536)) throw new Error(`--send ${target}: expected A.B.C.D:PORT`);
  const started = Date.now();
  const flow = await net.tcp.connect(address, port);
  console.log(`echo: connected to ${target} from port ${flow.local.port}`);
  const writing = (async () => {
    for (let sent = 0; sent < total;) {
      const n = Math.min(CHUNK, total - sent);
      const chunk = new Uint8Array(n);
      for (let k = 0; k < n; k++) chunk[k] = streamByte(sent + k);
      await flow.write(chunk);
      sent += n;
    }
  })();
  let received = 0;
  while (received < total) {
    const data = await flow.read();
    if (data === null) break;
    for (let k = 0; k < data.length; k++) {
      if (data[k] !== streamByte(received + k)) {
        console.log(`echo: byte ${received + k} came back as ${data[k]}, sent ${streamByte(received + k)}`);
        flow.abort();
        return 1;
      }
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
  async main({ net: netif }, { args }) {
    const net = network(netif, args, { hostname: 'nymote-echo' });
    await net.ready;
    const gateway = net.ipv4.gateway();
    console.log(`echo: ${formatIpv4(net.ipv4.address())}/${net.ipv4.prefix()} on ${formatMac(net.mac)}` +
      (gateway ? ` via ${formatIpv4(gateway)}` : '') + (net.lease() ? ' (DHCP)' : ' (static)'));
    const target = option(args, '--send');
    if (target !== undefined) return sendAndCheck(net, target, Number(option(args, '--bytes') || 1048576));
    serve(net);
    console.log(`echo: serving tcp and udp port ${ECHO_PORT} and ping`);
    return new Promise<number>(function () { /* serves until stopped */ });
  },
});
