import { LEVEL_NAMES } from '../types.js';

export function LevelBadge({ level }: { level: number | null }) {
  if (level === null) return <span className="badge level-none">no level</span>;
  return (
    <span className={`badge level-${level}`} title={LEVEL_NAMES[level]}>
      L{level} {LEVEL_NAMES[level]}
    </span>
  );
}

/** A job's state; a QUEUED job whose dispatch waits for an unreachable remote says so (it has not failed). */
export function StateBadge({ state, waiting }: { state: string; waiting?: boolean }) {
  if (waiting)
    return (
      <span
        className="badge state-queued"
        title="The broker or remote hub is unreachable; it will be sent when it is back"
      >
        {state} · waiting for remote
      </span>
    );
  return <span className={`badge state-${state.toLowerCase()}`}>{state}</span>;
}

export function SeverityBadge({ severity }: { severity: string }) {
  return <span className={`badge sev-${severity}`}>{severity}</span>;
}

export function StatusBadge({ status }: { status: string }) {
  return <span className={`badge status-${status}`}>{status}</span>;
}

export const shortDigest = (d: string | null | undefined) => (d ? `${d.slice(0, 19)}…` : '—');
export const when = (iso: string) => new Date(iso).toLocaleString();
