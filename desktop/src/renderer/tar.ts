/** A folder dropped in the browser, packed as a ustar .tar.gz (what the hub's upload expects). */
export interface SourceFile {
  path: string;
  data: Uint8Array;
}

// Like the CLI's packDirectory: VCS metadata only (a bundle must run as submitted, dependencies included).
const SKIP = /(^|\/)(\.git|\.hg|\.svn)(\/|$)/;
const enc = new TextEncoder();

function header(path: string, size: number): Uint8Array {
  const h = new Uint8Array(512);
  let name = path;
  let prefix = '';
  if (enc.encode(name).length > 100) {
    const cut = path.lastIndexOf('/', path.length - 1 - 0);
    prefix = path.slice(0, cut);
    name = path.slice(cut + 1);
    if (enc.encode(name).length > 100 || enc.encode(prefix).length > 155)
      throw new Error(`path too long for tar: ${path}`);
  }
  const put = (s: string, off: number, len: number) => h.set(enc.encode(s).slice(0, len), off);
  const octal = (n: number, len: number) => `${n.toString(8).padStart(len - 1, '0')}\0`;
  put(name, 0, 100);
  put(octal(0o644, 8), 100, 8);
  put(octal(0, 8), 108, 8);
  put(octal(0, 8), 116, 8);
  put(octal(size, 12), 124, 12);
  put(octal(0, 12), 136, 12);
  put('        ', 148, 8);
  put('0', 156, 1);
  put('ustar\0', 257, 6);
  put('00', 263, 2);
  put(prefix, 345, 155);
  let sum = 0;
  for (const b of h) sum += b;
  put(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8);
  return h;
}

export function tar(files: SourceFile[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const f of files.filter((x) => !SKIP.test(x.path)).sort((a, b) => a.path.localeCompare(b.path))) {
    parts.push(header(f.path, f.data.length), f.data, new Uint8Array((512 - (f.data.length % 512)) % 512));
  }
  parts.push(new Uint8Array(1024));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

export async function tarGz(files: SourceFile[]): Promise<Blob> {
  const stream = new Blob([tar(files) as BlobPart]).stream().pipeThrough(new CompressionStream('gzip'));
  return new Response(stream).blob();
}

/** Files under a dropped directory entry, with paths relative to it. */
export async function filesOfEntry(entry: FileSystemEntry, prefix = ''): Promise<SourceFile[]> {
  if (entry.isFile) {
    const file = await new Promise<File>((res, rej) => (entry as FileSystemFileEntry).file(res, rej));
    return [{ path: prefix + entry.name, data: new Uint8Array(await file.arrayBuffer()) }];
  }
  if (SKIP.test(entry.name)) return [];
  const reader = (entry as FileSystemDirectoryEntry).createReader();
  const children: FileSystemEntry[] = [];
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((res, rej) => reader.readEntries(res, rej));
    if (batch.length === 0) break;
    children.push(...batch);
  }
  const nested = await Promise.all(children.map((c) => filesOfEntry(c, `${prefix}${entry.name}/`)));
  return nested.flat();
}

/** Strips the common top folder so the server's package.json sits at the archive root. */
export function stripTopFolder(files: SourceFile[]): SourceFile[] {
  const tops = new Set(files.map((f) => f.path.split('/')[0]));
  if (tops.size !== 1 || files.some((f) => !f.path.includes('/'))) return files;
  return files.map((f) => ({ ...f, path: f.path.slice(f.path.indexOf('/') + 1) }));
}
