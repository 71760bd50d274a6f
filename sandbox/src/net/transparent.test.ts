import { describe, expect, it } from 'vitest';
import { parseAllowEntry } from './allowlist.js';
import { planTransparentRoutes } from './transparent.js';

describe('planTransparentRoutes', () => {
  it('gives each allowlisted name its own loopback address, every port a route; skips wildcards and IPs', () => {
    const plan = planTransparentRoutes(
      [
        'api.github.com:443',
        'db.internal:5432',
        'api.github.com:80',
        '*.cdn.net:443',
        '10.0.0.1:22',
        'localhost:8080',
      ].map(parseAllowEntry),
    );
    expect(plan.routes).toEqual([
      { ip: '127.0.0.2', port: 443, host: 'api.github.com' },
      { ip: '127.0.0.2', port: 80, host: 'api.github.com' },
      { ip: '127.0.0.3', port: 5432, host: 'db.internal' },
    ]);
    expect(plan.hostsFile).toBe(
      '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n127.0.0.2\tapi.github.com\n127.0.0.3\tdb.internal\n',
    );
    expect(plan.nsswitchFile).toBe('hosts: files\n');
  });

  it('an empty allowlist maps nothing', () => {
    expect(planTransparentRoutes([]).routes).toEqual([]);
  });
});
