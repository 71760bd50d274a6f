import { describe, expect, it } from 'vitest';
import { isStrictVersion, parsePackageName } from './names.js';

describe('names and versions', () => {
  it.each(['acme/files', 'a/b', '0rg/n.a_m-e', `${'a'.repeat(64)}/${'b'.repeat(128)}`])(
    'accepts %s',
    (name) => {
      expect(() => parsePackageName(name)).not.toThrow();
    },
  );

  it.each([
    'acme',
    'acme/',
    '/files',
    'acme/files/extra',
    'Acme/files',
    'acme/Files',
    'acme/.files',
    'acme/-files',
    'acme/fi..les',
    '../files',
    'acme/fi les',
    'acme/fi\u0000les',
    'acme/ﬁles',
    `${'a'.repeat(65)}/files`,
    `acme/${'b'.repeat(129)}`,
  ])('refuses %j', (name) => {
    expect(() => parsePackageName(name)).toThrow(expect.objectContaining({ code: 'REG_ERR_INVALID_NAME' }));
  });

  it.each(['1.2.3', '0.0.0', '1.2.3-rc.1', '10.20.30-alpha.beta'])('accepts the version %s', (v) => {
    expect(isStrictVersion(v)).toBe(true);
  });

  it.each([
    '1.2',
    'v1.2.3',
    '^1.2.3',
    '=1.2.3',
    ' 1.2.3',
    '1.2.3 ',
    '01.2.3',
    '1.2.3+build',
    '1.2.x',
    '',
    'latest',
  ])('refuses the version %j', (v) => {
    expect(isStrictVersion(v)).toBe(false);
  });
});
