/* dig's printout made comparable between two servers, and NSD started for a comparison: shared by the DNS interop tests. */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** dig's printout without what differs between two runs (ids, timings, server address). */
export function normalDig(out: string): string {
  return out.split('\n').filter((l) => !/^;; (Query time|SERVER|WHEN|MSG SIZE|global options)|^; <<>> DiG|^$|^; COOKIE/.test(l))
    .map((l) => l.replace(/id: \d+/, 'id').replace(/\s+/g, ' ')).join('\n');
}

/** NSD serving `zones` ({ name, file }) on 127.0.0.1:port, its files in `work`. */
export function startNsd(work: string, port: number, zones: { name: string; file: string; provideXfr?: string }[]): ChildProcess {
  const conf = join(work, 'nsd.conf');
  writeFileSync(conf, [
    'server:', `  ip-address: 127.0.0.1@${port}`, `  port: ${port}`, '  username: ""', '  chroot: ""', '  database: ""',
    `  zonelistfile: "${work}/zone.list"`, `  pidfile: "${work}/nsd.pid"`, `  xfrdfile: "${work}/xfrd.state"`, `  xfrdir: "${work}"`,
    `  logfile: "${work}/nsd.log"`, '  server-count: 1', '  verbosity: 1',
    'remote-control:', '  control-enable: no',
    ...zones.flatMap((z) => ['zone:', `  name: ${z.name}`, `  zonefile: "${z.file}"`, ...(z.provideXfr ? [`  provide-xfr: ${z.provideXfr} NOKEY`] : [])]),
    '',
  ].join('\n'));
  return spawn('nsd', ['-d', '-c', conf]);
}
