import { useLive } from '../api.js';
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
