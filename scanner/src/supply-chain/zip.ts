/**
 * Reads the files of a ZIP archive (stored or deflated entries, Zip64 included: osv.dev ecosystem
 * exports hold more than 65,535 records), enough for OSV database exports.
 */
import { inflateRawSync } from 'node:zlib';

const U32 = 0xffffffff;

function num(v: bigint): number {
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error('zip archive too large');
  return Number(v);
}

export function readZipEntries(buf: Buffer): { name: string; data: Buffer }[] {
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 65557); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error('not a zip archive (no end of central directory)');
  let count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  // Zip64: the locator sits right before the classic record and points at the Zip64 end record.
  if (eocd >= 20 && buf.readUInt32LE(eocd - 20) === 0x07064b50) {
    const z = num(buf.readBigUInt64LE(eocd - 20 + 8));
    if (buf.readUInt32LE(z) !== 0x06064b50) throw new Error('corrupt zip64 end of central directory');
    count = num(buf.readBigUInt64LE(z + 32));
    p = num(buf.readBigUInt64LE(z + 48));
  }
  const out: { name: string; data: Buffer }[] = [];
  for (let k = 0; k < count; k++) {
    if (buf.readUInt32LE(p) !== 0x02014b50) throw new Error('corrupt zip central directory');
    const method = buf.readUInt16LE(p + 10);
    let compSize = buf.readUInt32LE(p + 20);
    const rawSize = buf.readUInt32LE(p + 24);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    let local = buf.readUInt32LE(p + 42);
    const name = buf.subarray(p + 46, p + 46 + nameLen).toString('utf8');
    // Zip64 extended information: the 64-bit values of the fields saturated at 0xFFFFFFFF, in order.
    for (let e = p + 46 + nameLen; e + 4 <= p + 46 + nameLen + extraLen; ) {
      const id = buf.readUInt16LE(e);
      const size = buf.readUInt16LE(e + 2);
      if (id === 0x0001) {
        let f = e + 4;
        if (rawSize === U32) f += 8;
        if (compSize === U32) {
          compSize = num(buf.readBigUInt64LE(f));
          f += 8;
        }
        if (local === U32) local = num(buf.readBigUInt64LE(f));
      }
      e += 4 + size;
    }
    p += 46 + nameLen + extraLen + commentLen;
    if (name.endsWith('/')) continue;
    if (buf.readUInt32LE(local) !== 0x04034b50) throw new Error(`corrupt zip entry ${name}`);
    const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const raw = buf.subarray(start, start + compSize);
    if (method === 0) out.push({ name, data: Buffer.from(raw) });
    else if (method === 8) out.push({ name, data: inflateRawSync(raw) });
    else throw new Error(`unsupported zip compression method ${method} (${name})`);
  }
  return out;
}
