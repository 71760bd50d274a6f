import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv from 'ajv';
import AjvDraft04 from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { scanDirectory } from '../scan-directory.js';
import { renderSarif } from './render-sarif.js';

const require = createRequire(import.meta.url);
const readJson = (p: string) => JSON.parse(readFileSync(p, 'utf8'));
const SARIF_SCHEMA = require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json');
const CDX_DIR = join(dirname(require.resolve('@cyclonedx/cyclonedx-library/package.json')), 'res/schema');
const detectors = fileURLToPath(new URL('../detectors/', import.meta.url));

/** A small project with findings in four languages and an npm lockfile, so both documents have content. */
function project(): string {
  const root = mkdtempSync(join(tmpdir(), 'mcphub-schema-'));
  for (const lang of ['python', 'typescript', 'javascript', 'go']) {
    cpSync(join(detectors, 'a/mcp-a001-shell-command/fixtures', lang), join(root, lang), { recursive: true });
  }
  mkdirSync(join(root, 'app'));
  writeFileSync(
    join(root, 'app/package.json'),
    JSON.stringify({ name: 'app', version: '1.0.0', dependencies: { 'left-pad': '^1.3.0' } }),
  );
  writeFileSync(
    join(root, 'app/package-lock.json'),
    JSON.stringify({
      name: 'app',
      version: '1.0.0',
      lockfileVersion: 3,
      packages: {
        '': { name: 'app', version: '1.0.0', dependencies: { 'left-pad': '^1.3.0' } },
        'node_modules/left-pad': {
          version: '1.3.0',
          resolved: 'https://registry.npmjs.org/left-pad/-/left-pad-1.3.0.tgz',
          integrity:
            'sha512-XI5MPzVNApjAyhQzphX8BkmKsKUxD4LdyK24iZeQ9VGHtsF2b6gNSCw7lkkhIZ89QAGl8dDQTRYvETAGD5Bqfw==',
        },
      },
    }),
  );
  return root;
}

describe('report documents validate against their published schemas', () => {
  it('SARIF output validates against the SARIF 2.1.0 JSON schema', async () => {
    const report = await scanDirectory(project());
    expect(report.findings.length).toBeGreaterThan(0);
    const sarif = JSON.parse(renderSarif(report));
    // The published schema has a pattern that is invalid under the `u` flag; check it as plain RegExp.
    const ajv = new AjvDraft04({ allErrors: true, strict: false, unicodeRegExp: false });
    addFormats(ajv as never);
    const validate = ajv.compile(readJson(SARIF_SCHEMA));
    expect(validate({ version: '2.1.0', runs: 'not a list' }), 'the schema rejects a broken log').toBe(false);
    const ok = validate(sarif);
    expect(validate.errors ?? [], JSON.stringify(validate.errors?.slice(0, 5), null, 2)).toEqual([]);
    expect(ok).toBe(true);
  });

  it('the SBOM validates against the CycloneDX 1.6 JSON schema', async () => {
    const report = await scanDirectory(project());
    const sbom = (report as { sbom?: unknown }).sbom;
    expect(sbom, 'the report carries an SBOM').toBeTruthy();
    const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: true });
    addFormats(ajv);
    // The packaged bom schema refers to its siblings by their SNAPSHOT file names.
    for (const name of ['spdx.SNAPSHOT.schema.json', 'jsf-0.82.SNAPSHOT.schema.json']) {
      ajv.addSchema({ ...readJson(join(CDX_DIR, name)), $id: `http://cyclonedx.org/schema/${name}` });
    }
    const validate = ajv.compile(readJson(join(CDX_DIR, 'bom-1.6.SNAPSHOT.schema.json')));
    expect(validate({ bomFormat: 'CycloneDX', specVersion: '1.6', components: [{ name: 1 }] })).toBe(false);
    const ok = validate(sbom);
    expect(validate.errors ?? [], JSON.stringify(validate.errors?.slice(0, 5), null, 2)).toEqual([]);
    expect(ok).toBe(true);
    expect(JSON.stringify(sbom)).toContain('pkg:npm/left-pad@1.3.0');
  });
});
