import { useEffect, useState } from 'react';
import { useLive, useRunEvents } from '../api.js';
import { LevelBadge, when } from './badges.js';

export interface Decision {
  rule: string;
  ok: boolean;
  saw: string;
  need: string;
  hint?: string;
}
export interface RunDecision {
  allowed: boolean;
  mode: string;
  decisions: Decision[];
  denials: Decision[];
}
export interface Isolation {
  backend: string;
  sandboxed: boolean;
  observed: boolean;
  namespaces: Record<string, boolean>;
  seccomp: { enabled: boolean; verified: boolean };
  cgroup: { version: number | null; controllers: string[]; memoryBytes?: number; pidsMax?: number };
  rlimits: { via: string };
  network: { mode: string; allow: string[] };
  achieved: string[];
  warnings: string[];
}
export interface RunView {
  id: string;
  ref: string;
  name: string;
  version: string;
  digest: string;
  level: number | null;
  state: 'running' | 'stopping' | 'exited';
  startedBy: string;
  startedAt: string;
  endedAt: string | null;
  policy: {
    minLevel: number;
    network: { mode: string; allow: string[] };
    limits: Record<string, number>;
  };
  decision: RunDecision;
  isolation: Isolation;
  stats: { cpuPercent: number; memoryBytes: number; pids: number } | null;
  history: { cpuPercent: number; memoryBytes: number }[];
  tools: { count: number; guard: string };
  exit: { code: number | null; signal: string | null; reason: string; durationMs: number } | null;
}

export const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

/** A small line chart of the last samples (SVG, no inline style). */
export function Sparkline({ values, label }: { values: number[]; label: string }) {
  const w = 80;
  const h = 20;
  // Always the same box, so live updates never shift the layout under the pointer.
  if (values.length < 2) return <svg className="sparkline" width={w} height={h} aria-hidden="true" />;
  const max = Math.max(...values, 1e-9);
  const points = values
    .map(
      (v, i) => `${((i / (values.length - 1)) * w).toFixed(1)},${(h - (v / max) * (h - 2) - 1).toFixed(1)}`,
    )
    .join(' ');
  return (
    <svg className="sparkline" width={w} height={h} viewBox={`0 0 ${w} ${h}`} role="img" aria-label={label}>
      <polyline points={points} fill="none" stroke="currentColor" strokeWidth="1.5" />
    </svg>
  );
}

/** Running servers, kept live by the SSE stream: started/exited reload the list, stats patch it. */
export function useRuns() {
  const list = useLive<{ runs: RunView[] }>('/api/v1/runs', () => false);
  const [runs, setRuns] = useState<RunView[] | null>(null);
  useEffect(() => {
    if (list.data) setRuns(list.data.runs);
  }, [list.data]);
  useRunEvents((e) => {
    if (e.type === 'started' || e.type === 'exited') list.reload();
    else if (e.type === 'stats' && e.stats) {
      const s = e.stats;
      setRuns(
        (old) =>
          old?.map((r) =>
            r.id === e.id
              ? {
                  ...r,
                  stats: s,
                  history: [...r.history, { cpuPercent: s.cpuPercent, memoryBytes: s.memoryBytes }].slice(
                    -60,
                  ),
                }
              : r,
          ) ?? old,
      );
    }
  });
  return { ...list, runs };
}

export function RunsTable({
  runs,
  selected,
  onSelect,
}: {
  runs: RunView[];
  selected?: string | null;
  onSelect?: (id: string) => void;
}) {
  return (
    <table className="runs">
      <thead>
        <tr>
          <th scope="col">Server</th>
          <th scope="col">State</th>
          <th scope="col">CPU</th>
          <th scope="col">Memory</th>
          <th scope="col">Started</th>
          {onSelect && <th scope="col">Details</th>}
        </tr>
      </thead>
      <tbody>
        {runs.map((r) => (
          <tr key={r.id} className={r.id === selected ? 'selected' : ''} data-testid={`run-${r.id}`}>
            <td>
              {r.name}@{r.version} <LevelBadge level={r.level} />
            </td>
            <td>
              <span className={`badge run-${r.state}`}>{r.state}</span>
              {r.exit && <span className="muted"> {r.exit.reason}</span>}
            </td>
            <td data-testid="cpu">
              {r.state === 'exited' || !r.stats ? '—' : `${r.stats.cpuPercent.toFixed(1)} %`}{' '}
              {r.state !== 'exited' && (
                <Sparkline values={r.history.map((h) => h.cpuPercent)} label={`CPU of ${r.name}`} />
              )}
            </td>
            <td data-testid="memory">
              {r.state === 'exited' || !r.stats ? '—' : mb(r.stats.memoryBytes)}{' '}
              {r.state !== 'exited' && (
                <Sparkline values={r.history.map((h) => h.memoryBytes)} label={`Memory of ${r.name}`} />
              )}
            </td>
            <td>
              {when(r.startedAt)} <span className="muted">by {r.startedBy}</span>
            </td>
            {onSelect && (
              <td>
                <button type="button" onClick={() => onSelect(r.id)} aria-pressed={r.id === selected}>
                  {r.id === selected ? 'Shown' : 'Show'} <span className="sr-only">{r.name}</span>
                </button>
              </td>
            )}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function DecisionView({ decision }: { decision: RunDecision }) {
  if (decision.allowed && decision.denials.length === 0) {
    return (
      <div className="decision allowed" data-testid="decision">
        <strong>Allowed by policy</strong> ({decision.mode}):{' '}
        {decision.decisions.map((d) => `${d.rule} ✓ ${d.saw}`).join(' · ')}
      </div>
    );
  }
  return (
    <div className={`decision ${decision.allowed ? 'warned' : 'denied'}`} data-testid="decision" role="alert">
      <strong>{decision.allowed ? 'Allowed with warnings' : 'Denied by policy'}</strong>
      <ul>
        {decision.denials.map((d) => (
          <li key={d.rule}>
            <code>{d.rule}</code>: saw {d.saw}, needs {d.need}
            {d.hint && <div className="muted">To allow: {d.hint}</div>}
          </li>
        ))}
      </ul>
    </div>
  );
}

export function IsolationView({ iso }: { iso: Isolation }) {
  const ns = Object.entries(iso.namespaces)
    .filter(([, on]) => on)
    .map(([n]) => n);
  return (
    <dl className="kv" data-testid="isolation">
      <dt>Sandbox</dt>
      <dd>{iso.sandboxed ? `${iso.backend}${iso.observed ? ' (observed)' : ''}` : 'NONE — not isolated'}</dd>
      <dt>Namespaces</dt>
      <dd>{ns.length ? ns.join(', ') : 'none'}</dd>
      <dt>Seccomp</dt>
      <dd>{iso.seccomp.enabled ? (iso.seccomp.verified ? 'on (verified)' : 'on') : 'off'}</dd>
      <dt>Cgroups</dt>
      <dd>
        {iso.cgroup.version ? `v${iso.cgroup.version}: ${iso.cgroup.controllers.join(', ')}` : 'none'}
        {iso.cgroup.memoryBytes ? ` · memory ≤ ${mb(iso.cgroup.memoryBytes)}` : ''}
        {iso.cgroup.pidsMax ? ` · pids ≤ ${iso.cgroup.pidsMax}` : ''}
      </dd>
      <dt>Network</dt>
      <dd>
        {iso.network.mode}
        {iso.network.allow.length ? `: ${iso.network.allow.join(', ')}` : ''}
      </dd>
      <dt>Achieved</dt>
      <dd>{iso.achieved.join(', ')}</dd>
      {iso.warnings.length > 0 && (
        <>
          <dt>Warnings</dt>
          <dd>{iso.warnings.join('; ')}</dd>
        </>
      )}
    </dl>
  );
}
