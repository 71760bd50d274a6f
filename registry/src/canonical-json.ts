import canonicalizeModule from 'canonicalize';

// canonicalize is CommonJS whose typings declare a default export; normalise both shapes.
const canonicalize = ((canonicalizeModule as unknown as { default?: unknown }).default ??
  canonicalizeModule) as (input: unknown) => string | undefined;

/** RFC 8785 (JCS) canonical JSON text of a JSON value; throws on values JSON cannot represent. */
export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new TypeError('value cannot be canonicalised as JSON');
  return text;
}
