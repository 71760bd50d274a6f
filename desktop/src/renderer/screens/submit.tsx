import { type DragEvent, type FormEvent, useState } from 'react';
import { ApiError, api, useLive } from '../api.js';
import { LevelBadge, StateBadge } from '../components/badges.js';
import { Async, ErrorBox } from '../components/states.js';
import { Timeline } from '../components/timeline.js';
import { desktop } from '../desktop-bridge.js';
import { href } from '../router.js';
import { useSession } from '../session.js';
import { filesOfEntry, type SourceFile, stripTopFolder, tarGz } from '../tar.js';
import { type Job, TERMINAL } from '../types.js';

type Source = { kind: 'archive'; label: string; blob: Blob } | null;

export function Submit() {
  const session = useSession();
  const pushOrgs = session.can.push;
  const [mode, setMode] = useState<'upload' | 'git'>('upload');
  const [name, setName] = useState(`${pushOrgs[0] ?? 'local'}/`);
  const [version, setVersion] = useState('1.0.0');
  const [source, setSource] = useState<Source>(null);
  const [gitUrl, setGitUrl] = useState('');
  const [gitRef, setGitRef] = useState('main');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  const [jobId, setJobId] = useState<string | null>(null);
  const [dragging, setDragging] = useState(false);

  const takeFiles = async (files: SourceFile[], label: string) => {
    if (files.length === 0) throw new Error('The folder is empty');
    setSource({
      kind: 'archive',
      label: `${label} (${files.length} files, packed as .tar.gz)`,
      blob: await tarGz(stripTopFolder(files)),
    });
  };

  const onDrop = async (e: DragEvent) => {
    e.preventDefault();
    setDragging(false);
    setError(null);
    try {
      const item = e.dataTransfer.items[0];
      const entry = item?.webkitGetAsEntry?.();
      if (entry?.isDirectory) return await takeFiles(await filesOfEntry(entry), entry.name);
      const file = e.dataTransfer.files[0];
      if (file) pickArchive(file);
    } catch (err) {
      setError(err as Error);
    }
  };

  const pickArchive = (file: File) => {
    if (!/\.(tar\.gz|tgz)$/i.test(file.name)) {
      setError(new Error(`${file.name} is not a .tar.gz or .tgz archive; drop a folder or an archive`));
      return;
    }
    setSource({ kind: 'archive', label: `${file.name} (${file.size} bytes)`, blob: file });
  };

  const pickFolderInput = async (list: FileList | null) => {
    if (!list || list.length === 0) return;
    const files = await Promise.all(
      [...list].map(async (f) => ({
        path: f.webkitRelativePath || f.name,
        data: new Uint8Array(await f.arrayBuffer()),
      })),
    );
    await takeFiles(files, list[0]!.webkitRelativePath.split('/')[0] ?? 'folder');
  };

  const pickNativeFolder = async () => {
    const res = await desktop!.invoke('dialog:pickSourceFolder', undefined);
    if (!res.ok) return setError(new Error(res.error.message));
    if (res.value)
      setSource({
        kind: 'archive',
        label: `${res.value.path} (packed by the desktop app)`,
        blob: new Blob([res.value.tarGz as BlobPart]),
      });
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setJobId(null);
    setBusy(true);
    try {
      let job: Job;
      if (mode === 'git') {
        job = await api<Job>('/api/v1/servers', {
          method: 'POST',
          json: { name, version, git: { url: gitUrl, ref: gitRef } },
        });
      } else {
        if (!source) throw new ApiError('NO_SOURCE', 'Drop a folder or a .tar.gz first', 0);
        const form = new FormData();
        form.append('name', name);
        form.append('version', version);
        form.append('source', source.blob, 'source.tar.gz');
        job = await api<Job>('/api/v1/servers', { method: 'POST', body: form });
      }
      setJobId(job.id);
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="submit-title">
      <h1 id="submit-title">Submit a server</h1>
      {pushOrgs.length === 0 ? (
        <p className="state empty" role="note" data-testid="submit-not-allowed">
          {session.name} may not submit servers: that needs a token with the hub:push scope and the member
          role (or higher) in an organization. The hub refuses submissions from this session.
        </p>
      ) : (
        <p className="muted">You may submit to: {pushOrgs.join(', ')}.</p>
      )}
      <form className="card form" onSubmit={submit} aria-label="Submit a server">
        <div className="row">
          <label>
            Name <small>(organization/name)</small>
            <input
              name="name"
              value={name}
              onChange={(e) => setName(e.target.value)}
              required
              pattern="[a-z0-9][a-z0-9._-]*/[a-z0-9][a-z0-9._-]*"
            />
          </label>
          <label>
            Version
            <input name="version" value={version} onChange={(e) => setVersion(e.target.value)} required />
          </label>
        </div>
        <fieldset className="tabs">
          <legend>Source</legend>
          <label>
            <input type="radio" name="mode" checked={mode === 'upload'} onChange={() => setMode('upload')} />{' '}
            Folder or archive
          </label>
          <label>
            <input type="radio" name="mode" checked={mode === 'git'} onChange={() => setMode('git')} /> Git
            URL
          </label>
        </fieldset>
        {mode === 'upload' ? (
          // biome-ignore lint/a11y/noStaticElementInteractions: a drop target; the file inputs inside are its keyboard path
          <div
            className={`dropzone${dragging ? ' dragging' : ''}`}
            onDragOver={(e) => {
              e.preventDefault();
              setDragging(true);
            }}
            onDragLeave={() => setDragging(false)}
            onDrop={onDrop}
            data-testid="dropzone"
          >
            <p>Drag and drop a server folder or a .tar.gz here, or choose:</p>
            <div className="row">
              <label className="file">
                Archive (.tar.gz)
                <input
                  type="file"
                  name="archive"
                  accept=".tgz,.tar.gz,application/gzip"
                  onChange={(e) => e.target.files?.[0] && pickArchive(e.target.files[0])}
                />
              </label>
              <label className="file">
                Folder
                <input
                  type="file"
                  name="folder"
                  ref={(el) => el?.setAttribute('webkitdirectory', '')}
                  onChange={(e) => pickFolderInput(e.target.files).catch(setError)}
                />
              </label>
              {desktop && (
                <button type="button" onClick={pickNativeFolder}>
                  Choose folder…
                </button>
              )}
            </div>
            <p className="chosen" aria-live="polite">
              {source ? `Selected: ${source.label}` : 'Nothing selected yet.'}
            </p>
          </div>
        ) : (
          <div className="row">
            <label>
              Git URL
              <input
                name="git-url"
                type="url"
                value={gitUrl}
                onChange={(e) => setGitUrl(e.target.value)}
                placeholder="https://github.com/org/server.git"
                required
              />
            </label>
            <label>
              Ref
              <input name="git-ref" value={gitRef} onChange={(e) => setGitRef(e.target.value)} />
            </label>
          </div>
        )}
        <button type="submit" disabled={busy || pushOrgs.length === 0}>
          {busy ? 'Submitting…' : 'Submit for certification'}
        </button>
        {error && <ErrorBox error={error} />}
      </form>
      {jobId && <LiveJob id={jobId} />}
    </section>
  );
}

function LiveJob({ id }: { id: string }) {
  const job = useLive<Job>(`/api/v1/jobs/${id}`, (t) => t.jobId === id);
  return (
    <div className="card" aria-live="polite">
      <Async res={job} what="the job">
        {(j) => (
          <>
            <h2>
              {j.name}@{j.version} <StateBadge state={j.state} waiting={Boolean(j.waiting)} />{' '}
              {j.level !== null && <LevelBadge level={j.level} />}
            </h2>
            <Timeline state={j.state} history={j.history ?? []} />
            {j.error && <ErrorBox error={new ApiError(j.error.code, j.error.message, 0)} />}
            {TERMINAL.includes(j.state) && (
              <p>
                <a href={href('jobs', j.id)}>Open the results{j.score ? ` (score ${j.score.global})` : ''}</a>
              </p>
            )}
          </>
        )}
      </Async>
    </div>
  );
}
