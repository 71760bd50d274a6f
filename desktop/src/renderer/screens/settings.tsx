import { type FormEvent, type ReactNode, useEffect, useState } from 'react';
import { api, useLive } from '../api.js';
import { when } from '../components/badges.js';
import { Async, Empty, ErrorBox } from '../components/states.js';
import { desktop } from '../desktop-bridge.js';
import { signOut, useSession } from '../session.js';

interface Me {
  user: { name: string; displayName: string | null } | null;
  hubAdmin: boolean;
  memberships: { org: string; role: string }[];
  token: { id: string; name: string; scopes: string[]; resources: string[] };
}
interface Info {
  version: string;
  registryUrl: string;
  jwksUrl: string;
}
interface Org {
  name: string;
  plan: string;
  role: string | null;
  createdAt: string;
}
interface User {
  id: string;
  name: string;
  displayName: string | null;
  hubAdmin: boolean;
  disabledAt: string | null;
}
interface Token {
  id: string;
  name: string;
  user: string | null;
  scopes: string[];
  resources: string[];
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
}

const none = () => false;
/** Users were added or changed in the Users card: the token owner list follows. */
const USERS_CHANGED = 'mcphub:users-changed';

export function Settings() {
  const session = useSession();
  const me = useLive<Me>('/api/v1/me', none);
  const info = useLive<Info>('/api/v1/info', none);
  return (
    <section aria-labelledby="settings-title">
      <h1 id="settings-title">Settings</h1>
      <div className="columns">
        <div className="card">
          <h2>This hub</h2>
          <Async res={info} what="hub information">
            {(i) => (
              <dl className="kv">
                <dt>Version</dt>
                <dd>{i.version}</dd>
                <dt>Registry</dt>
                <dd>
                  <code>{i.registryUrl}</code>
                </dd>
                <dt>Signing keys</dt>
                <dd>
                  <a href="/.well-known/jwks.json">{i.jwksUrl}</a>
                </dd>
                <dt>API</dt>
                <dd>
                  <a href="/docs">OpenAPI documentation</a>
                </dd>
              </dl>
            )}
          </Async>
          {desktop && (
            <button type="button" onClick={() => desktop!.invoke('shell:revealDataFolder', undefined)}>
              Reveal the data folder
            </button>
          )}
        </div>
        <div className="card">
          <h2>Signed in</h2>
          <Async res={me} what="your account">
            {(m) => (
              <dl className="kv">
                <dt>User</dt>
                <dd data-testid="settings-user">
                  {m.user?.displayName ?? m.user?.name ?? m.token.name}{' '}
                  {m.hubAdmin && <span className="badge">hub admin</span>}
                </dd>
                <dt>Organizations</dt>
                <dd>{m.memberships.map((x) => `${x.org} (${x.role})`).join(', ') || '—'}</dd>
                <dt>Token</dt>
                <dd>
                  {m.token.name}: {m.token.scopes.join(' ')} on {m.token.resources.join(' ')}
                </dd>
              </dl>
            )}
          </Async>
          <button type="button" onClick={() => void signOut()}>
            Sign out
          </button>
        </div>
      </div>
      {session.hubAdmin ? (
        <>
          <RemoteHub />
          <RegistriesAndPolicy />
          <EffectiveConfig />
        </>
      ) : (
        <p className="muted" data-testid="settings-admin-only">
          The remote hub, registries, default policy and users are managed by a hub administrator.
        </p>
      )}
      <Organizations />
      {session.hubAdmin && <Users />}
      <Tokens />
    </section>
  );
}
<EffectiveConfig />;

function EffectiveConfig() {
  const res = useLive<Record<string, unknown>>('/api/v1/ui/config', none);
  return (
    <details className="card">
      <summary>
        <h2 className="inline">Effective configuration</h2>{' '}
        <small>(remote hub, registries, scanner, policy; secrets masked)</small>
      </summary>
      <Async res={res} what="the configuration">
        {(c) => <pre className="config">{JSON.stringify(c, null, 2)}</pre>}
      </Async>
    </details>
  );
}

function CreateForm({
  label,
  children,
  onSubmit,
}: {
  label: string;
  children: ReactNode;
  onSubmit: () => Promise<void>;
}) {
  const [error, setError] = useState<Error | null>(null);
  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = e.currentTarget;
    setError(null);
    try {
      await onSubmit();
      form.reset();
    } catch (err) {
      setError(err as Error);
    }
  };
  return (
    <form className="row inline-form" onSubmit={submit} aria-label={label}>
      {children}
      <button type="submit">{label}</button>
      {error && <ErrorBox error={error} />}
    </form>
  );
}

function Organizations() {
  const session = useSession();
  const [open, setOpen] = useState<string | null>(null);
  const res = useLive<{ orgs: Org[] }>('/api/v1/orgs', none);
  const [name, setName] = useState('');
  return (
    <div className="card">
      <h2>Organizations</h2>
      <Async res={res} what="organizations">
        {({ orgs }) =>
          orgs.length === 0 ? (
            <Empty>No organization.</Empty>
          ) : (
            <table>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Plan</th>
                  <th scope="col">Your role</th>
                  <th scope="col">Created</th>
                </tr>
              </thead>
              <tbody>
                {orgs.map((o) => (
                  <tr key={o.name}>
                    <td>
                      <button
                        type="button"
                        className="link"
                        aria-expanded={open === o.name}
                        onClick={() => setOpen(open === o.name ? null : o.name)}
                      >
                        {o.name}
                      </button>
                    </td>
                    <td>{o.plan}</td>
                    <td>{o.role ?? '—'}</td>
                    <td>{when(o.createdAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Async>
      {open && <Members org={open} />}
      {session.can.manage && (
        <CreateForm
          label="Create organization"
          onSubmit={async () => {
            await api('/api/v1/orgs', { method: 'POST', json: { name } });
            setName('');
            res.reload();
          }}
        >
          <label>
            New organization
            <input
              value={name}
              onChange={(e) => setName(e.target.value)}
              required
              pattern="[a-z0-9][a-z0-9._-]*"
            />
          </label>
        </CreateForm>
      )}
    </div>
  );
}

function Users() {
  const res = useLive<{ users: User[] }>('/api/v1/users', none);
  const [name, setName] = useState('');
  const [hubAdmin, setHubAdmin] = useState(false);
  return (
    <div className="card">
      <h2>Users</h2>
      <Async res={res} what="users">
        {({ users }) => (
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Display name</th>
                <th scope="col">Hub admin</th>
                <th scope="col">Status</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {users.map((u) => (
                <tr key={u.id}>
                  <td>{u.name}</td>
                  <td>{u.displayName ?? '—'}</td>
                  <td>{u.hubAdmin ? 'yes' : 'no'}</td>
                  <td>{u.disabledAt ? `disabled ${when(u.disabledAt)}` : 'active'}</td>
                  <td>
                    {u.id !== 'admin' && (
                      <button
                        type="button"
                        onClick={async () => {
                          await api(`/api/v1/users/${u.name}`, {
                            method: 'PATCH',
                            json: { disabled: !u.disabledAt },
                          });
                          res.reload();
                        }}
                      >
                        {u.disabledAt ? 'Enable' : 'Disable'}
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Async>
      <CreateForm
        label="Add user"
        onSubmit={async () => {
          await api('/api/v1/users', { method: 'POST', json: { name, hubAdmin } });
          setName('');
          setHubAdmin(false);
          res.reload();
          window.dispatchEvent(new Event(USERS_CHANGED));
        }}
      >
        <label>
          User name
          <input value={name} onChange={(e) => setName(e.target.value)} required />
        </label>
        <label className="check">
          <input type="checkbox" checked={hubAdmin} onChange={(e) => setHubAdmin(e.target.checked)} /> Hub
          administrator
        </label>
      </CreateForm>
    </div>
  );
}

function Tokens() {
  const session = useSession();
  const mayCreate = session.can.manage;
  const [owner, setOwner] = useState('');
  const res = useLive<{ tokens: Token[] }>(
    owner ? `/api/v1/tokens/api?user=${encodeURIComponent(owner)}` : '/api/v1/tokens/api',
    none,
  );
  const users = useLive<{ users: User[] }>(session.hubAdmin ? '/api/v1/users' : null, none);
  const reloadUsers = users.reload;
  useEffect(() => {
    window.addEventListener(USERS_CHANGED, reloadUsers);
    return () => window.removeEventListener(USERS_CHANGED, reloadUsers);
  }, [reloadUsers]);
  const [name, setName] = useState('');
  const [scope, setScope] = useState('hub:read');
  const [created, setCreated] = useState<{ secret: string; user: string | null } | null>(null);
  return (
    <div className="card" data-testid="tokens">
      <h2>API tokens</h2>
      {session.hubAdmin && (
        <label className="inline">
          Tokens of{' '}
          <select name="token-owner" value={owner} onChange={(e) => setOwner(e.target.value)}>
            <option value="">you ({session.name})</option>
            {(users.data?.users ?? [])
              .filter((u) => u.name !== session.name)
              .map((u) => (
                <option key={u.id} value={u.name}>
                  {u.name}
                </option>
              ))}
          </select>
        </label>
      )}
      <Async res={res} what="tokens">
        {({ tokens }) =>
          tokens.length === 0 ? (
            <Empty>No token{owner ? ` for ${owner}` : ''}.</Empty>
          ) : (
            <table>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">User</th>
                  <th scope="col">Scopes</th>
                  <th scope="col">Expires</th>
                  <th scope="col">Status</th>
                  <th scope="col">Actions</th>
                </tr>
              </thead>
              <tbody>
                {tokens.map((t) => (
                  <tr key={t.id}>
                    <td>{t.name}</td>
                    <td>{t.user ?? '—'}</td>
                    <td>{t.scopes.join(' ')}</td>
                    <td>{t.expiresAt ? when(t.expiresAt) : 'never'}</td>
                    <td>{t.revokedAt ? 'revoked' : 'active'}</td>
                    <td>
                      {!t.revokedAt && t.id !== 'admin' && (
                        <button
                          type="button"
                          onClick={async () => {
                            if (!window.confirm(`Revoke the token ${t.name}?`)) return;
                            await api(`/api/v1/tokens/api/${t.id}`, { method: 'DELETE' });
                            res.reload();
                          }}
                        >
                          Revoke
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Async>
      {mayCreate && (
        <CreateForm
          label="Create token"
          onSubmit={async () => {
            const out = await api<{ secret: string }>('/api/v1/tokens/api', {
              method: 'POST',
              json: { name, scope: [scope], ...(owner ? { user: owner } : {}) },
            });
            setCreated({ secret: out.secret, user: owner || null });
            setName('');
            res.reload();
          }}
        >
          <label>
            Token name
            <input value={name} onChange={(e) => setName(e.target.value)} required />
          </label>
          <label>
            Scope
            <select value={scope} onChange={(e) => setScope(e.target.value)}>
              {['hub:read', 'hub:push', 'hub:manage', ...(session.hubAdmin ? ['hub:admin'] : [])].map((s) => (
                <option key={s}>{s}</option>
              ))}
            </select>
          </label>
        </CreateForm>
      )}
      {created && (
        <p role="status" className="state ok" data-testid="new-token">
          New token{created.user ? ` for ${created.user}` : ''} (shown once; it signs in at{' '}
          <code>/login</code> or with <code>mcphub ui login --token-file</code>):{' '}
          <code>{created.secret}</code>
        </p>
      )}
    </div>
  );
}

interface RemoteView {
  amqpUrl: string | null;
  s3Endpoint: string | null;
  s3AccessKey: string | null;
  s3SecretKeySet: boolean;
  s3Region: string | null;
  s3BucketPrefix: string | null;
}
interface Probe {
  adapter: string;
  target: string | null;
  ok: boolean;
  message: string;
}
interface SettingsView {
  configFile: string;
  policyFile: string;
  remote: RemoteView;
  running: RemoteView;
  restartRequired: boolean;
  envOverrides: string[];
  registries: { registries: string[]; jwks: string | null; requireAttestation: boolean; inUse: string[] };
  policy: {
    saved: boolean;
    input: Record<string, unknown>;
    effective: Record<string, unknown> | null;
    problem: string | null;
  };
  message?: string;
}

const REMOTE_FIELDS = [
  ['amqpUrl', 'AMQP URL', 'amqp://user:password@broker:5672'],
  ['s3Endpoint', 'S3 endpoint', 'http://minio:9000'],
  ['s3AccessKey', 'S3 access key', ''],
  ['s3Region', 'S3 region', 'us-east-1'],
  ['s3BucketPrefix', 'Bucket prefix', 'team-'],
] as const;

function Saved({ message, error }: { message: string | null; error: Error | null }) {
  return (
    <>
      {message && (
        <p className="state ok" role="status">
          {message}
        </p>
      )}
      {error && <ErrorBox error={error} />}
    </>
  );
}

function RemoteHub() {
  const res = useLive<SettingsView>('/api/v1/ui/settings', none);
  return (
    <div className="card" data-testid="remote-hub">
      <h2>Remote hub</h2>
      <Async res={res} what="the remote hub settings">
        {(v) => <RemoteForm view={v} reload={res.reload} />}
      </Async>
    </div>
  );
}

function RemoteForm({ view, reload }: { view: SettingsView; reload: () => void }) {
  const [form, setForm] = useState<Record<string, string>>(() =>
    Object.fromEntries(REMOTE_FIELDS.map(([k]) => [k, view.remote[k] ?? ''])),
  );
  const [secret, setSecret] = useState('');
  const [message, setMessage] = useState<string | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const [probes, setProbes] = useState<{ amqp: Probe; s3: Probe } | 'testing' | null>(null);
  const body = () => ({
    ...Object.fromEntries(REMOTE_FIELDS.map(([k]) => [k, form[k]?.trim() ? form[k]!.trim() : null])),
    ...(secret ? { s3SecretKey: secret } : form.s3Endpoint?.trim() ? {} : { s3SecretKey: null }),
  });
  const save = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setMessage(null);
    try {
      const out = await api<SettingsView>('/api/v1/ui/settings/remote', { method: 'PUT', json: body() });
      setMessage(out.message ?? 'Saved.');
      setSecret('');
      reload();
    } catch (err) {
      setError(err as Error);
    }
  };
  const test = async () => {
    setProbes('testing');
    try {
      setProbes(await api('/api/v1/ui/settings/remote/test', { method: 'POST', json: body() }));
    } catch (err) {
      setProbes(null);
      setError(err as Error);
    }
  };
  return (
    <>
      <p className="muted">
        Jobs go through a shared RabbitMQ/LavinMQ broker and sources and results through S3 (MinIO) when these
        are set; empty means the embedded queue and local files. Saved to <code>{view.configFile}</code>.
      </p>
      {view.restartRequired && (
        <p className="state warn" role="status" data-testid="restart-required">
          Restart required: the daemon still runs with{' '}
          {view.running.amqpUrl ? <code>{view.running.amqpUrl}</code> : 'the embedded queue'} and{' '}
          {view.running.s3Endpoint ? <code>{view.running.s3Endpoint}</code> : 'local files'}.
        </p>
      )}
      {view.envOverrides.length > 0 && (
        <p className="state warn">
          Set in the daemon's environment, which wins over this file: {view.envOverrides.join(', ')}.
        </p>
      )}
      <form className="form" onSubmit={save} aria-label="Remote hub settings">
        <div className="grid2">
          {REMOTE_FIELDS.map(([k, label, placeholder]) => (
            <label key={k}>
              {label}
              <input
                name={k}
                value={form[k] ?? ''}
                placeholder={placeholder}
                autoComplete="off"
                onChange={(e) => setForm({ ...form, [k]: e.target.value })}
              />
            </label>
          ))}
          <label>
            S3 secret key
            <input
              name="s3SecretKey"
              type="password"
              autoComplete="new-password"
              value={secret}
              placeholder={view.remote.s3SecretKeySet ? 'saved (hidden); type to replace' : 'not set'}
              onChange={(e) => setSecret(e.target.value)}
            />
          </label>
        </div>
        <div className="row">
          <button type="submit">Save remote hub</button>
          <button type="button" onClick={() => void test()} disabled={probes === 'testing'}>
            {probes === 'testing' ? 'Testing…' : 'Test connection'}
          </button>
        </div>
      </form>
      {probes && probes !== 'testing' && (
        <ul className="plain" aria-label="Connection test" data-testid="connection-test">
          {[probes.amqp, probes.s3].map((p) => (
            <li key={p.adapter}>
              <span className={`badge ${p.ok ? 'ok' : 'bad'}`}>{p.ok ? 'OK' : 'FAILED'}</span> {p.adapter}
              {p.target ? ` ${p.target}` : ''}: {p.message}
            </li>
          ))}
        </ul>
      )}
      <Saved message={message} error={error} />
    </>
  );
}

function RegistriesAndPolicy() {
  const res = useLive<SettingsView>('/api/v1/ui/settings', none);
  return (
    <div className="columns">
      <div className="card" data-testid="registries">
        <h2>Registries</h2>
        <Async res={res} what="the registries">
          {(v) => <RegistriesForm view={v} reload={res.reload} />}
        </Async>
      </div>
      <div className="card" data-testid="default-policy">
        <h2>Default policy</h2>
        <Async res={res} what="the default policy">
          {(v) => <PolicyForm view={v} reload={res.reload} />}
        </Async>
      </div>
    </div>
  );
}

function RegistriesForm({ view, reload }: { view: SettingsView; reload: () => void }) {
  const [list, setList] = useState(view.registries.registries.join('\n'));
  const [requireAttestation, setRequire] = useState(view.registries.requireAttestation);
  const [jwks, setJwks] = useState(view.registries.jwks ?? '');
  const [message, setMessage] = useState<string | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const save = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setMessage(null);
    try {
      const out = await api<SettingsView>('/api/v1/ui/settings/registries', {
        method: 'PUT',
        json: {
          registries: list
            .split('\n')
            .map((l) => l.trim())
            .filter(Boolean),
          requireAttestation,
          jwks: jwks.trim() || null,
        },
      });
      setMessage(out.message ?? 'Saved.');
      reload();
    } catch (err) {
      setError(err as Error);
    }
  };
  return (
    <form className="form" onSubmit={save} aria-label="Registries">
      <p className="muted">
        In use:{' '}
        {view.registries.inUse.map((r) => (
          <code key={r}>{r} </code>
        ))}
      </p>
      <label>
        Registries <small>(one URL a line, in order; empty: this hub's registry)</small>
        <textarea name="registries" rows={3} value={list} onChange={(e) => setList(e.target.value)} />
      </label>
      <label>
        Trusted JWKS <small>(URL or file; empty: this hub's keys)</small>
        <input name="jwks" value={jwks} onChange={(e) => setJwks(e.target.value)} />
      </label>
      <label className="check">
        <input
          type="checkbox"
          name="requireAttestation"
          checked={requireAttestation}
          onChange={(e) => setRequire(e.target.checked)}
        />{' '}
        Require a verified attestation
      </label>
      <button type="submit">Save registries</button>
      <Saved message={message} error={error} />
    </form>
  );
}

function PolicyForm({ view, reload }: { view: SettingsView; reload: () => void }) {
  const [text, setText] = useState(JSON.stringify(view.policy.input, null, 2));
  const [message, setMessage] = useState<string | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const send = async (policy: unknown) => {
    setError(null);
    setMessage(null);
    try {
      const out = await api<SettingsView>('/api/v1/ui/settings/policy', { method: 'PUT', json: { policy } });
      setMessage(out.message ?? 'Saved.');
      reload();
    } catch (err) {
      setError(err as Error);
    }
  };
  const save = (e: FormEvent) => {
    e.preventDefault();
    let policy: unknown;
    try {
      policy = JSON.parse(text);
    } catch (err) {
      setError(new Error(`Not JSON: ${(err as Error).message}`));
      return;
    }
    void send(policy);
  };
  return (
    <form className="form" onSubmit={save} aria-label="Default policy">
      <p className="muted">
        Used by <code>mcphub run</code> without <code>--policy</code> (
        {view.policy.saved ? 'saved in' : 'none saved; would be'} <code>{view.policyFile}</code>). Fields:
        mode, minLevel, origins, requireAttestation, network, filesystem, env, limits, isolation.
      </p>
      <label>
        Policy (JSON)
        <textarea
          name="policy"
          rows={8}
          spellCheck={false}
          className="code"
          value={text}
          onChange={(e) => setText(e.target.value)}
        />
      </label>
      <div className="row">
        <button type="submit">Save policy</button>
        <button type="button" onClick={() => void send(null)} disabled={!view.policy.saved}>
          Use the built-in default
        </button>
      </div>
      <Saved message={message} error={error} />
      {view.policy.problem && (
        <p className="state warn" role="alert">
          The saved policy file is refused by <code>mcphub run</code>: {view.policy.problem}
        </p>
      )}
      <details>
        <summary>Effective policy</summary>
        <pre className="config">{JSON.stringify(view.policy.effective, null, 2)}</pre>
      </details>
    </form>
  );
}

interface Member {
  user: string;
  displayName: string | null;
  role: string;
  since: string;
}
const ORG_ROLES = ['viewer', 'member', 'admin', 'owner'];

/** Members of one organization; changing them needs the admin role there (owner for owners). */
function Members({ org }: { org: string }) {
  const session = useSession();
  const mayManage = session.can.moderate.includes(org);
  const res = useLive<{ members: Member[] }>(`/api/v1/orgs/${encodeURIComponent(org)}/members`, none);
  const [user, setUser] = useState('');
  const [role, setRole] = useState('viewer');
  const [error, setError] = useState<Error | null>(null);
  const change = async (path: string, init: Parameters<typeof api>[1]) => {
    setError(null);
    try {
      await api(path, init);
      res.reload();
    } catch (err) {
      setError(err as Error);
    }
  };
  return (
    <section className="members" aria-label={`Members of ${org}`}>
      <h3>Members of {org}</h3>
      <Async res={res} what="members">
        {({ members }) =>
          members.length === 0 ? (
            <Empty>No member.</Empty>
          ) : (
            <table>
              <thead>
                <tr>
                  <th scope="col">User</th>
                  <th scope="col">Role</th>
                  <th scope="col">Since</th>
                  {mayManage && <th scope="col">Actions</th>}
                </tr>
              </thead>
              <tbody>
                {members.map((m) => (
                  <tr key={m.user}>
                    <td>
                      {m.user}
                      {m.displayName ? ` (${m.displayName})` : ''}
                    </td>
                    <td>
                      {mayManage ? (
                        <select
                          aria-label={`Role of ${m.user}`}
                          value={m.role}
                          onChange={(e) =>
                            void change(`/api/v1/orgs/${encodeURIComponent(org)}/members`, {
                              method: 'POST',
                              json: { user: m.user, role: e.target.value },
                            })
                          }
                        >
                          {ORG_ROLES.map((r) => (
                            <option key={r}>{r}</option>
                          ))}
                        </select>
                      ) : (
                        m.role
                      )}
                    </td>
                    <td>{when(m.since)}</td>
                    {mayManage && (
                      <td>
                        <button
                          type="button"
                          onClick={() =>
                            window.confirm(`Remove ${m.user} from ${org}?`) &&
                            void change(
                              `/api/v1/orgs/${encodeURIComponent(org)}/members/${encodeURIComponent(m.user)}`,
                              { method: 'DELETE' },
                            )
                          }
                        >
                          Remove
                        </button>
                      </td>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Async>
      {mayManage && (
        <CreateForm
          label="Add member"
          onSubmit={async () => {
            await api(`/api/v1/orgs/${encodeURIComponent(org)}/members`, {
              method: 'POST',
              json: { user, role },
            });
            setUser('');
            res.reload();
          }}
        >
          <label>
            User name
            <input value={user} onChange={(e) => setUser(e.target.value)} required />
          </label>
          <label>
            Role
            <select value={role} onChange={(e) => setRole(e.target.value)}>
              {ORG_ROLES.map((r) => (
                <option key={r}>{r}</option>
              ))}
            </select>
          </label>
        </CreateForm>
      )}
      {error && <ErrorBox error={error} />}
    </section>
  );
}
