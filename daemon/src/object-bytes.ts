import type { ObjectStore } from '@mcphub/registry';

/** Reads a whole object into memory: reports, snapshots, attestations and sources are bounded in size. */
export async function readObjectBytes(store: ObjectStore, bucket: string, key: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of (await store.get(bucket, key)) as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}
