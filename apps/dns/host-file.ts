/* Reads a host file on the unix board (the kernel's file natives); the Xen boards have no host files. */
export function readHostText(path: string): string {
  const os = __kernel.unix;
  if (!os) throw new Error('no host file system on this board: ' + path + ' (bundle zones into the image; not done yet)');
  const fd = os.open(path, 'r');
  try {
    const bytes = new Uint8Array(os.size(fd));
    let at = 0;
    while (at < bytes.length) {
      const n = os.pread(fd, bytes.subarray(at), at);
      if (n <= 0) break;
      at += n;
    }
    return new TextDecoder().decode(bytes.subarray(0, at));
  } finally {
    os.close(fd);
  }
}
