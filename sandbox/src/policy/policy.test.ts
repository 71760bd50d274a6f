import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isSandboxError } from '../errors.js';
import { evaluatePolicy, formatDenials, type PolicyCandidate } from './evaluate.js';
import { loadPolicy, mergePolicyInputs, parsePolicyText, resolvePolicy } from './load.js';

const candidate: PolicyCandidate = {
  name: 'acme/files',
  digest: `sha256:${'a'.repeat(64)}`,
  level: 2,
  origin: 'https://registry.acme.dev/',
  attested: true,
};

describe('policy file', () => {
  it('defaults: strict, level 0, no network, no mounts, no env, nothing required', () => {
    expect(resolvePolicy({})).toEqual({
      mode: 'strict',
      minLevel: 0,
      origins: [],
      requireAttestation: false,
      network: { mode: 'none', allow: [] },
      filesystem: { mounts: [] },
      env: { allow: [], set: {} },
      limits: {},
      isolation: { require: [] },
    });
  });

  it('reads YAML and JSON alike', () => {
    const yaml = parsePolicyText(
      'mode: warn\nminLevel: 2\nnetwork:\n  mode: allowlist\n  allow: ["api.github.com:443"]\n',
    );
    const json = parsePolicyText(
      '{"mode":"warn","minLevel":2,"network":{"mode":"allowlist","allow":["api.github.com:443"]}}',
    );
    expect(yaml).toEqual(json);
    expect(resolvePolicy(yaml).network).toEqual({ mode: 'allowlist', allow: ['api.github.com:443'] });
  });

  it('rejects unknown fields and out-of-range values, naming each path', () => {
    const err = (() => {
      try {
        resolvePolicy(parsePolicyText('minLevel: 7\nnetwrok: {}\nlimits: {cpuShare: -1}\n'));
      } catch (e) {
        return e;
      }
    })();
    expect(isSandboxError(err, 'SBX_ERR_POLICY_INVALID')).toBe(true);
    expect((err as Error).message).toMatch(/\/minLevel/);
    expect((err as Error).message).toMatch(/\/limits\/cpuShare/);
  });

  it('checks every network.allow entry at load time', () => {
    expect(() => resolvePolicy({ network: { mode: 'allowlist', allow: ['api.example.com'] } })).toThrow(
      /\/network\/allow: .*'api.example.com' \(expected host:port/,
    );
  });

  it('refuses an allow list when the mode is not allowlist (it would silently not apply)', () => {
    expect(() => resolvePolicy({ network: { allow: ['a.com:443'] } })).toThrow(/set mode: allowlist/);
  });

  it('merges file < flags: scalars replaced, lists concatenated, limits key by key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'policy-'));
    const file = join(dir, 'policy.yaml');
    writeFileSync(
      file,
      'minLevel: 1\norigins: [acme]\nenv: {allow: [LOG_LEVEL], set: {A: "1"}}\nlimits: {memoryMb: 256, pids: 32}\n',
    );
    const p = await loadPolicy({
      file,
      flags: {
        minLevel: 2,
        origins: ['https://registry.acme.dev'],
        env: { set: { B: '2' } },
        limits: { pids: 64 },
      },
    });
    expect(p.minLevel).toBe(2);
    expect(p.origins).toEqual(['acme', 'https://registry.acme.dev']);
    expect(p.env).toEqual({ allow: ['LOG_LEVEL'], set: { A: '1', B: '2' } });
    expect(p.limits).toEqual({ memoryMb: 256, pids: 64 });
    expect(mergePolicyInputs(undefined, { mode: 'warn' })).toEqual({ mode: 'warn' });
  });
});

describe('evaluatePolicy', () => {
  it('allows a candidate that meets every rule, listing each decision', () => {
    const ev = evaluatePolicy(
      resolvePolicy({
        minLevel: 2,
        origins: ['https://registry.acme.dev', 'acme/*'],
        requireAttestation: true,
      }),
      candidate,
    );
    expect(ev.allowed).toBe(true);
    expect(ev.decisions.map((d) => d.rule)).toEqual([
      'digest',
      'minLevel',
      'origins.registry',
      'origins.org',
      'requireAttestation',
    ]);
  });

  it('every denial names the rule, what it saw, what it needs and what would allow it', () => {
    const ev = evaluatePolicy(
      resolvePolicy({ minLevel: 3, origins: ['https://hub.example', 'other/'], requireAttestation: true }),
      { ...candidate, attested: false },
    );
    expect(ev.allowed).toBe(false);
    expect(ev.denials).toEqual([
      {
        rule: 'minLevel',
        ok: false,
        saw: 'level 2',
        need: 'level >= 3',
        hint: expect.stringContaining('--min-level'),
      },
      {
        rule: 'origins.registry',
        ok: false,
        saw: 'https://registry.acme.dev/',
        need: 'one of https://hub.example',
        hint: expect.stringContaining('https://registry.acme.dev'),
      },
      {
        rule: 'origins.org',
        ok: false,
        saw: 'acme/files',
        need: 'name starting with other/',
        hint: "add 'acme/*' to origins",
      },
      {
        rule: 'requireAttestation',
        ok: false,
        saw: 'no verified attestation',
        need: expect.any(String),
        hint: expect.any(String),
      },
    ]);
    expect(formatDenials(ev)[0]).toBe(
      "policy rule 'minLevel' refused: saw level 2, need level >= 3 (use a version certified at level 3 or higher, or lower minLevel to 2 (--min-level))",
    );
  });

  it('warn mode allows but still reports the failing rules', () => {
    const ev = evaluatePolicy(resolvePolicy({ mode: 'warn', minLevel: 3 }), candidate);
    expect(ev.allowed).toBe(true);
    expect(ev.denials.map((d) => d.rule)).toEqual(['minLevel']);
    expect(formatDenials(ev)[0]).toContain('warns');
  });

  it('empty origins means any origin; a malformed digest is always a denial', () => {
    const ev = evaluatePolicy(resolvePolicy({}), {
      ...candidate,
      digest: 'md5:abc',
      origin: 'https://anywhere',
    });
    expect(ev.decisions.some((d) => d.rule.startsWith('origins'))).toBe(false);
    expect(ev.denials.map((d) => d.rule)).toEqual(['digest']);
  });

  it('an org prefix does not match a longer org name (acme vs acme-evil)', () => {
    const ev = evaluatePolicy(resolvePolicy({ origins: ['acme'] }), {
      ...candidate,
      name: 'acme-evil/files',
    });
    expect(ev.allowed).toBe(false);
  });
});

describe('assertAdmitted', () => {
  it('throws SBX_ERR_POLICY_DENIED carrying the denials, or returns warn-mode failures', async () => {
    const { assertAdmitted } = await import('./evaluate.js');
    const strict = evaluatePolicy(resolvePolicy({ minLevel: 3 }), candidate);
    expect(() => assertAdmitted(strict)).toThrow(/policy rule 'minLevel' refused/);
    try {
      assertAdmitted(strict);
    } catch (e) {
      expect(isSandboxError(e, 'SBX_ERR_POLICY_DENIED')).toBe(true);
      expect((e as { details: { denials: unknown[] } }).details.denials).toHaveLength(1);
    }
    expect(
      assertAdmitted(evaluatePolicy(resolvePolicy({ mode: 'warn', minLevel: 3 }), candidate)),
    ).toHaveLength(1);
  });
});
