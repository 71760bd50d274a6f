import { PIPELINE } from '../types.js';
import { when } from './badges.js';

interface Step {
  to_state: string;
  at: string;
  actor: string;
  reason: string | null;
}

/** QUEUED → … → PUBLISHED with the time each step was reached; FAILED/REJECTED end it early. */
export function Timeline({ state, history }: { state: string; history: Step[] }) {
  const reached = new Map(history.map((h) => [h.to_state, h]));
  const failed = state === 'FAILED' || state === 'REJECTED';
  const steps: string[] = [...PIPELINE];
  if (failed) {
    const lastOk = PIPELINE.filter((s) => reached.has(s)).length;
    steps.splice(lastOk, steps.length - lastOk, state);
  }
  return (
    <ol className="timeline" aria-label="Job timeline">
      {steps.map((s) => {
        const h = reached.get(s);
        const current = s === state;
        const cls = h ? (s === 'FAILED' || s === 'REJECTED' ? 'failed' : 'done') : 'pending';
        return (
          <li
            key={s}
            className={`step ${cls}${current ? ' current' : ''}`}
            aria-current={current ? 'step' : undefined}
          >
            <span className="step-name">{s}</span>
            {h && (
              <span className="step-meta">
                {when(h.at)} · {h.actor}
                {h.reason ? ` · ${h.reason}` : ''}
              </span>
            )}
          </li>
        );
      })}
    </ol>
  );
}
