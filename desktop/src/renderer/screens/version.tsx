import { useLive } from '../api.js';
import { LevelBadge, SeverityBadge, StateBadge, shortDigest, when } from '../components/badges.js';
import { ScoreGauge } from '../components/gauge.js';
import { Async, Empty, ErrorBox } from '../components/states.js';
import { Timeline } from '../components/timeline.js';
import { CLASS_NAMES, type Finding, type Job } from '../types.js';

const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const;

interface Findings {
  total: number;
  findings: Finding[];
  summary: { bySeverity: Record<string, number>; byClass: Record<string, number> };
}
interface Report {
  sbom?: {
    bomFormat: string;
    specVersion?: string;
    components: { name: string; version?: string; purl?: string; type?: string; scope?: string }[];
    metadata?: { component?: { name: string; version?: string } };
  };
}
interface Verification {
  verified: boolean;
  keyid?: string;
  attestationDigest: string;
  subject?: { name: string; digest: { sha256: string } }[];
  reason?: string;
}

/** One server version: score, level, controls, findings, SBOM, attestation. */
export function VersionScreen({ id }: { id: string }) {
  const mine = (t: { jobId: string }) => t.jobId === id;
  const job = useLive<Job>(`/api/v1/jobs/${id}`, mine);
  return (
    <section aria-labelledby="version-title">
      <Async res={job} what="the server version">
        {(j) => (
          <>
            <h1 id="version-title">
              {j.name}@{j.version} <StateBadge state={j.state} waiting={Boolean(j.waiting)} />{' '}
              <LevelBadge level={j.level} />
            </h1>
            <p className="muted">
              Submitted by {j.createdBy} · {when(j.createdAt)} · source {j.source.kind}{' '}
              {shortDigest(j.source.digest)}
              {j.reference && (
                <>
                  {' '}
                  · <code>{j.reference}</code>
                </>
              )}
            </p>
            {j.error && (
              <ErrorBox
                error={{ name: j.error.code, code: j.error.code, message: j.error.message } as never}
              />
            )}
            <div className="columns">
              <div className="card">
                <h2>Score</h2>
                {j.score ? <ScoreGauge score={j.score} /> : <Empty>Not scored yet ({j.state}).</Empty>}
                {j.certification && j.certification.blockedBy.length > 0 && (
                  <p className="blocked">Next level blocked by: {j.certification.blockedBy.join('; ')}</p>
                )}
              </div>
              <div className="card">
                <h2>Timeline</h2>
                <Timeline state={j.state} history={j.history ?? []} />
              </div>
            </div>
            <Controls job={j} />
            {['ANALYZED', 'SCORED', 'CERTIFIED', 'PUBLISHED', 'REJECTED'].includes(j.state) || j.score ? (
              <>
                <FindingsPanel id={id} />
                <Sbom id={id} />
              </>
            ) : (
              <div className="card">
                <h2>Findings</h2>
                <Empty>The scan has not finished yet; this page updates by itself.</Empty>
              </div>
            )}
            <Attestation job={j} />
          </>
        )}
      </Async>
    </section>
  );
}

function Controls({ job }: { job: Job }) {
  const controls = job.certification?.controls ?? [];
  return (
    <div className="card">
      <h2>
        Controls{' '}
        {controls.length > 0 && (
          <small>
            {controls.filter((c) => c.passed).length}/{controls.length} pass
          </small>
        )}
      </h2>
      {controls.length === 0 ? (
        <Empty>No certification yet.</Empty>
      ) : (
        <ul className="controls">
          {controls.map((c) => (
            <li key={c.id} className={c.passed ? 'pass' : 'fail'}>
              <span className="mark" aria-hidden="true">
                {c.passed ? '✓' : '✗'}
              </span>
              <span className="sr-only">{c.passed ? 'pass' : 'fail'}</span> <strong>{c.id}</strong> {c.title}{' '}
              <small>{c.owasp.join(' ')}</small>
              {!c.passed && c.findings.length > 0 && (
                <>
                  {' '}
                  —{' '}
                  {c.findings.map((f) => (
                    <a key={f} href={`#finding-${f}`} onClick={(e) => jump(e, f)}>
                      {f.slice(0, 8)}{' '}
                    </a>
                  ))}
                </>
              )}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

// Hash routing owns location.hash; scroll to a finding without changing the route.
function jump(e: { preventDefault(): void }, id: string) {
  e.preventDefault();
  const el = document.getElementById(`finding-${id}`) as HTMLDetailsElement | null;
  if (el) {
    el.open = true;
    el.scrollIntoView({ behavior: 'smooth' });
    el.querySelector('summary')?.focus();
  }
}

function FindingsPanel({ id }: { id: string }) {
  const res = useLive<Findings>(`/api/v1/jobs/${id}/findings`, (t) => t.jobId === id);
  return (
    <section className="card" aria-labelledby="findings-title">
      <h2 id="findings-title">Findings</h2>
      <Async res={res} what="findings">
        {({ findings, summary }) => {
          if (findings.length === 0) return <Empty>No findings: the scanner found nothing to report.</Empty>;
          const classes = [...new Set(findings.map((f) => f.class))].sort();
          return (
            <>
              <p className="sev-summary">
                {SEVERITIES.filter((s) => summary.bySeverity[s]).map((s) => (
                  <span key={s}>
                    <SeverityBadge severity={s} /> {summary.bySeverity[s]}{' '}
                  </span>
                ))}
              </p>
              {classes.map((cls) => (
                <section key={cls} className="finding-class" aria-label={`Class ${cls}`}>
                  <h3>
                    {cls} · {CLASS_NAMES[cls] ?? cls}
                  </h3>
                  {SEVERITIES.map((sev) => {
                    const list = findings.filter((f) => f.class === cls && f.severity === sev);
                    if (list.length === 0) return null;
                    return (
                      <div key={sev}>
                        <h4>
                          <SeverityBadge severity={sev} /> {list.length}
                        </h4>
                        {list.map((f) => (
                          <FindingView key={f.id} f={f} />
                        ))}
                      </div>
                    );
                  })}
                </section>
              ))}
            </>
          );
        }}
      </Async>
    </section>
  );
}

function FindingView({ f }: { f: Finding }) {
  return (
    <details
      className="finding"
      id={`finding-${f.id}`}
      open={f.severity === 'critical' || f.severity === 'high'}
    >
      <summary>
        <SeverityBadge severity={f.severity} /> <strong>{f.title}</strong> <code>{f.ruleId}</code> ·{' '}
        {f.location.file}:{f.location.startLine}
        {f.tool ? ` · tool ${f.tool}` : ''}
      </summary>
      <p>{f.message}</p>
      {f.snippet && (
        <figure className="code-frame">
          <figcaption>
            {f.location.file} line {f.location.startLine}
          </figcaption>
          <pre>
            <span className="line-no">{f.location.startLine}</span>
            <code>{f.snippet}</code>
          </pre>
        </figure>
      )}
      {f.trace.length > 0 && (
        <>
          <h5>Trace</h5>
          <ol className="trace">
            {f.trace.map((t) => (
              <li key={`${t.kind}:${t.file}:${t.line}:${t.column}`}>
                <span className={`trace-kind ${t.kind}`}>{t.kind}</span> {t.file}:{t.line}:{t.column} —{' '}
                {t.note}
              </li>
            ))}
          </ol>
        </>
      )}
      <h5>Remediation</h5>
      <p className="remediation">{f.remediation}</p>
      <p className="muted">
        Confidence {f.confidence}
        {f.cwe?.length ? ` · ${f.cwe.join(', ')}` : ''} · id {f.id}
      </p>
    </details>
  );
}

function Sbom({ id }: { id: string }) {
  const res = useLive<Report>(`/api/v1/jobs/${id}/report`, () => false);
  return (
    <div className="card">
      <h2>SBOM</h2>
      <Async res={res} what="the SBOM">
        {({ sbom }) =>
          !sbom ? (
            <Empty>The report has no SBOM.</Empty>
          ) : (
            <>
              <p className="muted">
                {sbom.bomFormat} {sbom.specVersion ?? ''} for {sbom.metadata?.component?.name}@
                {sbom.metadata?.component?.version} · {sbom.components.length} component(s)
              </p>
              {sbom.components.length === 0 ? (
                <Empty>No third-party component is pinned (no lockfile was found).</Empty>
              ) : (
                <table>
                  <thead>
                    <tr>
                      <th scope="col">Component</th>
                      <th scope="col">Version</th>
                      <th scope="col">purl</th>
                    </tr>
                  </thead>
                  <tbody>
                    {sbom.components.map((c) => (
                      <tr key={c.purl ?? `${c.name}@${c.version}`}>
                        <td>{c.name}</td>
                        <td>{c.version ?? '—'}</td>
                        <td>
                          <code>{c.purl ?? '—'}</code>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </>
          )
        }
      </Async>
    </div>
  );
}

function Attestation({ job }: { job: Job }) {
  const has = Boolean(job.certification?.attestation);
  const res = useLive<Verification>(has ? `/api/v1/ui/jobs/${job.id}/verification` : null, () => false);
  return (
    <div className="card">
      <h2>Attestation</h2>
      {!has ? (
        <Empty>Not certified yet: the signed attestation appears after CERTIFIED.</Empty>
      ) : (
        <>
          <p>
            <a
              href={`/api/v1/jobs/${job.id}/attestation`}
              download={`${job.name.replace('/', '_')}-${job.version}.attestation.json`}
            >
              Download attestation (DSSE, in-toto)
            </a>{' '}
            · <a href={`/api/v1/jobs/${job.id}/snapshot`}>snapshot</a> ·{' '}
            <a href={`/api/v1/jobs/${job.id}/report`}>report</a>
          </p>
          <Async res={res} what="the verification">
            {(v) =>
              v.verified ? (
                <p className="verified" data-testid="attestation-verified">
                  ✓ Signature verified with this hub's key <code>{v.keyid}</code> · subject{' '}
                  {v.subject?.map((s) => `${s.name} sha256:${s.digest.sha256.slice(0, 12)}…`).join(', ')}
                </p>
              ) : (
                <p className="not-verified" role="alert">
                  ✗ The attestation does not verify: {v.reason}
                </p>
              )
            }
          </Async>
        </>
      )}
    </div>
  );
}
