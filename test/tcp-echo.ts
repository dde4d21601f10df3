/* A TCP echo from inside a network namespace that waits for every byte (shared by the interop and tier-5 echo tests). */
import { expect } from 'vitest';
import { spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from './helpers';

export const ECHO_DEADLINE_S = 240;

/**
 * Streams `data` to HOST:PORT from network namespace `ns` and reads the echo until the server closes (it
 * does after our EOF) or the deadline passes: test/tcp-echo-client.mjs,
 * in the namespace. Not socat, which ends 0.5 s (`-t`) after its input's EOF,
 * cutting off a tail still being retransmitted under loss. Returns what came
 * back and a line saying how much and how it ended, for the failure messages.
 * Asynchronous, so a slow echo does not block vitest's worker (its RPC to the
 * main process times out after 60 s: "Timeout calling onTaskUpdate").
 */
export async function tcpEchoFromNamespace(ns: string, host: string, port: number, data: Buffer, work: string): Promise<{ back: Buffer; summary: string }> {
  const sent = join(work, 'sent');
  const back = join(work, 'back');
  writeFileSync(sent, data);
  rmSync(back, { force: true });
  const client = spawn('ip', ['netns', 'exec', ns, process.execPath, join(REPO, 'test', 'tcp-echo-client.mjs'),
    host, String(port), sent, back, String(ECHO_DEADLINE_S)]);
  let stdout = '';
  let stderr = '';
  client.stdout.on('data', (d) => { stdout += d; });
  client.stderr.on('data', (d) => { stderr += d; });
  const killer = setTimeout(() => client.kill('SIGKILL'), (ECHO_DEADLINE_S + 20) * 1000);
  const code = await new Promise<number | string | null>((resolve) => {
    client.on('error', (e) => resolve(e.message));
    client.on('close', (c, signal) => resolve(c ?? signal));
  });
  clearTimeout(killer);
  expect(code, `echo client: ${stderr}`).toBe(0);
  const report = JSON.parse(stdout) as { sent: number; received: number; wroteAll: boolean; peerClosed: boolean; timedOut: boolean; error: string | null; ms: number };
  const how = [report.wroteAll ? 'all written' : 'NOT all written', report.peerClosed ? 'server closed' : 'server did not close',
    ...(report.timedOut ? [`deadline of ${ECHO_DEADLINE_S} s passed`] : []), ...(report.error ? [`error: ${report.error}`] : [])];
  return { back: readFileSync(back), summary: `${report.received} of ${report.sent} bytes came back in ${report.ms} ms (${how.join(', ')})` };
}

