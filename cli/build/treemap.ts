/*
 * The size report as a picture: a static HTML treemap beside the manifest
 * (the Buildroot graph-size / rollup-plugin-visualizer habit). That plugin
 * measures rollup's ES5 output; what an image pays is the kernel's C, the
 * engine and the Duktape bytecode per module, so the page is made here: a
 * squarified layout computed at build time, plain positioned boxes with
 * tooltips, no script, and the full table under it.
 */
export interface SizeNode { name: string; bytes: number; detail?: string; children?: SizeNode[] }

interface Rect { x: number; y: number; w: number; h: number }

const WIDTH = 1200;
const HEIGHT = 720;
/** Room for a group's name above its children. */
const HEADER = 16;

/** The worst aspect ratio of a row of areas laid along a side. */
function worstRatio(row: number[], side: number): number {
  const sum = row.reduce((a, b) => a + b, 0);
  const max = Math.max(...row);
  const min = Math.min(...row);
  return Math.max((side * side * max) / (sum * sum), (sum * sum) / (side * side * min));
}

/** Squarified treemap (Bruls, Huizing, van Wijk): areas, largest first, filling rect. */
export function squarify(areas: number[], rect: Rect): Rect[] {
  const out: Rect[] = [];
  let free = { ...rect };
  let i = 0;
  while (i < areas.length) {
    const side = Math.min(free.w, free.h);
    const row = [areas[i++]];
    while (i < areas.length && worstRatio([...row, areas[i]], side) <= worstRatio(row, side)) row.push(areas[i++]);
    const sum = row.reduce((a, b) => a + b, 0);
    if (free.w >= free.h) {
      const w = free.h > 0 ? sum / free.h : 0;
      let y = free.y;
      for (const a of row) { const h = w > 0 ? a / w : 0; out.push({ x: free.x, y, w, h }); y += h; }
      free = { x: free.x + w, y: free.y, w: free.w - w, h: free.h };
    } else {
      const h = free.w > 0 ? sum / free.w : 0;
      let x = free.x;
      for (const a of row) { const w = h > 0 ? a / h : 0; out.push({ x, y: free.y, w, h }); x += w; }
      free = { x: free.x, y: free.y + h, w: free.w, h: free.h - h };
    }
  }
  return out;
}

/** Module paths ("nymote/store/fat32/volume.ts") as nested folders; a folder's bytes are its children's. */
export function folderTree(name: string, leaves: { path: string; bytes: number; detail: string }[]): SizeNode {
  const root: SizeNode = { name, bytes: 0, children: [] };
  for (const leaf of leaves) {
    const parts = leaf.path.split('/');
    let node = root;
    node.bytes += leaf.bytes;
    for (const part of parts.slice(0, -1)) {
      let next = node.children!.find((c) => c.name === part && c.children);
      if (!next) node.children!.push(next = { name: part, bytes: 0, children: [] });
      next.bytes += leaf.bytes;
      node = next;
    }
    node.children!.push({ name: parts[parts.length - 1], bytes: leaf.bytes, detail: leaf.detail });
  }
  return root;
}

const escape = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

function hue(path: string): number {
  let h = 0;
  for (const c of path) h = (h * 31 + c.charCodeAt(0)) % 360;
  return h;
}

function boxes(node: SizeNode, rect: Rect, path: string, depth: number, out: string[]): void {
  const title = `${path} — ${node.bytes.toLocaleString('en')} bytes${node.detail ? ` (${node.detail})` : ''}`;
  const style = `left:${rect.x.toFixed(1)}px;top:${rect.y.toFixed(1)}px;width:${Math.max(rect.w - 1, 0).toFixed(1)}px;height:${Math.max(rect.h - 1, 0).toFixed(1)}px;` +
    `background:hsl(${hue(path.split('/').slice(0, 3).join('/'))},45%,${Math.min(88, 55 + depth * 8)}%)`;
  const label = rect.w > 40 && rect.h > 14 ? escape(node.name) : '';
  out.push(`<div class="box" style="${style}" title="${escape(title)}">${label}</div>`);
  const children = (node.children ?? []).filter((c) => c.bytes > 0).sort((a, b) => b.bytes - a.bytes);
  if (!children.length || rect.w < 8 || rect.h < HEADER + 8) return;
  const inner = { x: rect.x + 2, y: rect.y + HEADER, w: rect.w - 4, h: rect.h - HEADER - 2 };
  const scale = (inner.w * inner.h) / node.bytes;
  squarify(children.map((c) => c.bytes * scale), inner)
    .forEach((r, i) => boxes(children[i], r, `${path}/${children[i].name}`, depth + 1, out));
}

export interface TreemapRow { name: string; columns: (string | number)[] }

/** The page: a heading, the treemap of root's children, and a table of rows. */
export function treemapHtml(title: string, note: string, root: SizeNode, table: { head: string[]; rows: TreemapRow[] }): string {
  const out: string[] = [];
  const top = (root.children ?? []).filter((c) => c.bytes > 0).sort((a, b) => b.bytes - a.bytes);
  const scale = (WIDTH * HEIGHT) / top.reduce((n, c) => n + c.bytes, 0);
  squarify(top.map((c) => c.bytes * scale), { x: 0, y: 0, w: WIDTH, h: HEIGHT }).forEach((r, i) => boxes(top[i], r, top[i].name, 0, out));
  const cell = (v: string | number) => typeof v === 'number' ? `<td class="n">${v.toLocaleString('en')}</td>` : `<td>${escape(v)}</td>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title>
<style>
body{font:13px system-ui,sans-serif;margin:16px;color:#222}
.map{position:relative;width:${WIDTH}px;height:${HEIGHT}px;border:1px solid #888}
.box{position:absolute;box-sizing:border-box;overflow:hidden;white-space:nowrap;font-size:11px;line-height:14px;padding:0 2px;border:1px solid rgba(0,0,0,.25)}
table{border-collapse:collapse;margin-top:16px}td,th{padding:1px 8px;border-bottom:1px solid #ddd;text-align:left}.n{text-align:right;font-variant-numeric:tabular-nums}
</style></head><body>
<h1>${escape(title)}</h1>
<p>${escape(note)}</p>
<div class="map">
${out.join('\n')}
</div>
<table><thead><tr>${table.head.map((h) => `<th>${escape(h)}</th>`).join('')}</tr></thead><tbody>
${table.rows.map((r) => `<tr>${r.columns.map(cell).join('')}<td>${escape(r.name)}</td></tr>`).join('\n')}
</tbody></table>
</body></html>
`;
}
