import { createHash, randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';

/**
 * A bundle of about `size` bytes: a gzip'd ustar archive holding a tiny `index.js` and
 * `payload.bin` of random bytes. Random bytes do not compress, so the bundle is as large on the wire
 * as on disk and neither server can win by compressing; the archive is real so that a registry
 * that inspects bundles accepts it.
 */
export function makeBundle(size) {
  const index = Buffer.from("console.log('bench payload');\n");
  const payload = randomBytes(Math.max(0, size - 4096));
  const tar = Buffer.concat([
    tarEntry('index.js', index),
    tarEntry('payload.bin', payload),
    Buffer.alloc(1024),
  ]);
  // Level 1: the input is incompressible, a higher level only costs time.
  const bytes = gzipSync(tar, { level: 1 });
  return {
    bytes,
    size: bytes.length,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    sha1: createHash('sha1').update(bytes).digest('hex'),
    sha512Base64: createHash('sha512').update(bytes).digest('base64'),
  };
}

function tarEntry(name, data) {
  const header = Buffer.alloc(512);
  header.write(name, 0, 100, 'utf8');
  header.write('0000644\0', 100, 8, 'ascii'); // mode
  header.write('0000000\0', 108, 8, 'ascii'); // uid
  header.write('0000000\0', 116, 8, 'ascii'); // gid
  header.write(`${data.length.toString(8).padStart(11, '0')}\0`, 124, 12, 'ascii');
  header.write(
    `${Math.floor(Date.now() / 1000)
      .toString(8)
      .padStart(11, '0')}\0`,
    136,
    12,
    'ascii',
  );
  header.write('        ', 148, 8, 'ascii'); // checksum counts as spaces while it is summed
  header.write('0', 156, 1, 'ascii'); // regular file
  header.write('ustar\0', 257, 6, 'ascii');
  header.write('00', 263, 2, 'ascii');
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'ascii');
  const padding = Buffer.alloc((512 - (data.length % 512)) % 512);
  return Buffer.concat([header, data, padding]);
}
