import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { expectGolden } from '../testing/golden.js';
import { buildSeccompFilter, disassembleSeccomp } from './seccomp.js';

const here = dirname(fileURLToPath(import.meta.url));

describe('buildSeccompFilter', () => {
  for (const arch of ['x64', 'arm64'] as const) {
    it(`${arch}: byte-identical to the golden program`, () => {
      const buf = buildSeccompFilter(arch);
      expect(buf.length % 8).toBe(0);
      expectGolden(here, `seccomp-${arch}.bpf`, buf);
      expectGolden(here, `seccomp-${arch}.txt`, `${disassembleSeccomp(buf).join('\n')}\n`);
    });
  }

  it('checks the architecture first and kills on a mismatch', () => {
    const lines = disassembleSeccomp(buildSeccompFilter('x64'));
    expect(lines[0]).toContain('ld 0x00000004');
    expect(lines[1]).toContain('jeq 0xc000003e');
    expect(lines.at(-1)).toContain('ret 0x80000000');
  });

  it('is deterministic', () => {
    expect(buildSeccompFilter('arm64').equals(buildSeccompFilter('arm64'))).toBe(true);
  });
});
