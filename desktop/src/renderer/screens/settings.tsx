import { type FormEvent, type ReactNode, useState } from 'react';
import { api, useLive } from '../api.js';
import { when } from '../components/badges.js';
import { Async, Empty, ErrorBox } from '../components/states.js';
import { desktop } from '../desktop-bridge.js';

interface Me {
  user: { name: string; displayName: string | null } | null;
  hubAdmin: boolean;
  memberships: { org: string; role: string }[];
  token: { id: string; name: string; scopes: string[] };
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

export function Settings() {
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
          <p className="muted">
            Remote hub, registries and the default policy are set in <code>MCPHUB_HOME/config.json</code> or{' '}
            <code>MCPHUB_*</code> variables; the API does not change them at run time.
          </p>
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
                <dd>
                  {m.user?.displayName ?? m.user?.name ?? m.token.name}{' '}
                  {m.hubAdmin && <span className="badge">hub admin</span>}
                </dd>
                <dt>Organizations</dt>
                <dd>{m.memberships.map((x) => `${x.org} (${x.role})`).join(', ') || '—'}</dd>
                <dt>Token scopes</dt>
                <dd>{m.token.scopes.join(' ')}</dd>
              </dl>
            )}
          </Async>
          <button
            type="button"
            onClick={async () => {
              await fetch('/logout', { method: 'POST', credentials: 'same-origin' });
              window.location.reload();
            }}
          >
            Sign out
          </button>
        </div>
      </div>
      <EffectiveConfig />
      <Organizations />
      <Users />
      <Tokens />
    </section>
  );
}

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
                    <td>{o.name}</td>
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
    </div>
  );
}

function Users() {
  const res = useLive<{ users: User[] }>('/api/v1/users', none);
  const [name, setName] = useState('');
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
          await api('/api/v1/users', { method: 'POST', json: { name } });
          setName('');
          res.reload();
        }}
      >
        <label>
          User name
          <input value={name} onChange={(e) => setName(e.target.value)} required />
        </label>
      </CreateForm>
    </div>
  );
}

function Tokens() {
  const res = useLive<{ tokens: Token[] }>('/api/v1/tokens/api', none);
  const [name, setName] = useState('');
  const [scope, setScope] = useState('hub:read');
  const [created, setCreated] = useState<string | null>(null);
  return (
    <div className="card">
      <h2>API tokens</h2>
      <Async res={res} what="tokens">
        {({ tokens }) => (
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
        )}
      </Async>
      <CreateForm
        label="Create token"
        onSubmit={async () => {
          const out = await api<{ secret: string }>('/api/v1/tokens/api', {
            method: 'POST',
            json: { name, scope: [scope] },
          });
          setCreated(out.secret);
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
            {['hub:read', 'hub:push', 'hub:manage', 'hub:admin'].map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
      </CreateForm>
      {created && (
        <p role="status">
          New token (shown once): <code>{created}</code>
        </p>
      )}
    </div>
  );
}
