import type { Score } from '../types.js';

const tone = (v: number) => (v >= 80 ? 'good' : v >= 60 ? 'fair' : 'poor');

/** The global score as a ring, with the Security / Supply chain / Maturity split as bars. */
export function ScoreGauge({ score }: { score: Score }) {
  const r = 52;
  const c = 2 * Math.PI * r;
  const parts = [
    { label: 'Security', value: score.security, weight: '50%' },
    { label: 'Supply chain', value: score.supplyChain, weight: '30%' },
    { label: 'Maturity', value: score.maturity, weight: '20%' },
  ];
  return (
    <div className="gauge">
      <svg
        viewBox="0 0 120 120"
        width="140"
        height="140"
        role="img"
        aria-label={`Score ${score.global} of 100`}
      >
        <circle cx="60" cy="60" r={r} className="gauge-track" />
        <circle
          cx="60"
          cy="60"
          r={r}
          className={`gauge-value ${tone(score.global)}`}
          strokeDasharray={`${(score.global / 100) * c} ${c}`}
          transform="rotate(-90 60 60)"
        />
        <text x="60" y="66" textAnchor="middle" className="gauge-text">
          {score.global}
        </text>
      </svg>
      <dl className="split">
        {parts.map((p) => (
          <div key={p.label} className="split-row">
            <dt>
              {p.label} <small>({p.weight})</small>
            </dt>
            <dd>
              <meter
                min={0}
                max={100}
                low={60}
                high={80}
                optimum={100}
                value={p.value}
                aria-label={p.label}
              />
              <span>{p.value}</span>
            </dd>
          </div>
        ))}
      </dl>
    </div>
  );
}
