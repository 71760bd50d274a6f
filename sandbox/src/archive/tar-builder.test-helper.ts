import { gzipSync } from 'node:zlib';

/** Builds raw ustar archives entry by entry, so tests can write what no honest tool would. */
export interface RawEntry {
  path: string;
  type?: '0' | '1' | '2' | '3' | '4' | '5' | '6';
  body?: Buffer | string;
  linkpath?: string;
  mode?: number;
  /** Overrides the size field (e.g. to lie about it). */
  size?: number;
}

function octal(n: number, width: number): string {
  return `${n.toString(8).padStart(width - 1, '0')}\0`;
}

function header(e: RawEntry, bodyLength: number): Buffer {
  const h = Buffer.alloc(512, 0);
  h.write(e.path.slice(0, 100), 0, 'latin1');
  h.write(octal(e.mode ?? 0o644, 8), 100);
  h.write(octal(0, 8), 108);
  h.write(octal(0, 8), 116);
  h.write(octal(e.size ?? bodyLength, 12), 124);
  h.write(octal(0, 12), 136);
  h.write('        ', 148);
  h.write(e.type ?? '0', 156);
  if (e.linkpath) h.write(e.linkpath.slice(0, 100), 157, 'latin1');
  h.write('ustar\0', 257);
  h.write('00', 263);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return h;
}

export function rawTar(entries: RawEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const body = Buffer.from(e.body ?? '');
    parts.push(header(e, body.length), body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

export const rawTarGz = (entries: RawEntry[]) => gzipSync(rawTar(entries));
