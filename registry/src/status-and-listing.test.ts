import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createRegistryFixture,
  makeBundle,
  makeManifest,
  publish,
  publishParts,
  type RegistryFixture,
} from './registry.fixture.js';

describe('status changes', () => {
  let fx: RegistryFixture;
  let admin: string;
  beforeEach(async () => {
    fx = await createRegistryFixture();
    admin = await fx.token({ scope: ['registry:admin'], resource: ['acme/*'] });
    for (const version of ['1.0.0', '1.1.0', '1.2.0']) await publishVersion(version);
  });
  afterEach(async () => {
    await fx.close();
  });

  async function publishVersion(version: string, name = 'acme/files', level?: number) {
    const bundle = makeBundle(`${name}@${version}`);
    const certification =
      level === undefined ? {} : { certification: { level, score: 50, scoringVersion: '1' } };
    const token = await fx.token({ resource: ['*'] });
    const response = await publish(
      fx,
      publishParts(makeManifest(name, version, bundle, certification), bundle),
      token,
    );
    expect(response.statusCode).toBe(201);
  }

  async function setStatus(version: string, body: object, token = admin) {
    const response = await fx.app.inject({
      method: 'PATCH',
      url: `/v1/packages/acme/files/${version}/status`,
      payload: body,
      headers: { authorization: `Bearer ${token}` },
    });
    return { statusCode: response.statusCode, body: response.json() };
  }

  async function resolvedVersion(ref: string) {
    const response = await fx.app.inject({ method: 'GET', url: `/v1/resolve/acme/files/${ref}` });
    return response.statusCode === 200 ? response.json().version : response.json().code;
  }

  it('a yanked version leaves latest and ranges but still resolves exactly, with its status', async () => {
    const yanked = await setStatus('1.2.0', { status: 'yanked', reason: 'broken build' });
    expect(yanked.statusCode).toBe(200);
    expect(yanked.body).toMatchObject({ version: '1.2.0', status: 'yanked', statusReason: 'broken build' });
    expect(await resolvedVersion('latest')).toBe('1.1.0');
    expect(await resolvedVersion('%5E1.0.0')).toBe('1.1.0');
    const exact = await fx.app.inject({ method: 'GET', url: '/v1/resolve/acme/files/1.2.0' });
    expect(exact.json()).toMatchObject({ version: '1.2.0', status: 'yanked', statusReason: 'broken build' });
    const download = await fx.app.inject({ method: 'GET', url: '/v1/download/acme/files/1.2.0' });
    expect(download.statusCode).toBe(200);
  });

  it('a deprecated version stays selectable by latest and ranges', async () => {
    expect((await setStatus('1.2.0', { status: 'deprecated' })).statusCode).toBe(200);
    expect(await resolvedVersion('latest')).toBe('1.2.0');
    const view = (await fx.app.inject({ method: 'GET', url: '/v1/packages/acme/files' })).json();
    expect(view.versions.map((v: { status: string }) => v.status)).toEqual([
      'deprecated',
      'active',
      'active',
    ]);
  });

  it('a revoked version answers 410 even by exact version and digest, and is terminal', async () => {
    const detail = (await fx.app.inject({ method: 'GET', url: '/v1/packages/acme/files' })).json();
    const digest = detail.versions[0].digest;
    expect((await setStatus('1.2.0', { status: 'revoked', reason: 'malicious' })).statusCode).toBe(200);
    expect(await resolvedVersion('latest')).toBe('1.1.0');
    expect(await resolvedVersion('1.2.0')).toBe('REG_ERR_REVOKED');
    expect(await resolvedVersion(digest)).toBe('REG_ERR_REVOKED');
    const download = await fx.app.inject({ method: 'GET', url: '/v1/download/acme/files/1.2.0' });
    expect(download.json()).toMatchObject({ code: 'REG_ERR_REVOKED', statusCode: 410 });
    const undo = await setStatus('1.2.0', { status: 'active' });
    expect(undo.body).toMatchObject({ code: 'REG_ERR_STATUS_TERMINAL', statusCode: 409 });
    // Bytes are never deleted: the blob stays reachable by digest for forensics.
    const blob = await fx.app.inject({ method: 'GET', url: `/v1/blobs/${detail.versions[0].bundle.digest}` });
    expect(blob.statusCode).toBe(200);
  });

  it('a yanked version can be restored to active', async () => {
    await setStatus('1.2.0', { status: 'yanked', reason: 'oops' });
    expect((await setStatus('1.2.0', { status: 'active' })).body).toMatchObject({
      status: 'active',
      statusReason: null,
    });
    expect(await resolvedVersion('latest')).toBe('1.2.0');
  });

  it('when every release is yanked, latest is not found', async () => {
    for (const v of ['1.0.0', '1.1.0', '1.2.0']) await setStatus(v, { status: 'yanked', reason: 'all bad' });
    expect(await resolvedVersion('latest')).toBe('REG_ERR_VERSION_NOT_FOUND');
    const listing = (await fx.app.inject({ method: 'GET', url: '/v1/packages' })).json();
    expect(listing.packages).toEqual([{ name: 'acme/files', latest: null, level: null, status: 'yanked' }]);
  });

  const refusals: [string, () => Promise<{ statusCode: number; body: { code: string } }>, number, string][] =
    [
      [
        'requires a reason to yank',
        () => setStatus('1.0.0', { status: 'yanked' }),
        400,
        'REG_ERR_REASON_REQUIRED',
      ],
      [
        'requires a reason to revoke',
        () => setStatus('1.0.0', { status: 'revoked', reason: '   ' }),
        400,
        'REG_ERR_REASON_REQUIRED',
      ],
      [
        'refuses control characters in a reason (terminal escape injection)',
        () => setStatus('1.0.0', { status: 'yanked', reason: 'ok\u001b[2Jgotcha' }),
        400,
        'REG_ERR_VALIDATION',
      ],
      [
        'refuses an unknown status',
        () => setStatus('1.0.0', { status: 'deleted', reason: 'x' }),
        400,
        'REG_ERR_VALIDATION',
      ],
      [
        'refuses extra body fields',
        () => setStatus('1.0.0', { status: 'active', version: '9.9.9' }),
        400,
        'REG_ERR_VALIDATION',
      ],
      [
        'refuses a range instead of a version',
        () => setStatus('%5E1.0.0', { status: 'deprecated' }),
        400,
        'REG_ERR_INVALID_VERSION',
      ],
      [
        'answers 404 for an unknown version',
        () => setStatus('9.9.9', { status: 'deprecated' }),
        404,
        'REG_ERR_VERSION_NOT_FOUND',
      ],
      [
        'refuses a publish-only token (privilege escalation to admin)',
        async () =>
          setStatus(
            '1.0.0',
            { status: 'revoked', reason: 'x' },
            await fx.token({ scope: ['registry:publish'] }),
          ),
        403,
        'REG_ERR_FORBIDDEN',
      ],
      [
        'refuses an admin token for another org',
        async () =>
          setStatus(
            '1.0.0',
            { status: 'revoked', reason: 'x' },
            await fx.token({ scope: ['registry:admin'], resource: ['other/*'] }),
          ),
        403,
        'REG_ERR_FORBIDDEN',
      ],
      [
        'refuses a status change without a token',
        async () => {
          const response = await fx.app.inject({
            method: 'PATCH',
            url: '/v1/packages/acme/files/1.0.0/status',
            payload: { status: 'revoked', reason: 'x' },
          });
          return { statusCode: response.statusCode, body: response.json() };
        },
        401,
        'REG_ERR_TOKEN_MISSING',
      ],
    ];
  for (const [title, act, status, code] of refusals) {
    it(title, async () => {
      const before = (await fx.app.inject({ method: 'GET', url: '/v1/packages/acme/files' })).json();
      const response = await act();
      expect(response.body).toMatchObject({ code, statusCode: status });
      expect(response.statusCode).toBe(status);
      expect((await fx.app.inject({ method: 'GET', url: '/v1/packages/acme/files' })).json()).toEqual(before);
    });
  }

  it('lists packages with latest version, level and status, filtered by q and minLevel, paginated', async () => {
    await publishVersion('0.1.0', 'acme/search', 3);
    await publishVersion('0.2.0', 'acme/search', 1);
    await publishVersion('2.0.0', 'beta/tools', 2);
    await publishVersion('1.0.0', 'acme/under_score', 3);
    const all = (await fx.app.inject({ method: 'GET', url: '/v1/packages' })).json();
    expect(all).toEqual({
      packages: [
        { name: 'acme/files', latest: '1.2.0', level: null, status: 'active' },
        { name: 'acme/search', latest: '0.2.0', level: 1, status: 'active' },
        { name: 'acme/under_score', latest: '1.0.0', level: 3, status: 'active' },
        { name: 'beta/tools', latest: '2.0.0', level: 2, status: 'active' },
      ],
      nextCursor: null,
    });
    const names = async (query: string) =>
      (await fx.app.inject({ method: 'GET', url: `/v1/packages?${query}` }))
        .json()
        .packages.map((p: { name: string }) => p.name);
    expect(await names('q=SEARCH')).toEqual(['acme/search']);
    expect(await names('q=a%2Fs')).toEqual([]);
    expect(await names('q=e%2Fs')).toEqual(['acme/search']);
    // LIKE wildcards are matched literally.
    expect(await names('q=_')).toEqual(['acme/under_score']);
    expect(await names('q=%25')).toEqual([]);
    expect(await names('minLevel=2')).toEqual(['acme/under_score', 'beta/tools']);

    const first = (await fx.app.inject({ method: 'GET', url: '/v1/packages?limit=2' })).json();
    expect(first.packages.map((p: { name: string }) => p.name)).toEqual(['acme/files', 'acme/search']);
    const second = (
      await fx.app.inject({ method: 'GET', url: `/v1/packages?limit=2&cursor=${first.nextCursor}` })
    ).json();
    expect(second.packages.map((p: { name: string }) => p.name)).toEqual(['acme/under_score', 'beta/tools']);
    const paged = (await fx.app.inject({ method: 'GET', url: '/v1/packages?limit=1&minLevel=3' })).json();
    expect(paged.packages.map((p: { name: string }) => p.name)).toEqual(['acme/under_score']);

    const badCursor = await fx.app.inject({ method: 'GET', url: '/v1/packages?cursor=bm9wZQ' });
    expect(badCursor.json()).toMatchObject({ code: 'REG_ERR_INVALID_CURSOR', statusCode: 400 });
    const badLimit = await fx.app.inject({ method: 'GET', url: '/v1/packages?limit=100000' });
    expect(badLimit.json()).toMatchObject({ code: 'REG_ERR_VALIDATION', statusCode: 400 });
  });

  it('answers unknown routes with a coded 404', async () => {
    const response = await fx.app.inject({ method: 'GET', url: '/v1/nope' });
    expect(response.json()).toMatchObject({ code: 'REG_ERR_ROUTE_NOT_FOUND', statusCode: 404 });
  });
});
