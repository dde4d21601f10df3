/* A program the command runs in the foreground: its exit code is ours, and stopping us stops it. */
import { spawn, type SpawnOptions } from 'node:child_process';

export function runForeground(cmd: string, args: string[], options: SpawnOptions = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: 'inherit', ...options });
    // A terminal's Ctrl-C reaches both of us; a kill reaches only us.
    const forward = (signal: NodeJS.Signals) => { child.kill(signal); };
    process.on('SIGTERM', forward);
    process.on('SIGINT', forward);
    const done = () => { process.off('SIGTERM', forward); process.off('SIGINT', forward); };
    child.on('error', (e) => { done(); reject(e); });
    child.on('exit', (code, signal) => { done(); resolve(code ?? (signal ? 128 + 15 : 1)); });
  });
}
