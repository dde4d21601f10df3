/*
 * homepage: a static website over HTTP/1.1 (services/http) on port 80, or
 * --port N. The site is content/, which the build copies onto the image's
 * data volume (FAT32, with .gz variants of text files); --content DIR
 * serves a host folder instead (the unix and node boards).
 *
 *   GET /healthz   {"status":"ok", ...} as JSON, for monitors and the HIL rig
 *   POST /echo     the request body back (uploads, chunked ones too), for probes
 *   anything else  the site's files: index.html for folders, ranges, ETags, 304s
 *
 * One access-log line per request goes to the console (--access-log off
 * stops them). Imports only 'nymote', so `nymote new NAME` copies it anywhere.
 */
import {
  bootOption, defineApp, exit, folderSource, formatIpv4, json, mount, router, serveFiles, serveHttp, volumeSource,
  type FileSource, type Request,
} from 'nymote';

function echo(req: Request) {
  return { status: 200, headers: { 'Content-Type': req.headers.get('content-type') || 'application/octet-stream' }, body: req.body };
}

export default defineApp({
  name: 'homepage',
  needs: { net: 'network', store: 'block?', files: 'files?' },
  async main({ net, store, files }, { args, board }) {
    const port = Number(bootOption(args, '--port') || 80);
    if (!(port > 0 && port < 65536)) { console.log('homepage: --port ' + bootOption(args, '--port') + ': not a port number'); return exit(1); }
    const folder = bootOption(args, '--content');
    let site: FileSource;
    let from: string;
    if (folder) {
      if (!files) { console.log('homepage: --content ' + folder + ": this board has no host files; put the site on the data volume"); return exit(1); }
      site = await folderSource(files, folder);
      from = folder;
    } else if (store) {
      site = volumeSource(await mount(store));
      from = 'its data volume';
    } else {
      console.log('homepage: no site to serve: give it a data volume (--disk PATH) or --content DIR');
      return exit(1);
    }
    await net.ready;
    const started = Date.now();
    let requests = 0;
    const log = bootOption(args, '--access-log') !== 'off';
    const routes = router()
      .get('/healthz', () => json({ status: 'ok', board, uptimeSeconds: Math.floor((Date.now() - started) / 1000), requests }))
      .post('/echo', echo)
      .fallback(serveFiles(site));
    serveHttp(net.tcp, port, routes.handle, {
      onLog: (line) => {
        requests++;
        if (log) console.log(line);
      },
    });
    await net.listening();
    console.log('homepage: serving ' + from + ' on http://' + formatIpv4(net.ipv4.address()) + ':' + port + '/');
    return new Promise<number>(() => { /* serves until stopped */ });
  },
});
