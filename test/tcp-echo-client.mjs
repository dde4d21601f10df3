/*
 * A TCP echo client that waits for every byte (run by echo-linux.test.ts
 * inside its network namespace):
 *
 *   node tcp-echo-client.mjs HOST PORT SENT-FILE BACK-FILE DEADLINE-SECONDS
 *
 * It writes all of SENT-FILE, half-closes, and reads until the peer closes
 * (or, once every byte is back, for at most GRACE_MS more), or until the
 * deadline passes. What came back goes to BACK-FILE; a JSON report goes to
 * stdout: { sent, received, wroteAll, peerClosed, timedOut, error, ms }.
 *
 * socat is not used for this: it ends `-t` seconds (0.5 by default) after
 * its input's EOF, whatever is still in flight, so under loss a tail that
 * is still being retransmitted was cut off.
 */
import { connect } from 'node:net';
import { readFileSync, writeFileSync } from 'node:fs';

const GRACE_MS = 10_000;

const [host, port, sentFile, backFile, deadlineSeconds] = process.argv.slice(2);
if (!host || !(Number(port) > 0) || !sentFile || !backFile || !(Number(deadlineSeconds) > 0)) {
  console.error('usage: tcp-echo-client.mjs HOST PORT SENT-FILE BACK-FILE DEADLINE-SECONDS');
  process.exit(2);
}

const data = readFileSync(sentFile);
const started = Date.now();
const chunks = [];
let received = 0;
let wroteAll = false;
let peerClosed = false;
let timedOut = false;
let error = null;
let done = false;
let grace;

const socket = connect({ host, port: Number(port) });

function finish() {
  if (done) return;
  done = true;
  clearTimeout(deadline);
  clearTimeout(grace);
  socket.destroy();
  writeFileSync(backFile, Buffer.concat(chunks, received));
  process.stdout.write(JSON.stringify({ sent: data.length, received, wroteAll, peerClosed, timedOut, error, ms: Date.now() - started }) + '\n');
}

const deadline = setTimeout(() => { timedOut = true; finish(); }, Number(deadlineSeconds) * 1000);

socket.on('connect', () => {
  // all of it, then FIN; 'finish' says the last byte was handed to the kernel
  socket.end(data, () => { wroteAll = true; });
});
socket.on('data', (chunk) => {
  chunks.push(chunk);
  received += chunk.length;
  // every byte is back: wait a little for the peer's close (and any extra bytes), not for the deadline
  if (received >= data.length && grace === undefined) grace = setTimeout(finish, GRACE_MS);
});
socket.on('end', () => { peerClosed = true; finish(); });
socket.on('error', (e) => { error = e.message; finish(); });
