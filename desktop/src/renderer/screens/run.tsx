import { type FormEvent, lazy, Suspense, useContext, useEffect, useId, useRef, useState } from 'react';
import { ApiError, api, useLive, useRunEvents } from '../api.js';
import { shortDigest, when } from '../components/badges.js';
import {
  DecisionView,
  IsolationView,
  type RunDecision,
  RunsTable,
  type RunView,
  useRuns,
} from '../components/run-views.js';
import { Async, Empty, ErrorBox, Loading } from '../components/states.js';
import { ToolExplorer } from '../components/tool-explorer.js';
import { SessionContext } from '../session.js';

interface Servers {
  servers: {
    name: string;
    versions: { version: string; level: number | null; state: string; reference: string | null }[];
  }[];
}
// xterm.js is the bulk of the bundle: loaded when a terminal is first opened.
const TerminalPane = lazy(() =>
  import('../components/terminal-pane.js').then((m) => ({ default: m.TerminalPane })),
);

function StartForm({ onStarted }: { onStarted: (run: RunView) => void }) {
  const servers = useLive<Servers>('/api/v1/servers', (t) => t.to === 'PUBLISHED');
  const [ref, setRef] = useState('');
  const [minLevel, setMinLevel] = useState('0');
  const [network, setNetwork] = useState<'none' | 'allowlist'>('none');
  const [allow, setAllow] = useState('');
  const [memoryMb, setMemoryMb] = useState('256');
  const [cpuShare, setCpuShare] = useState('1');
  const [pids, setPids] = useState('64');
  const [wallTimeSec, setWallTimeSec] = useState('3600');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  const [denied, setDenied] = useState<RunDecision | null>(null);
  const ids = {
    ref: useId(),
    level: useId(),
    allow: useId(),
    mem: useId(),
    cpu: useId(),
    pids: useId(),
    wall: useId(),
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setDenied(null);
    setBusy(true);
    const n = (v: string) => (v.trim() === '' ? undefined : Number(v));
    const limits = Object.fromEntries(
      Object.entries({
        memoryMb: n(memoryMb),
        cpuShare: n(cpuShare),
        pids: n(pids),
        wallTimeSec: n(wallTimeSec),
      }).filter(([, v]) => v !== undefined),
    );
    try {
      const res = await fetch('/api/v1/runs', {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          ref,
          policy: {
            minLevel: Number(minLevel),
            network: {
              mode: network,
              ...(network === 'allowlist' ? { allow: allow.split(/[\s,]+/).filter(Boolean) } : {}),
            },
            limits,
          },
        }),
      });
      const body = (await res.json()) as RunView & {
        code?: string;
        message?: string;
        decision?: RunDecision;
      };
      if (res.status === 201) onStarted(body);
      else if (body.code === 'HUB_ERR_RUN_DENIED' && body.decision) setDenied(body.decision);
      else
        setError(new ApiError(body.code ?? `HTTP_${res.status}`, body.message ?? res.statusText, res.status));
    } catch (err) {
      setError(new ApiError('NETWORK', `The daemon did not answer (${(err as Error).message})`, 0));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Async res={servers} what="published servers">
      {({ servers: list }) => {
        const runnable = list.flatMap((s) =>
          s.versions.filter((v) => v.reference).map((v) => ({ ...v, name: s.name })),
        );
        if (runnable.length === 0)
          return (
            <Empty>No published version to run yet: submit a server and wait for it to be published.</Empty>
          );
        return (
          <form className="form run-form" onSubmit={submit} aria-label="Start a server">
            <div className="row">
              <label htmlFor={ids.ref}>
                Package
                <select id={ids.ref} value={ref} required onChange={(e) => setRef(e.target.value)}>
                  <option value="">Choose a published version…</option>
                  {runnable.map((v) => (
                    <option key={v.reference} value={v.reference!}>
                      {v.reference} (level {v.level ?? '–'})
                    </option>
                  ))}
                </select>
              </label>
              <label htmlFor={ids.level}>
                Minimum level
                <select id={ids.level} value={minLevel} onChange={(e) => setMinLevel(e.target.value)}>
                  {[0, 1, 2, 3].map((l) => (
                    <option key={l} value={l}>
                      {l}
                    </option>
                  ))}
                </select>
              </label>
            </div>
            <fieldset className="tabs">
              <legend>Network</legend>
              <label>
                <input
                  type="radio"
                  name="network"
                  checked={network === 'none'}
                  onChange={() => setNetwork('none')}
                />{' '}
                None
              </label>
              <label>
                <input
                  type="radio"
                  name="network"
                  checked={network === 'allowlist'}
                  onChange={() => setNetwork('allowlist')}
                />{' '}
                Allowlist
              </label>
            </fieldset>
            {network === 'allowlist' && (
              <label htmlFor={ids.allow}>
                Allowed host:port entries (space or comma separated)
                <input
                  id={ids.allow}
                  value={allow}
                  required
                  placeholder="api.example.com:443"
                  onChange={(e) => setAllow(e.target.value)}
                />
              </label>
            )}
            <div className="row">
              <label htmlFor={ids.mem}>
                Memory (MB)
                <input
                  id={ids.mem}
                  type="number"
                  min={16}
                  value={memoryMb}
                  onChange={(e) => setMemoryMb(e.target.value)}
                />
              </label>
              <label htmlFor={ids.cpu}>
                CPU share (cores)
                <input
                  id={ids.cpu}
                  type="number"
                  min={0.05}
                  step="any"
                  value={cpuShare}
                  onChange={(e) => setCpuShare(e.target.value)}
                />
              </label>
              <label htmlFor={ids.pids}>
                Processes
                <input
                  id={ids.pids}
                  type="number"
                  min={1}
                  value={pids}
                  onChange={(e) => setPids(e.target.value)}
                />
              </label>
              <label htmlFor={ids.wall}>
                Wall time (s)
                <input
                  id={ids.wall}
                  type="number"
                  min={1}
                  value={wallTimeSec}
                  onChange={(e) => setWallTimeSec(e.target.value)}
                />
              </label>
            </div>
            <div className="row">
              <button type="submit" disabled={busy}>
                {busy ? 'Starting…' : 'Start under this policy'}
              </button>
            </div>
            <details className="cli-hint" open>
              <summary>From a terminal instead</summary>
              <ul className="plain">
                {runnable.map((v) => (
                  <li key={v.reference}>
                    <code>mcphub pull {v.reference}</code> · <code>mcphub run {v.reference}</code>
                  </li>
                ))}
              </ul>
            </details>
            {busy && <Loading what="the package: pulling, verifying, starting the sandbox" />}
            {denied && <DecisionView decision={denied} />}
            {error && <ErrorBox error={error} />}
          </form>
        );
      }}
    </Async>
  );
}

function StopButton({ run, onStopped }: { run: RunView; onStopped: () => void }) {
  const [asking, setAsking] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (asking && d && !d.open) d.showModal();
  }, [asking]);
  const stop = async () => {
    try {
      await api(`/api/v1/runs/${run.id}`, { method: 'DELETE' });
      setAsking(false);
      onStopped();
    } catch (err) {
      setError(err as Error);
    }
  };
  if (!useContext(SessionContext).can.run) return null;
  return (
    <>
      <button type="button" className="danger" onClick={() => setAsking(true)}>
        Stop
      </button>
      {asking && (
        <dialog
          ref={ref}
          className="confirm"
          aria-labelledby="stop-title"
          onCancel={(e) => {
            e.preventDefault();
            setAsking(false);
          }}
        >
          <h3 id="stop-title">
            Stop {run.name}@{run.version}?
          </h3>
          <p>The server gets SIGTERM, then SIGKILL after 2 s; its sandbox is removed.</p>
          {error && <ErrorBox error={error} />}
          <div className="row">
            <button type="button" onClick={() => setAsking(false)}>
              Cancel
            </button>
            <button type="button" className="danger" onClick={stop}>
              Stop the server
            </button>
          </div>
        </dialog>
      )}
    </>
  );
}

function LogPane({ runId }: { runId: string }) {
  const [text, setText] = useState<string | null>(null);
  const [error, setError] = useState<Error | null>(null);
  useEffect(() => {
    setText(null);
    api<{ text: string }>(`/api/v1/runs/${runId}/logs`).then(
      (r) => setText(r.text),
      (e: Error) => setError(e),
    );
  }, [runId]);
  useRunEvents((e) => {
    if (e.type === 'log' && e.id === runId && e.text) setText((t) => ((t ?? '') + e.text).slice(-64 * 1024));
  });
  if (error) return <ErrorBox error={error} />;
  if (text === null) return <Loading what="the log" />;
  if (text === '') return <Empty>The server has written nothing to stderr yet.</Empty>;
  return (
    <pre className="config log" data-testid="log">
      {text}
    </pre>
  );
}

function RunDetail({ run }: { run: RunView }) {
  const [tab, setTab] = useState<'tools' | 'log' | 'terminal'>('tools');
  const running = run.state !== 'exited';
  return (
    <section className="card run-detail" aria-labelledby="run-detail-title">
      <h2 id="run-detail-title">
        {run.name}@{run.version} <span className={`badge run-${run.state}`}>{run.state}</span>
      </h2>
      <p className="muted">
        {shortDigest(run.digest)} · started {when(run.startedAt)} by {run.startedBy} · tools guard:{' '}
        {run.tools.guard}
        {run.exit &&
          ` · exited (${run.exit.reason}, code ${run.exit.code ?? '–'}) after ${Math.round(run.exit.durationMs / 1000)} s`}
      </p>
      {running && (
        <div className="row">
          <StopButton run={run} onStopped={() => {}} />
        </div>
      )}
      <div className="columns">
        <div>
          <h3>Policy decision</h3>
          <DecisionView decision={run.decision} />
          <p className="muted">
            Limits:{' '}
            {Object.entries(run.policy.limits)
              .map(([k, v]) => `${k} ${v}`)
              .join(', ') || 'defaults'}{' '}
            · network {run.policy.network.mode}
          </p>
        </div>
        <div>
          <h3>Isolation achieved</h3>
          <IsolationView iso={run.isolation} />
        </div>
      </div>
      <div role="tablist" aria-label="Run panes" className="pane-tabs">
        {(['tools', 'log', 'terminal'] as const).map((t) => (
          <button
            key={t}
            type="button"
            role="tab"
            aria-selected={tab === t}
            onClick={() => setTab(t)}
            disabled={!running && t !== 'log'}
          >
            {t === 'tools' ? 'Tool explorer' : t === 'log' ? 'Stderr log' : 'Terminal'}
          </button>
        ))}
      </div>
      <div role="tabpanel" aria-label={tab}>
        {tab === 'tools' && running && <ToolExplorer runId={run.id} />}
        {tab === 'log' && <LogPane runId={run.id} />}
        {tab === 'terminal' && running && (
          <Suspense fallback={<Loading what="the terminal" />}>
            <TerminalPane runId={run.id} />
          </Suspense>
        )}
        {!running && tab !== 'log' && <Empty>The server has exited.</Empty>}
      </div>
    </section>
  );
}

export function Run() {
  const session = useContext(SessionContext);
  const runs = useRuns();
  const [selected, setSelected] = useState<string | null>(null);
  const current = runs.runs?.find((r) => r.id === selected) ?? null;
  return (
    <section aria-labelledby="run-title">
      <h1 id="run-title">Run</h1>
      <div className="card">
        <h2>Start a server</h2>
        {session.can.run ? (
          <StartForm
            onStarted={(r) => {
              setSelected(r.id);
              runs.reload();
            }}
          />
        ) : (
          <p className="state warn" role="note" data-testid="run-not-allowed">
            Signed in as {session.name}, whose token lacks the <code>hub:run</code> scope: you can watch
            running servers but not start, stop or drive them.
          </p>
        )}
      </div>
      <div className="card">
        <h2>Servers</h2>
        {runs.error && !runs.runs ? (
          <ErrorBox error={runs.error} retry={runs.reload} />
        ) : !runs.runs ? (
          <Loading what="running servers" />
        ) : runs.runs.length === 0 ? (
          <Empty>No server is running. Start one above.</Empty>
        ) : (
          <RunsTable runs={runs.runs} selected={selected} onSelect={setSelected} />
        )}
      </div>
      {current && <RunDetail key={current.id} run={current} />}
    </section>
  );
}
