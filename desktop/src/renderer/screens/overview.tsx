import { api, useLive } from '../api.js';
import { LevelBadge, StateBadge, when } from '../components/badges.js';
import { Async, Empty } from '../components/states.js';
import { href } from '../router.js';
import { type Job, LEVEL_NAMES } from '../types.js';

interface JobList {
  jobs: Job[];
  counts: Record<string, number>;
}
interface Servers {
  servers: { name: string; versions: Job[] }[];
}

const QUEUED = ['QUEUED', 'DISPATCHED'];
const RUNNING = ['ANALYZING', 'ANALYZED', 'SCORED', 'CERTIFIED'];

export function Overview() {
  const jobs = useLive<JobList>('/api/v1/jobs?limit=200');
  const servers = useLive<Servers>('/api/v1/servers');
  const health = useLive<{ version: string; uptimeSeconds: number; roles: string[] }>(
    '/healthz',
    () => false,
  );
  return (
    <section aria-labelledby="overview-title">
      <h1 id="overview-title">Overview</h1>
      <Async res={jobs} what="jobs">
        {({ jobs: list, counts }) => {
          const sum = (states: string[]) => states.reduce((n, s) => n + (counts[s] ?? 0), 0);
          // Jobs waiting for an unreachable remote are shown here too, as waiting (not failed).
          const running = list.filter((j) => RUNNING.includes(j.state) || j.waiting);
          const recent = list.filter((j) => j.state === 'PUBLISHED').slice(0, 8);
          return (
            <>
              <div className="tiles">
                <Tile label="Queue depth" value={sum(QUEUED)} testid="queue-depth" />
                <Tile label="Running jobs" value={sum(RUNNING)} testid="running" />
                <Tile label="Published" value={counts.PUBLISHED ?? 0} testid="published" />
                <Tile label="Failed or rejected" value={sum(['FAILED', 'REJECTED'])} testid="failed" />
              </div>
              <div className="columns">
                <div className="card">
                  <h2>Running now</h2>
                  {running.length === 0 ? (
                    <Empty>Nothing is being analyzed.</Empty>
                  ) : (
                    <ul className="plain">
                      {running.map((j) => (
                        <li key={j.id}>
                          <a href={href('jobs', j.id)}>
                            {j.name}@{j.version}
                          </a>{' '}
                          <StateBadge state={j.state} waiting={Boolean(j.waiting)} />
                        </li>
                      ))}
                    </ul>
                  )}
                </div>
                <div className="card">
                  <h2>Recent certifications</h2>
                  {recent.length === 0 ? (
                    <Empty>
                      No certified server yet. <a href={href('submit')}>Submit one</a>.
                    </Empty>
                  ) : (
                    <table>
                      <thead>
                        <tr>
                          <th scope="col">Server</th>
                          <th scope="col">Score</th>
                          <th scope="col">Level</th>
                          <th scope="col">When</th>
                        </tr>
                      </thead>
                      <tbody>
                        {recent.map((j) => (
                          <tr key={j.id}>
                            <td>
                              <a href={href('jobs', j.id)}>
                                {j.name}@{j.version}
                              </a>
                            </td>
                            <td>{j.score?.global ?? '—'}</td>
                            <td>
                              <LevelBadge level={j.level} />
                            </td>
                            <td>{when(j.updatedAt)}</td>
                          </tr>
                        ))}
                      </tbody>
                    </table>
                  )}
                </div>
              </div>
            </>
          );
        }}
      </Async>
      <div className="card">
        <h2>Packages by level</h2>
        <Async res={servers} what="servers">
          {({ servers: list }) => {
            if (list.length === 0) return <Empty>No package yet.</Empty>;
            const byLevel = new Map<number, number>();
            for (const s of list) {
              const latest = s.versions.find((v) => v.level !== null);
              if (latest?.level != null) byLevel.set(latest.level, (byLevel.get(latest.level) ?? 0) + 1);
            }
            const max = Math.max(1, ...byLevel.values());
            return (
              <ul className="bars" aria-label="Packages by certification level">
                {[0, 1, 2, 3].map((l) => (
                  <li key={l}>
                    <span className="bar-label">
                      L{l} {LEVEL_NAMES[l]}
                    </span>
                    <meter min={0} max={max} value={byLevel.get(l) ?? 0} aria-label={`Level ${l}`} />
                    <span className="bar-value">{byLevel.get(l) ?? 0}</span>
                  </li>
                ))}
              </ul>
            );
          }}
        </Async>
      </div>
      <SyncStatus />
      {health.data && (
        <p className="muted">
          Daemon {health.data.version} · roles {health.data.roles.join(', ')} · up {health.data.uptimeSeconds}
          s
        </p>
      )}
    </section>
  );
}

function Tile({ label, value, testid }: { label: string; value: number; testid: string }) {
  return (
    <div className="tile" data-testid={testid}>
      <span className="tile-value">{value}</span>
      <span className="tile-label">{label}</span>
    </div>
  );
}

interface SyncProbe {
  adapter: string;
  target: string | null;
  ok: boolean;
  message: string;
}
interface Sync {
  mode: 'local' | 'remote';
  queue: SyncProbe;
  store: SyncProbe;
  registry: SyncProbe;
  checkedAt: string;
}

const ADAPTER_NAMES: Record<string, string> = {
  sqlite: 'embedded queue (SQLite)',
  amqp: 'AMQP broker',
  filesystem: 'local files',
  s3: 'S3 object store',
  registry: 'registry',
};

/** Which queue and object store the daemon uses, and whether each answers right now. */
function SyncStatus() {
  const sync = useLive<Sync>('/api/v1/ui/sync-status', () => false);
  return (
    <div className="card" data-testid="sync-status">
      <h2>Remote sync status</h2>
      <Async res={sync} what="the remote sync status">
        {(s) => (
          <>
            <p className="muted">
              {s.mode === 'local'
                ? 'Local mode: this daemon queues and stores everything itself.'
                : 'Remote mode: jobs and artifacts go through shared services.'}{' '}
              Checked {when(s.checkedAt)}.{' '}
              <button
                type="button"
                onClick={() => void api('/api/v1/ui/sync-status?fresh=1').then(sync.reload, sync.reload)}
              >
                Check again
              </button>
            </p>
            <table className="sync">
              <thead>
                <tr>
                  <th scope="col">Part</th>
                  <th scope="col">Adapter</th>
                  <th scope="col">Where</th>
                  <th scope="col">State</th>
                </tr>
              </thead>
              <tbody>
                {(
                  [
                    ['Job queue', s.queue],
                    ['Object store', s.store],
                    ['Registry', s.registry],
                  ] as const
                ).map(([part, p]) => (
                  <tr key={part}>
                    <td>{part}</td>
                    <td>{ADAPTER_NAMES[p.adapter] ?? p.adapter}</td>
                    <td>
                      <code>{p.target ?? '—'}</code>
                    </td>
                    <td>
                      <span className={`badge ${p.ok ? 'ok' : 'bad'}`}>
                        {p.ok ? 'reachable' : 'unreachable'}
                      </span>{' '}
                      <span className="muted">{p.message}</span>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        )}
      </Async>
    </div>
  );
}
