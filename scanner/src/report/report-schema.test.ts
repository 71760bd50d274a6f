/**
 * The native JSON report against its published JSON Schema (scanner/schema/). A small validator
 * for the keywords the schema uses (type, required, properties, items, enum, $ref), so the test
 * needs no dependency; properties the schema does not describe fail too, so the two stay in step.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { scanDirectory } from '../scan-directory.js';
import { REPORT_SCHEMA_VERSION } from '../version.js';
import { renderJson } from './render-json.js';

type Schema = {
  type?: string | string[];
  required?: string[];
  properties?: Record<string, Schema>;
  items?: Schema;
  enum?: unknown[];
  $ref?: string;
  $defs?: Record<string, Schema>;
};

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function validate(root: Schema, schema: Schema, value: unknown, path: string, errors: string[]): void {
  const s = schema.$ref ? (root.$defs?.[schema.$ref.replace('#/$defs/', '')] ?? {}) : schema;
  if (s.type) {
    const types = Array.isArray(s.type) ? s.type : [s.type];
    const actual = typeOf(value);
    if (!types.includes(actual) && !(actual === 'integer' && types.includes('number'))) {
      errors.push(`${path}: ${actual} is not ${types.join('|')}`);
      return;
    }
  }
  if (s.enum && !s.enum.includes(value)) errors.push(`${path}: ${JSON.stringify(value)} not in enum`);
  if (typeOf(value) === 'object' && s.properties) {
    const obj = value as Record<string, unknown>;
    for (const key of s.required ?? []) if (!(key in obj)) errors.push(`${path}: missing ${key}`);
    for (const [key, v] of Object.entries(obj)) {
      const sub = s.properties[key];
      if (!sub) errors.push(`${path}: undocumented property ${key}`);
      else validate(root, sub, v, `${path}.${key}`, errors);
    }
  }
  if (Array.isArray(value) && s.items) {
    for (const [i, v] of value.entries()) validate(root, s.items as Schema, v, `${path}[${i}]`, errors);
  }
}

describe('native JSON report schema', () => {
  it(`matches schema/report-${REPORT_SCHEMA_VERSION}.schema.json`, async () => {
    const schemaPath = fileURLToPath(
      new URL(`../../schema/report-${REPORT_SCHEMA_VERSION}.schema.json`, import.meta.url),
    );
    const schema = JSON.parse(readFileSync(schemaPath, 'utf8')) as Schema;
    const report = JSON.parse(
      renderJson(await scanDirectory(fileURLToPath(new URL('../detectors/a', import.meta.url)))),
    );
    const errors: string[] = [];
    validate(schema, schema, report, '$', errors);
    expect(errors.slice(0, 20)).toEqual([]);
  });
});
