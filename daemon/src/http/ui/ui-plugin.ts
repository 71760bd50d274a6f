import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import { type ObjectStore, verifyAttestation } from '@mcphub/registry';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { redactConfig } from '../../adapters.js';
import { RUN_SCOPE, rbacAuthorizer, tokenAllows } from '../../auth/rbac-authorizer.js';
import type { Config } from '../../config/schema.js';
import type { HubDb } from '../../db/database.js';
import { HubError } from '../../errors.js';
import { JobStore } from '../../jobs/job-store.js';
import { jwksOf, loadOrCreateAdminToken, type SigningKey } from '../../keys/signing-key.js';
import { readObjectBytes } from '../../object-bytes.js';
import { OrgDirectory } from '../../orgs/org-directory.js';
import { RESULTS_BUCKET } from '../../pipeline/messages.js';
import { authenticate, hasScope, issueRegistryToken } from '../../tokens/token-service.js';
import {
  bindHostName,
  CONTENT_SECURITY_POLICY,
  type HostPolicy,
  hostAllowed,
  originAllowed,
} from './request-guards.js';
import { LOGIN_TOKEN_TTL_MS, SESSION_TTL_MS, UiSessions } from './sessions.js';
import { settingsRoutes } from './settings-routes.js';

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * A fresh one-time login token for `/login?token=…` (printed by the daemon, asked for by the
     * desktop); it opens a session of the hub admin, or of `bearer`'s principal when given.
     */
    issueLoginToken(bearer?: string): string;
  }
}

export interface HubUiDeps {
  config: Config;
  db: HubDb;
  signingKey: SigningKey;
  registryUrl: string;
  /** Where certification artifacts are (for verifying attestations); absent without the pipeline. */
  pipeline?: { store: ObjectStore };
  /** The built renderer (default: desktop/dist-renderer of this checkout, or MCPHUB_UI_DIR). */
  uiDir?: string;
}

export const SESSION_COOKIE = 'mcphub_session';
export const DEFAULT_UI_DIR = fileURLToPath(new URL('../../../../desktop/dist-renderer/', import.meta.url));

const cookieOf = (header: string | undefined, name: string): string | undefined => {
  for (const part of (header ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return undefined;
};

const page = (title: string, body: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head>` +
  `<body><h1>${title}</h1>${body}</body></html>`;

/**
 * The browser face of the hub: Host/Origin checks, the strict CSP, one-time login into an HttpOnly
 * SameSite=Strict session cookie, the built React UI at `/`, and a read/moderate proxy to the registry
 * (so the UI's `connect-src` stays `'self'`). Registered without encapsulation so its hooks guard
 * every hub route, API included.
 */
async function hubUiPluginImpl(app: FastifyInstance, deps: HubUiDeps): Promise<void> {
  const { config } = deps;
  const sessions = new UiSessions(() => loadOrCreateAdminToken(config.home).secret);
  const authorizer = rbacAuthorizer(deps.db);
  const directory = new OrgDirectory(deps.db);
  const secureCookie = config.hub.publicUrl?.startsWith('https:') ?? false;

  const policy = (): HostPolicy => {
    const addr = app.server.address();
    const port = addr && typeof addr !== 'string' ? addr.port : null;
    const extra: string[] = [];
    const bind = bindHostName(config.hub.host, port);
    if (bind) extra.push(bind);
    if (config.hub.publicUrl) extra.push(new URL(config.hub.publicUrl).host);
    return { port, extra };
  };

  const hidden = { schema: { hide: true } };
  app.decorate('issueLoginToken', (bearer?: string) => sessions.issueLoginToken(bearer ?? null));
  // `<form>` posts (the login form) arrive url-encoded; nothing else of the hub's API uses them.
  if (!app.hasContentTypeParser('application/x-www-form-urlencoded')) {
    app.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', bodyLimit: 16 * 1024 },
      (_req, body, done) => done(null, Object.fromEntries(new URLSearchParams(String(body)))),
    );
  }

  app.addHook('onRequest', async (req, reply) => {
    const p = policy();
    if (!hostAllowed(req.headers.host, p)) {
      throw new HubError(
        'HUB_ERR_FORBIDDEN',
        `Host ${JSON.stringify(req.headers.host ?? '')} is not this daemon's name (DNS rebinding defence)`,
      );
    }
    // A WebSocket upgrade is a GET that opens a channel able to change state (the run terminal):
    // its Origin is checked like a POST's (cross-site WebSocket hijacking defence).
    const ws = req.headers.upgrade?.toLowerCase() === 'websocket';
    if (!originAllowed(ws ? 'POST' : req.method, req.headers, p)) {
      throw new HubError(
        'HUB_ERR_FORBIDDEN',
        `Origin ${JSON.stringify(req.headers.origin ?? '')} may not change state here (CSRF defence)`,
      );
    }
    if (!req.url.startsWith('/docs')) {
      reply.header('content-security-policy', CONTENT_SECURITY_POLICY);
      reply.header('x-frame-options', 'DENY');
    }
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    // The cookie stands for a bearer token; an explicit Authorization header wins.
    if (!req.headers.authorization) {
      const sid = cookieOf(req.headers.cookie, SESSION_COOKIE);
      const bearer = sid ? sessions.bearerOf(sid) : null;
      if (sid && bearer) {
        // A session lives only as long as its token: revoked, expired or its user disabled ends it.
        if (await authenticate(deps.db, `Bearer ${bearer}`)) {
          req.headers.authorization = `Bearer ${bearer}`;
          (req as FastifyRequest & { uiSession?: boolean }).uiSession = true;
        } else {
          sessions.endSessionsOf(bearer);
        }
      }
    }
  });

  const setSessionCookie = (reply: FastifyReply, sid: string) =>
    reply.header(
      'set-cookie',
      `${SESSION_COOKIE}=${sid}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${SESSION_TTL_MS / 1000}${secureCookie ? '; Secure' : ''}`,
    );
  // The login pages post a form; under `no-referrer` a browser sends `Origin: null` with it, which the
  // CSRF check rightly refuses, so these pages (and only these) use `same-origin`.
  const formPage = (reply: FastifyReply) => reply.header('referrer-policy', 'same-origin');
  const loginForm = (title: string, note: string) =>
    page(
      title,
      `<p>${note}</p>` +
        '<form method="post" action="/login">' +
        '<p><label for="api-token">Your hub API token</label><br>' +
        '<input id="api-token" name="apiToken" type="password" autocomplete="off" required size="60"></p>' +
        '<p><button type="submit">Sign in</button></p></form>' +
        '<p>Or run <code>mcphub ui login --token-file &lt;file&gt;</code> for a one-time link, or open the link the daemon printed at start-up (the hub admin).</p>',
    );

  app.get('/login', { schema: { hide: true } }, async (req, reply) => {
    const token = (req.query as { token?: unknown }).token;
    reply.header('cache-control', 'no-store');
    formPage(reply);
    if (token === undefined) {
      return reply
        .type('text/html; charset=utf-8')
        .send(
          loginForm(
            'Sign in to MCP Hub',
            'Paste a hub API token of yours; the session has exactly its rights.',
          ),
        );
    }
    // Login CSRF: a link opened from another site (a page of someone who minted it for their own
    // token) must not silently sign this browser in as them; it asks first, and the same-origin
    // form below spends it. A link pasted or opened from a terminal or the desktop is `none`.
    const site = req.headers['sec-fetch-site'];
    if (typeof token === 'string' && (site === 'cross-site' || site === 'same-site')) {
      return reply
        .type('text/html; charset=utf-8')
        .send(
          page(
            'Sign in to MCP Hub?',
            '<p>Another site sent you to this one-time login link. Sign in only if you asked for it yourself: the session acts as whoever created the link.</p>' +
              '<form method="post" action="/login">' +
              `<input type="hidden" name="loginToken" value="${token.replace(/[^A-Za-z0-9_-]/g, '')}">` +
              '<button type="submit">Sign in with this link</button></form>',
          ),
        );
    }
    const sid = typeof token === 'string' ? sessions.login(token) : null;
    if (!sid) {
      return reply
        .status(401)
        .type('text/html; charset=utf-8')
        .send(
          loginForm(
            'This login link is not valid',
            'Login links work once and expire after 15 minutes. Ask for a new one (<code>mcphub ui login</code>, the desktop app, or a daemon restart), or sign in with a token below.',
          ),
        );
    }
    setSessionCookie(reply, sid);
    return reply.redirect('/', 303);
  });

  // The login form: a personal hub API token opens a session of its principal (never more).
  app.post('/login', { schema: { hide: true } }, async (req, reply) => {
    const body = req.body as { apiToken?: unknown; loginToken?: unknown } | null;
    reply.header('cache-control', 'no-store');
    formPage(reply);
    if (typeof body?.loginToken === 'string') {
      // The confirmed one-time link (the same-origin form above; the Origin check already ran).
      const sid = sessions.login(body.loginToken);
      if (!sid) {
        return reply
          .status(401)
          .type('text/html; charset=utf-8')
          .send(
            loginForm('This login link is not valid', 'Login links work once and expire after 15 minutes.'),
          );
      }
      setSessionCookie(reply, sid);
      return reply.redirect('/', 303);
    }
    const given = body?.apiToken;
    const bearer = typeof given === 'string' ? given.trim() : '';
    if (!bearer || !(await authenticate(deps.db, `Bearer ${bearer}`))) {
      return reply
        .status(401)
        .type('text/html; charset=utf-8')
        .send(loginForm('Sign-in refused', 'That token is unknown, revoked or expired.'));
    }
    setSessionCookie(reply, sessions.open(bearer));
    return reply.redirect('/', 303);
  });

  app.post('/logout', { schema: { hide: true } }, async (req, reply) => {
    const sid = cookieOf(req.headers.cookie, SESSION_COOKIE);
    if (sid) sessions.logout(sid);
    reply.header('set-cookie', `${SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0`);
    return reply.status(204).send();
  });

  app.post(
    '/api/v1/ui/login-tokens',
    {
      schema: {
        tags: ['system'],
        summary:
          "A one-time UI login link for the calling token's principal (the session gets exactly that token's rights)",
        security: [{ bearer: [] }],
      },
    },
    async (req, reply) => {
      const p = await authorizer.principal(req);
      const bearer = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1]?.trim();
      if (!bearer) throw new HubError('HUB_ERR_UNAUTHENTICATED');
      const token = sessions.issueLoginToken(bearer);
      return reply.status(201).send({
        token,
        path: `/login?token=${token}`,
        expiresAt: new Date(Date.now() + LOGIN_TOKEN_TTL_MS).toISOString(),
        principal: p.user?.name ?? p.name,
      });
    },
  );

  // Who is signed in and what they may do, computed by the same authorizer the API enforces with.
  app.get('/api/v1/ui/session', hidden, async (req) => {
    const p = await authorizer.principal(req);
    const readable = await authorizer.readableOrgs(p);
    const orgs = readable === '*' ? (await directory.listOrgs('*')).map((o) => o.name) : [...readable];
    const may = async (action: 'push' | 'admin', org: string) =>
      authorizer.authorize(req, action, org).then(
        () => true,
        () => false,
      );
    const push: string[] = [];
    const moderate: string[] = [];
    for (const org of orgs) {
      if (await may('push', org)) push.push(org);
      if (await may('admin', org)) moderate.push(org);
    }
    return {
      name: p.user?.name ?? p.name,
      user: p.user,
      hubAdmin: p.hubAdmin,
      token: { id: p.id, name: p.name, scopes: p.scopes, resources: p.resources },
      viaSession: (req as FastifyRequest & { uiSession?: boolean }).uiSession === true,
      // manage: create organizations and tokens (within the token's own reach; the routes check the rest).
      // run: start and drive servers (the run routes check the same scopes).
      can: {
        read: orgs,
        push,
        moderate,
        manage: p.hubAdmin || tokenAllows(p, 'manage'),
        admin: p.hubAdmin,
        run: hasScope(p, RUN_SCOPE) || hasScope(p, 'hub:admin'),
      },
    };
  });

  // Registry reads and status changes, forwarded with a one-minute registry token of the caller's reach.
  const forward = async (
    req: FastifyRequest,
    reply: FastifyReply,
    path: string,
    scope: 'registry:read' | 'registry:admin',
    resource: string[],
    body?: unknown,
  ) => {
    const { token } = await issueRegistryToken(
      deps.signingKey,
      { sub: 'hub-ui', scope: [scope], resource, ttlSeconds: 60 },
      config.registry.tokenMaxTtlSeconds,
    );
    let res: Response;
    try {
      res = await fetch(`${deps.registryUrl}${path}`, {
        method: req.method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(10_000),
      });
    } catch (err) {
      throw new HubError(
        'HUB_ERR_PUBLISH_FAILED',
        `The registry at ${deps.registryUrl} did not answer: ${(err as Error).message}`,
      );
    }
    return reply
      .status(res.status)
      .type('application/json')
      .send(await res.text());
  };
  const readResources = async (req: FastifyRequest) => {
    const readable = await authorizer.readableOrgs(await authorizer.authorize(req, 'read'));
    return readable === '*' ? ['*'] : readable.map((o) => `${o}/*`);
  };
  app.get('/api/v1/ui/registry/packages', hidden, async (req, reply) => {
    const resources = await readResources(req);
    if (resources.length === 0) return { packages: [] };
    const qs = req.url.includes('?') ? req.url.slice(req.url.indexOf('?')) : '';
    return forward(req, reply, `/v1/packages${qs}`, 'registry:read', resources);
  });
  app.get('/api/v1/ui/registry/packages/:org/:name', hidden, async (req, reply) => {
    const { org, name } = req.params as { org: string; name: string };
    await authorizer.authorize(req, 'read', org);
    return forward(
      req,
      reply,
      `/v1/packages/${encodeURIComponent(org)}/${encodeURIComponent(name)}`,
      'registry:read',
      [`${org}/*`],
    );
  });
  app.patch('/api/v1/ui/registry/packages/:org/:name/:version/status', hidden, async (req, reply) => {
    const { org, name, version } = req.params as { org: string; name: string; version: string };
    await authorizer.authorize(req, 'admin', org);
    const path = `/v1/packages/${encodeURIComponent(org)}/${encodeURIComponent(name)}/${encodeURIComponent(version)}/status`;
    return forward(req, reply, path, 'registry:admin', [`${org}/*`], req.body);
  });

  // Remote hub, registries and default policy: read and changed at run time (hub admin; settings-routes.ts).
  settingsRoutes(app, { config, authorizer, registryUrl: deps.registryUrl });

  // The effective configuration the daemon runs with (secrets masked).
  app.get('/api/v1/ui/config', hidden, async (req) => {
    await authorizer.requireHubAdmin(req);
    return redactConfig(config);
  });

  // The attestation of a job checked against this hub's own keys, for the version screen.
  const jobs = new JobStore(deps.db);
  app.get('/api/v1/ui/jobs/:id/verification', hidden, async (req) => {
    const id = (req.params as { id: string }).id;
    const job = await jobs.get(id);
    if (!job) throw new HubError('HUB_ERR_NOT_FOUND', `No job ${id}`);
    await authorizer.authorize(req, 'read', job.org);
    const cert = job.certification
      ? (JSON.parse(job.certification) as { attestation?: { key: string; digest: string } })
      : null;
    if (!cert?.attestation || !deps.pipeline)
      throw new HubError('HUB_ERR_NOT_FOUND', 'No attestation for this job yet');
    const bytes = await readObjectBytes(deps.pipeline.store, RESULTS_BUCKET, cert.attestation.key);
    try {
      const envelope = JSON.parse(bytes.toString('utf8')) as unknown;
      const { keyid, statement } = verifyAttestation(envelope, jwksOf(deps.signingKey) as never);
      return {
        verified: true,
        keyid,
        attestationDigest: cert.attestation.digest,
        subject: statement.subject,
        predicateType: statement.predicateType,
      };
    } catch (err) {
      return { verified: false, attestationDigest: cert.attestation.digest, reason: (err as Error).message };
    }
  });

  const uiDir = deps.uiDir ?? process.env.MCPHUB_UI_DIR ?? DEFAULT_UI_DIR;
  if (existsSync(`${uiDir}/index.html`)) {
    await app.register(fastifyStatic, {
      root: uiDir,
      prefix: '/',
      index: ['index.html'],
      cacheControl: false,
    });
  } else {
    app.get('/', hidden, async (_req, reply) =>
      reply
        .status(503)
        .type('text/html; charset=utf-8')
        .send(
          page(
            'The MCP Hub UI is not built',
            `<p>The API works; the web UI was not found in <code>${uiDir}</code>.</p><p>Run <code>npm run build</code> at the repository root (it builds <code>desktop/</code>), or set <code>MCPHUB_UI_DIR</code>.</p>`,
          ),
        ),
    );
  }
}

// Not encapsulated (what fastify-plugin does): the hooks must guard routes registered beside it.
(hubUiPluginImpl as unknown as Record<symbol, boolean>)[Symbol.for('skip-override')] = true;
export const hubUiPlugin = hubUiPluginImpl;
