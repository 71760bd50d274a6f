import { createWriteStream, promises as fsp, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { isStrictVersion, type ObjectStore, parsePackageName } from '@mcphub/registry';
import { ArchiveError, safeExtractTarGz } from '@mcphub/sandbox';
import { HubError, isHubError } from '../errors.js';
import type { Job, JobStore } from '../jobs/job-store.js';
import type { QuotaGate } from '../orgs/usage.js';
import { SOURCES_BUCKET, sourceKeyOf } from '../pipeline/messages.js';
import { fetchGitSource } from './git-source.js';
import { packDirectory } from './pack-directory.js';

export interface SubmissionLimits {
  maxSourceBytes: number;
}

export interface SubmitCommon {
  name: string;
  version: string;
  createdBy: string;
  options?: {
    mode?: 'fast' | 'deep';
    runtime?: { type: 'node' | 'python' | 'go' | 'binary'; entrypoint: string; args?: string[] };
  };
}

export interface SubmitResult {
  job: Job;
  /** False when the same name@version with the same source was already submitted (idempotent). */
  created: boolean;
}

/** Called once a job is stored, to hand it to the pipeline. */
export type Dispatch = (job: Job) => Promise<void>;

function parseTarget(name: string, version: string) {
  let parsed: { org: string; name: string };
  try {
    parsed = parsePackageName(name);
  } catch (err) {
    throw new HubError('HUB_ERR_VALIDATION', (err as Error).message);
  }
  if (!isStrictVersion(version))
    throw new HubError('HUB_ERR_VALIDATION', `Version must be strict semver: ${JSON.stringify(version)}`);
  return parsed;
}

/** npm pack and GitHub archives wrap everything in one folder: scan and pack what is inside it. */
async function unwrapSingleFolder(dir: string): Promise<string> {
  const entries = await fsp.readdir(dir, { withFileTypes: true });
  return entries.length === 1 && entries[0]!.isDirectory() ? join(dir, entries[0]!.name) : dir;
}

/**
 * Ingest: every source (upload, git, webhook) becomes a deterministic tar.gz in the `sources`
 * bucket, keyed by its SHA-256, and a QUEUED job. A refused source leaves no job and no object.
 */
export class Submissions {
  constructor(
    private readonly deps: {
      jobs: JobStore;
      store: ObjectStore;
      dispatch: Dispatch;
      limits: SubmissionLimits;
      /** Plan quotas of the target organization: checked before anything is stored, recorded after the job exists. */
      quota?: QuotaGate;
    },
  ) {}

  /** A tar.gz from an upload; it is unpacked as hostile input and packed again deterministically. */
  async submitArchive(
    archive: Readable | Buffer,
    input: SubmitCommon & { sourceKind?: 'upload' | 'directory' },
  ): Promise<SubmitResult> {
    const target = parseTarget(input.name, input.version);
    const work = mkdtempSync(join(tmpdir(), 'mcphub-ingest-'));
    try {
      const file = join(work, 'upload.tar.gz');
      await this.saveLimited(Buffer.isBuffer(archive) ? Readable.from([archive]) : archive, file);
      const dir = join(work, 'src');
      try {
        await safeExtractTarGz(file, dir, { maxTotalBytes: this.deps.limits.maxSourceBytes * 8 });
      } catch (err) {
        if (err instanceof ArchiveError)
          throw new HubError('HUB_ERR_SOURCE_INVALID', `${err.code}: ${err.message}`, {
            archiveCode: err.code,
          });
        throw err;
      }
      return await this.submitTree(
        await unwrapSingleFolder(dir),
        target,
        input,
        input.sourceKind ?? 'upload',
      );
    } finally {
      await fsp.rm(work, { recursive: true, force: true });
    }
  }

  async submitGit(
    git: { url: string; ref: string },
    input: SubmitCommon & { sourceKind?: 'git' | 'webhook' },
  ): Promise<SubmitResult> {
    const target = parseTarget(input.name, input.version);
    const work = mkdtempSync(join(tmpdir(), 'mcphub-git-'));
    try {
      const dir = join(work, 'src');
      const { commit } = await fetchGitSource(git.url, git.ref, dir);
      return await this.submitTree(dir, target, input, input.sourceKind ?? 'git', { url: git.url, commit });
    } finally {
      await fsp.rm(work, { recursive: true, force: true });
    }
  }

  private async saveLimited(source: Readable, file: string): Promise<void> {
    const max = this.deps.limits.maxSourceBytes;
    let seen = 0;
    const limit = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        seen += chunk.length;
        cb(
          seen > max ? new HubError('HUB_ERR_SOURCE_TOO_LARGE', `The source is over ${max} bytes`) : null,
          chunk,
        );
      },
    });
    await pipeline(source, limit, createWriteStream(file, { mode: 0o600 }));
  }

  private async submitTree(
    dir: string,
    target: { org: string; name: string },
    input: SubmitCommon,
    sourceKind: 'upload' | 'git' | 'directory' | 'webhook',
    git?: { url: string; commit: string },
  ): Promise<SubmitResult> {
    const packed = await packDirectory(dir);
    if (packed.bytes.length > this.deps.limits.maxSourceBytes) {
      throw new HubError(
        'HUB_ERR_SOURCE_TOO_LARGE',
        `The packed source is over ${this.deps.limits.maxSourceBytes} bytes`,
      );
    }
    const previous = (await this.deps.jobs.list({ org: target.org, name: target.name, limit: 1000 })).filter(
      (j) => j.version === input.version && j.state !== 'FAILED' && j.state !== 'REJECTED',
    );
    const same = previous.find((j) => j.source_digest === packed.digest);
    if (same) return { job: same, created: false };
    if (previous.length > 0) {
      throw new HubError(
        'HUB_ERR_VERSION_EXISTS',
        `${target.org}/${target.name}@${input.version} was submitted with ${previous[0]!.source_digest}`,
      );
    }
    // A refused submission leaves nothing behind: no object, no job, no usage row.
    const held = await this.deps.quota?.reserve(target.org, { scan: 1, bytes_stored: packed.bytes.length });
    const key = sourceKeyOf(packed.digest);
    let job: Job;
    try {
      if (!(await this.deps.store.head(SOURCES_BUCKET, key)))
        await this.deps.store.put(SOURCES_BUCKET, key, packed.bytes);
      job = await this.deps.jobs.create({
        org: target.org,
        name: target.name,
        version: input.version,
        sourceKind,
        sourceKey: key,
        sourceDigest: packed.digest,
        sourceBytes: packed.bytes.length,
        ...(git ? { git } : {}),
        options: input.options ?? {},
        createdBy: input.createdBy,
      });
    } catch (err) {
      await held?.release();
      // Another replica created this version's job between our check and our insert: the same
      // source is that job, another source is the usual conflict.
      if (isHubError(err) && err.code === 'HUB_ERR_VERSION_EXISTS') {
        const live = (await this.deps.jobs.list({ org: target.org, name: target.name, limit: 1000 })).find(
          (j) => j.version === input.version && j.source_digest === packed.digest,
        );
        if (live) return { job: live, created: false };
      }
      throw err;
    }
    await held?.attach(job.id);
    await this.deps.dispatch(job);
    return { job: (await this.deps.jobs.get(job.id)) ?? job, created: true };
  }
}
