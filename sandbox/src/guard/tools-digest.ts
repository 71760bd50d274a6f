import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json.js';

export interface ToolDefinition {
  name: string;
  description?: string;
  inputSchema?: unknown;
  [k: string]: unknown;
}

/**
 * The tools digest certified into an attestation and checked at run time: SHA-256 over the RFC 8785
 * canonical JSON of `[{name, description, inputSchema}]` sorted by name. Only what a model reads to
 * decide a call is hashed: a changed description (tool poisoning) or schema changes the digest;
 * annotations, titles and ordering do not.
 */
export function canonicalToolsDigest(tools: readonly ToolDefinition[]): string {
  const projected = tools
    .map((t) => ({
      name: t.name,
      ...(t.description !== undefined ? { description: t.description } : {}),
      ...(t.inputSchema !== undefined ? { inputSchema: t.inputSchema } : {}),
    }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return `sha256:${createHash('sha256').update(canonicalJson(projected)).digest('hex')}`;
}
