import { type FormEvent, useEffect, useRef, useState } from 'react';
import { api, useLive } from '../api.js';
import { LevelBadge, StatusBadge, shortDigest, when } from '../components/badges.js';
import { Async, Empty, ErrorBox } from '../components/states.js';
import { href } from '../router.js';
import { useSession } from '../session.js';

interface PackageList {
  packages: { name: string; latest: string | null; level: number | null; status: string }[];
}
interface VersionSummary {
  version: string;
  digest: string;
  bundle: { digest: string; size: number };
  level: number | null;
  status: string;
  statusReason: string | null;
  publishedAt: string;
  publishedBy: string;
}
interface PackageDetail {
  name: string;
  latest: string | null;
  versions: VersionSummary[];
}

const ACTIONS = [
  { status: 'deprecated', label: 'Deprecate', help: 'Still installable; clients are warned.' },
  {
    status: 'yanked',
    label: 'Yank',
    help: 'No longer resolved by ranges or latest; pinned installs still work.',
  },
  { status: 'revoked', label: 'Revoke', help: 'Refused everywhere. This cannot be undone.' },
] as const;

export function Registry({ pkg }: { pkg: string | null }) {
  const list = useLive<PackageList>('/api/v1/ui/registry/packages', (t) => t.to === 'PUBLISHED');
  return (
    <section aria-labelledby="registry-title">
      <h1 id="registry-title">Registry</h1>
      <div className="registry-grid">
        <div className="card">
          <h2>Packages</h2>
          <Async res={list} what="packages">
            {({ packages }) =>
              packages.length === 0 ? (
                <Empty>The registry is empty: certified servers are published here.</Empty>
              ) : (
                <table>
                  <thead>
                    <tr>
                      <th scope="col">Package</th>
                      <th scope="col">Latest</th>
                      <th scope="col">Level</th>
                      <th scope="col">Status</th>
                    </tr>
                  </thead>
                  <tbody>
                    {packages.map((p) => (
                      <tr key={p.name} className={p.name === pkg ? 'selected' : ''}>
                        <td>
                          <a href={href('registry', ...p.name.split('/'))}>{p.name}</a>
                        </td>
                        <td>{p.latest ?? '—'}</td>
                        <td>
                          <LevelBadge level={p.level} />
                        </td>
                        <td>
                          <StatusBadge status={p.status} />
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )
            }
          </Async>
        </div>
        {pkg ? (
          <PackageVersions name={pkg} onChange={list.reload} />
        ) : (
          <div className="card">
            <Empty>Select a package to see its versions.</Empty>
          </div>
        )}
      </div>
    </section>
  );
}

function PackageVersions({ name, onChange }: { name: string; onChange: () => void }) {
  const res = useLive<PackageDetail>(
    `/api/v1/ui/registry/packages/${name}`,
    (t) => `${t.org}/${t.name}` === name,
  );
  const [pending, setPending] = useState<{ version: string; status: string } | null>(null);
  // Status changes need the admin role in the organization; others do not get the buttons (the API refuses anyway).
  const mayModerate = useSession().can.moderate.includes(name.split('/')[0] ?? '');
  return (
    <div className="card">
      <h2>{name}</h2>
      <Async res={res} what="versions">
        {(d) => (
          <table>
            <thead>
              <tr>
                <th scope="col">Version</th>
                <th scope="col">Digest</th>
                <th scope="col">Level</th>
                <th scope="col">Status</th>
                <th scope="col">Published</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {d.versions.map((v) => (
                <tr key={v.version}>
                  <td>
                    {v.version}
                    {v.version === d.latest ? ' (latest)' : ''}
                  </td>
                  <td>
                    <code title={v.digest}>{shortDigest(v.digest)}</code>
                  </td>
                  <td>
                    <LevelBadge level={v.level} />
                  </td>
                  <td>
                    <StatusBadge status={v.status} />
                    {v.statusReason && <div className="muted">{v.statusReason}</div>}
                  </td>
                  <td>
                    {when(v.publishedAt)} by {v.publishedBy}
                  </td>
                  <td className="actions">
                    {!mayModerate && <span className="muted">read only</span>}
                    {mayModerate &&
                      v.status !== 'revoked' &&
                      ACTIONS.filter((a) => a.status !== v.status).map((a) => (
                        <button
                          type="button"
                          key={a.status}
                          onClick={() => setPending({ version: v.version, status: a.status })}
                        >
                          {a.label}
                        </button>
                      ))}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Async>
      {pending && (
        <ConfirmStatus
          name={name}
          {...pending}
          onClose={(changed) => {
            setPending(null);
            if (changed) {
              res.reload();
              onChange();
            }
          }}
        />
      )}
    </div>
  );
}

function ConfirmStatus({
  name,
  version,
  status,
  onClose,
}: {
  name: string;
  version: string;
  status: string;
  onClose: (changed: boolean) => void;
}) {
  const [reason, setReason] = useState('');
  const [error, setError] = useState<Error | null>(null);
  const ref = useRef<HTMLDialogElement>(null);
  // A modal dialog: focus stays inside, Escape cancels, the page behind is inert.
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
    return () => d?.close();
  }, []);
  const action = ACTIONS.find((a) => a.status === status)!;
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    try {
      await api(`/api/v1/ui/registry/packages/${name}/${version}/status`, {
        method: 'PATCH',
        json: { status, reason },
      });
      onClose(true);
    } catch (err) {
      setError(err as Error);
    }
  };
  return (
    <dialog
      ref={ref}
      className="confirm"
      aria-labelledby="confirm-title"
      onCancel={(e) => {
        e.preventDefault();
        onClose(false);
      }}
    >
      <form onSubmit={submit}>
        <h3 id="confirm-title">
          {action.label} {name}@{version}?
        </h3>
        <p>{action.help}</p>
        <label>
          Reason (shown to users)
          <textarea
            name="reason"
            value={reason}
            onChange={(e) => setReason(e.target.value)}
            required={status !== 'deprecated'}
            autoFocus
            maxLength={1000}
          />
        </label>
        {error && <ErrorBox error={error} />}
        <div className="row">
          <button type="button" onClick={() => onClose(false)}>
            Cancel
          </button>
          <button type="submit" className={status === 'revoked' ? 'danger' : ''}>
            {action.label}
          </button>
        </div>
      </form>
    </dialog>
  );
}
