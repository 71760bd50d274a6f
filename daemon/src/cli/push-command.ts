import { existsSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { HubError } from '../errors.js';
import { type HubTarget, hubFetch } from './hub-client.js';

interface JobView {
  id: string;
  name: string;
  version: string;
  state: string;
  score: { global: number; security: number; supplyChain: number; maturity: number } | null;
  level: number | null;
  certification: { levelName: string; blockedBy: string[] } | null;
  reference: string | null;
  error: { code: string; message: string } | null;
  /** Set while the dispatch waits in the outbox because the broker (remote) is unreachable. */
  waiting?: { attempts: number; lastError: string | null; nextAttemptAt: string } | null;
}

const waitingNote = (job: JobView) =>
  job.waiting
    ? ` — waiting for the remote (attempt ${job.waiting.attempts}, next at ${job.waiting.nextAttemptAt}: ${job.waiting.lastError ?? ''})`
    : '';

const TERMINAL = new Set(['PUBLISHED', 'FAILED', 'REJECTED']);
const STATES = ['QUEUED', 'DISPATCHED', 'ANALYZING', 'ANALYZED', 'SCORED', 'CERTIFIED', 'PUBLISHED'];
const isGitUrl = (s: string) =>
  /^(https?|ssh|git|file):\/\//.test(s) || /^[\w.-]+@[\w.-]+:/.test(s) || s.endsWith('.git');

/** `mcphub push`: a folder (packed here), a tarball, or a git URL; `--wait` follows the job to its end. */
export async function push(
  hub: HubTarget,
  source: string,
  opts: { name: string; version: string; ref?: string; wait?: boolean; mode?: string },
  io: { out: (s: string) => void; progress: (s: string) => void },
): Promise<number> {
  let job: JobView;
  const options = JSON.stringify(opts.mode ? { mode: opts.mode } : {});
  if (isGitUrl(source) && !existsSync(source)) {
    job = await hubFetch<JobView>(hub, '/api/v1/servers', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        name: opts.name,
        version: opts.version,
        git: { url: source, ref: opts.ref ?? 'HEAD' },
        options: JSON.parse(options),
      }),
    });
  } else {
    const path = resolve(source);
    if (!existsSync(path)) throw new HubError('HUB_ERR_USAGE', `No such file or folder: ${source}`);
    let bytes: Buffer;
    if (statSync(path).isDirectory()) {
      const { packDirectory } = await import('../ingest/pack-directory.js');
      bytes = (await packDirectory(path)).bytes;
    } else {
      bytes = readFileSync(path);
    }
    const form = new FormData();
    // Fields first: the hub authorizes the organization before it reads the file.
    form.append('name', opts.name);
    form.append('version', opts.version);
    form.append('options', options);
    form.append('source', new Blob([new Uint8Array(bytes)], { type: 'application/gzip' }), 'source.tar.gz');
    job = await hubFetch<JobView>(hub, '/api/v1/servers', { method: 'POST', body: form });
  }
  io.progress(`submitted ${job.name}@${job.version} as job ${job.id} (${job.state})${waitingNote(job)}`);
  if (!opts.wait) {
    io.out(JSON.stringify({ jobId: job.id, state: job.state, waiting: Boolean(job.waiting) }));
    return 0;
  }
  let last = '';
  while (!TERMINAL.has(job.state)) {
    await new Promise((r) => setTimeout(r, 300));
    job = await hubFetch<JobView>(hub, `/api/v1/jobs/${job.id}`);
    const now = `${job.state}${job.waiting ? ' (waiting for the remote)' : ''}`;
    if (now !== last) {
      const step = STATES.indexOf(job.state);
      const bar = STATES.map((_, i) => (i <= step ? '█' : '░')).join('');
      io.progress(`[${bar}] ${job.state}${waitingNote(job)}`);
      last = now;
    }
  }
  if (job.state !== 'PUBLISHED') {
    io.out(JSON.stringify({ jobId: job.id, state: job.state, error: job.error }));
    io.progress(`${job.state}: ${job.error?.code ?? ''} ${job.error?.message ?? ''}`);
    return 1;
  }
  const s = job.score!;
  io.progress(
    `score ${s.global} (security ${s.security}, supply chain ${s.supplyChain}, maturity ${s.maturity}) · level ${job.level} ${job.certification?.levelName ?? ''}`,
  );
  if (job.certification?.blockedBy.length)
    io.progress(`next level blocked by: ${job.certification.blockedBy.join('; ')}`);
  io.out(
    JSON.stringify({
      jobId: job.id,
      state: job.state,
      score: s.global,
      level: job.level,
      reference: job.reference,
    }),
  );
  return 0;
}
