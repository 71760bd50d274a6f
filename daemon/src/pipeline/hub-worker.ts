import { randomUUID } from 'node:crypto';
import {
  buildStatement,
  type CertificationPredicate,
  DSSE_MEDIA_TYPE,
  type ObjectStore,
  RegistryClient,
  RegistryClientError,
  sha256Digest,
  signStatement,
} from '@mcphub/registry';
import { SCANNER_VERSION, type ScanReport } from '@mcphub/scanner';
import { evaluateControls } from '../certify/controls.js';
import { decideLevel, type RuntimeCheckResult } from '../certify/levels.js';
import { SCORING_VERSION, type ScoreBreakdown, scoreReport } from '../certify/score.js';
import { HubError } from '../errors.js';
import type { Job, JobStore } from '../jobs/job-store.js';
import type { SigningKey } from '../keys/signing-key.js';
import type { Logger } from '../logger.js';
import { readObjectBytes } from '../object-bytes.js';
import type { Consumer, Delivery, JobQueue } from '../queue/job-queue.js';
import { issueRegistryToken } from '../tokens/token-service.js';
import {
  ANALYZE_COMPLETE_QUEUE,
  ANALYZE_QUEUE,
  type AnalyzeCompleteMessage,
  type AnalyzeMessage,
  RESULTS_BUCKET,
  resultKeyOf,
  SOURCES_BUCKET,
} from './messages.js';
import type { PackageInfo } from './package-info.js';

export const SNAPSHOT_MEDIA_TYPE = 'application/vnd.mcphub.snapshot.v1+json';
export const BUNDLE_MEDIA_TYPE = 'application/vnd.mcphub.bundle.v1.tar+gzip';
const ACTOR = 'hub-worker';
/** How long a job lease lasts without renewal (renewed every third of it while the step runs). */
const LEASE_MS = 10_000;
const didMove = (job: Job | null) => job !== null;

/** Runs the sandboxed runtime check for level 3 (provided by the execution plane when available). */
export type RuntimeChecker = (
  job: Job,
  bundle: Buffer,
  info: PackageInfo,
) => Promise<RuntimeCheckResult & { toolsDigest?: string }>;

export interface HubWorkerDeps {
  jobs: JobStore;
  queue: JobQueue;
  store: ObjectStore;
  signingKey: SigningKey;
  registryUrl: string;
  logger: Logger;
  runtimeCheck?: RuntimeChecker;
}

export interface Certification {
  level: number;
  levelName: string;
  blockedBy: string[];
  controls: ReturnType<typeof evaluateControls>;
  runtimeCheck: (RuntimeCheckResult & { toolsDigest?: string }) | null;
  snapshot: { key: string; digest: string; size: number };
  attestation: { key: string; digest: string; size: number };
}

/**
 * The hub worker of the seed: dispatches ANALYZE, consumes ANALYZE_COMPLETE, then scores,
 * certifies and publishes. Each step starts from the job's recorded state and moves it with a
 * guarded transition, so a redelivered message or a restart resumes where the job stopped and
 * never scores, signs or publishes twice.
 */
export class HubWorker {
  private consumer: Consumer | null = null;
  private stopped = false;

  constructor(private readonly deps: HubWorkerDeps) {}

  async start(): Promise<void> {
    this.consumer = await this.deps.queue.consume<AnalyzeCompleteMessage>(
      ANALYZE_COMPLETE_QUEUE,
      (d) => this.onComplete(d),
      {
        prefetch: 4,
      },
    );
    await this.recover();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.consumer?.cancel();
  }

  /** Publishes ANALYZE for a queued job; the message id makes a repeated dispatch harmless. */
  async dispatch(job: Job): Promise<void> {
    const options = JSON.parse(job.options) as { mode?: 'fast' | 'deep' };
    await this.deps.queue.publish<AnalyzeMessage>(
      ANALYZE_QUEUE,
      {
        schemaVersion: 1,
        jobId: job.id,
        sourceKey: job.source_key,
        sourceDigest: job.source_digest,
        options: { mode: options.mode ?? 'deep' },
      },
      { messageId: `analyze:${job.id}` },
    );
    await this.deps.jobs.transition(job.id, ['QUEUED'], 'DISPATCHED', ACTOR, 'ANALYZE published');
  }

  /** After a restart: dispatch what was queued, finish what was between analysis and publication. */
  async recover(): Promise<void> {
    // Oldest first, so jobs that waited for the broker go out in the order they were accepted.
    const queued = await this.deps.jobs.list({ state: 'QUEUED', limit: 10_000 });
    for (const job of queued.reverse()) await this.dispatch(job);
    for (const state of ['ANALYZED', 'SCORED', 'CERTIFIED'] as const) {
      for (const job of await this.deps.jobs.list({ state, limit: 10_000 })) {
        await this.resume(job.id);
      }
    }
  }

  /**
   * Advances a job found mid-pipeline. A lease still held (another replica at work, or left by a
   * process that died) is looked at again once it would have expired.
   */
  private async resume(jobId: string, tries = 3): Promise<void> {
    await this.advance(jobId).catch((err: unknown) => {
      if (err instanceof HubError && err.code === 'HUB_ERR_JOB_BUSY') {
        if (tries > 1 && !this.stopped) {
          setTimeout(() => {
            if (!this.stopped) void this.resume(jobId, tries - 1);
          }, LEASE_MS + 500).unref();
        }
        return;
      }
      this.deps.logger.error({ err, jobId }, 'resume failed');
    });
  }

  /**
   * `dispatch` publishes ANALYZE before it records DISPATCHED: a very fast scan can answer first.
   * Such an answer must not be dropped (the job would wait forever): it is retried a moment later.
   */
  private async notBeforeDispatch(jobId: string, moved: Job | null): Promise<void> {
    if (moved) return;
    if ((await this.deps.jobs.get(jobId))?.state === 'QUEUED') {
      throw new HubError('HUB_ERR_JOB_BUSY', `job ${jobId} answered before its dispatch was recorded`);
    }
  }

  private async onComplete(d: Delivery<AnalyzeCompleteMessage>): Promise<void> {
    const m = d.body;
    const { jobs } = this.deps;
    switch (m.status) {
      case 'started':
        await jobs.transition(m.jobId, ['DISPATCHED'], 'ANALYZING', 'scan-worker', 'scan started');
        return;
      case 'rejected': {
        const moved = await jobs.transition(
          m.jobId,
          ['DISPATCHED', 'ANALYZING'],
          'REJECTED',
          'scan-worker',
          m.error?.message ?? 'source refused',
          {
            error_code: m.error?.code ?? 'HUB_ERR_SOURCE_INVALID',
            error_message: m.error?.message ?? null,
          },
        );
        await this.notBeforeDispatch(m.jobId, moved);
        return;
      }
      case 'failed': {
        const moved = await jobs.transition(
          m.jobId,
          ['DISPATCHED', 'ANALYZING'],
          'FAILED',
          'scan-worker',
          m.error?.message ?? 'scan failed',
          {
            error_code: m.error?.code ?? 'HUB_ERR_SCAN_FAILED',
            error_message: m.error?.message ?? null,
          },
        );
        await this.notBeforeDispatch(m.jobId, moved);
        return;
      }
      case 'succeeded': {
        if (!m.resultKey || !m.resultDigest)
          throw new HubError('HUB_ERR_RESULT_INVALID', 'completion without a result');
        const moved = await jobs.transition(
          m.jobId,
          ['DISPATCHED', 'ANALYZING'],
          'ANALYZED',
          'scan-worker',
          'report stored',
          {
            result_key: m.resultKey,
            result_digest: m.resultDigest,
          },
        );
        await this.notBeforeDispatch(m.jobId, moved);
        await this.advance(m.jobId);
        return;
      }
    }
  }

  /**
   * Moves a job forward from ANALYZED as far as it can go, holding the job's lease so no other
   * replica (or a second delivery of the same message) scores, certifies or publishes it at the
   * same time. Throws on transient failures (the message is retried) and with HUB_ERR_JOB_BUSY when
   * another holder is at work (the retry then finds the job moved on and does nothing).
   */
  async advance(jobId: string): Promise<void> {
    const first = await this.deps.jobs.get(jobId);
    if (!first || !['ANALYZED', 'SCORED', 'CERTIFIED'].includes(first.state)) return;
    const owner = `${ACTOR}:${randomUUID()}`;
    if (!(await this.deps.jobs.claim(jobId, owner, LEASE_MS))) {
      throw new HubError('HUB_ERR_JOB_BUSY', `job ${jobId} is being advanced by another worker`);
    }
    let lost = false;
    const renew = setInterval(() => {
      this.deps.jobs.claim(jobId, owner, LEASE_MS).then(
        (held) => {
          if (!held) lost = true;
        },
        () => undefined,
      );
    }, LEASE_MS / 3);
    renew.unref();
    try {
      for (;;) {
        const job = await this.deps.jobs.get(jobId);
        if (!job || lost) return;
        // Each step ends in a compare-and-set transition; a step that loses it stops here.
        let moved: boolean;
        if (job.state === 'ANALYZED') moved = await this.score(job);
        else if (job.state === 'SCORED') moved = await this.certify(job);
        else if (job.state === 'CERTIFIED') moved = await this.publish(job);
        else return;
        if (!moved) return;
      }
    } finally {
      clearInterval(renew);
      await this.deps.jobs.release(jobId, owner).catch(() => undefined);
    }
  }

  private async loadReport(job: Job): Promise<ScanReport> {
    const bytes = await readObjectBytes(this.deps.store, RESULTS_BUCKET, job.result_key!);
    if (sha256Digest(bytes) !== job.result_digest) {
      await this.fail(
        job,
        'HUB_ERR_RESULT_INVALID',
        `report ${job.result_key} does not match ${job.result_digest}`,
      );
      throw new HubError('HUB_ERR_RESULT_INVALID');
    }
    return JSON.parse(bytes.toString('utf8')) as ScanReport;
  }

  private async loadPackageInfo(job: Job): Promise<PackageInfo> {
    const options = JSON.parse(job.options) as { runtime?: PackageInfo['runtime'] };
    let info: PackageInfo = { runtime: { type: 'node', entrypoint: 'index.js' } };
    try {
      info = JSON.parse(
        (
          await readObjectBytes(this.deps.store, RESULTS_BUCKET, resultKeyOf(job.id, 'package-info.json'))
        ).toString(),
      );
    } catch {
      // Older workers wrote no sidecar: keep the default runtime.
    }
    return options.runtime ? { ...info, runtime: options.runtime } : info;
  }

  private async fail(job: Job, code: string, message: string): Promise<void> {
    await this.deps.jobs.transition(job.id, [job.state], 'FAILED', ACTOR, message, {
      error_code: code,
      error_message: message,
    });
  }

  private async score(job: Job): Promise<boolean> {
    const report = await this.loadReport(job);
    const score = scoreReport(report);
    return didMove(
      await this.deps.jobs.transition(job.id, ['ANALYZED'], 'SCORED', ACTOR, `score ${score.global}`, {
        score: JSON.stringify(score),
      }),
    );
  }

  private async certify(job: Job): Promise<boolean> {
    const { store, signingKey } = this.deps;
    const report = await this.loadReport(job);
    const score = JSON.parse(job.score!) as ScoreBreakdown;
    const controls = evaluateControls(report.findings);
    const info = await this.loadPackageInfo(job);
    let runtime: Certification['runtimeCheck'] = null;
    if (this.deps.runtimeCheck) {
      const bundle = await readObjectBytes(store, SOURCES_BUCKET, job.source_key);
      runtime = await this.deps
        .runtimeCheck(job, bundle, info)
        .catch((err: Error) => ({ passed: false, reason: err.message }));
    }
    const decision = decideLevel(score, report.findings, runtime);
    const name = `${job.org}/${job.name}`;

    // The snapshot holds no timestamps: rebuilt after a crash, it has the same bytes and digest.
    const snapshot = Buffer.from(
      JSON.stringify({
        schemaVersion: 1,
        mediaType: SNAPSHOT_MEDIA_TYPE,
        package: { name, version: job.version },
        source: {
          digest: job.source_digest,
          ...(job.git_url ? { git: { url: job.git_url, commit: job.git_commit } } : {}),
        },
        scanner: report.scanner,
        report: {
          digest: job.result_digest,
          summary: report.summary,
          surface: report.surface,
          findings: report.findings,
        },
        sbom: (report as { sbom?: unknown }).sbom ?? null,
        score,
        controls,
        level: decision,
        runtimeCheck: runtime,
      }),
    );
    const predicate: CertificationPredicate = {
      scanner: {
        name: report.scanner?.name ?? 'mcphub-scanner',
        version: report.scanner?.version ?? SCANNER_VERSION,
      },
      scoringVersion: SCORING_VERSION,
      score: {
        global: score.global,
        security: score.security,
        supplyChain: score.supplyChain,
        maturity: score.maturity,
      },
      level: decision.level,
      levelName: decision.name,
      controls: controls.map((c) => ({ id: c.id, passed: c.passed })),
      toolsDigest: runtime?.toolsDigest ?? null,
      runtimeCheck: runtime
        ? { passed: runtime.passed, ...(runtime.reason ? { reason: runtime.reason } : {}) }
        : null,
      // loadReport has just checked the bytes against this digest; no second read.
      reportDigest: job.result_digest!,
      sbomDigest: null,
      source: {
        digest: job.source_digest,
        ...(job.git_url && job.git_commit ? { git: { url: job.git_url, commit: job.git_commit } } : {}),
      },
      package: { name, version: job.version },
    };
    const envelope = signStatement(
      buildStatement(job.source_digest, predicate),
      signingKey.privateKey,
      signingKey.kid,
    );
    const attestation = Buffer.from(JSON.stringify(envelope));
    const snapshotKey = resultKeyOf(job.id, 'snapshot.json');
    const attestationKey = resultKeyOf(job.id, 'attestation.json');
    await store.put(RESULTS_BUCKET, snapshotKey, snapshot);
    await store.put(RESULTS_BUCKET, attestationKey, attestation);
    const certification: Certification = {
      level: decision.level,
      levelName: decision.name,
      blockedBy: decision.blockedBy,
      controls,
      runtimeCheck: runtime,
      snapshot: { key: snapshotKey, digest: sha256Digest(snapshot), size: snapshot.length },
      attestation: { key: attestationKey, digest: sha256Digest(attestation), size: attestation.length },
    };
    const next = await this.deps.jobs.transition(
      job.id,
      ['SCORED'],
      'CERTIFIED',
      ACTOR,
      `level ${decision.level} ${decision.name}`,
      {
        level: decision.level,
        certification: JSON.stringify(certification),
      },
    );
    return didMove(next);
  }

  private async publish(job: Job): Promise<boolean> {
    const { store, signingKey, registryUrl } = this.deps;
    const cert = JSON.parse(job.certification!) as Certification;
    const score = JSON.parse(job.score!) as ScoreBreakdown;
    const info = await this.loadPackageInfo(job);
    const [bundle, snapshot, attestation] = await Promise.all([
      readObjectBytes(store, SOURCES_BUCKET, job.source_key),
      readObjectBytes(store, RESULTS_BUCKET, cert.snapshot.key),
      readObjectBytes(store, RESULTS_BUCKET, cert.attestation.key),
    ]);
    const name = `${job.org}/${job.name}`;
    const manifest = {
      schemaVersion: 1 as const,
      name,
      version: job.version,
      ...(info.description ? { description: info.description } : {}),
      runtime: info.runtime,
      bundle: { mediaType: BUNDLE_MEDIA_TYPE, digest: job.source_digest, size: bundle.length },
      snapshot: { mediaType: SNAPSHOT_MEDIA_TYPE, digest: cert.snapshot.digest, size: snapshot.length },
      attestation: { mediaType: DSSE_MEDIA_TYPE, digest: cert.attestation.digest, size: attestation.length },
      certification: {
        level: cert.level,
        score: score.global,
        scoringVersion: SCORING_VERSION,
        ...(cert.runtimeCheck?.toolsDigest ? { toolsDigest: cert.runtimeCheck.toolsDigest } : {}),
      },
      source: {
        digest: job.source_digest,
        ...(job.git_url && job.git_commit ? { git: { url: job.git_url, commit: job.git_commit } } : {}),
      },
    };
    // Publish over REST with a short-lived token, even in-process, so a remote registry works the same.
    const { token } = await issueRegistryToken(
      signingKey,
      { sub: 'hub', scope: ['registry:publish'], resource: [name], ttlSeconds: 300 },
      300,
    );
    const client = new RegistryClient({ baseUrl: registryUrl, token });
    try {
      const res = await client.publish({ manifest: manifest as never, bundle, snapshot, attestation });
      const digest = res.digest;
      const next = await this.deps.jobs.transition(
        job.id,
        ['CERTIFIED'],
        'PUBLISHED',
        ACTOR,
        `published ${name}@${job.version}`,
        {
          manifest_digest: digest,
        },
      );
      return didMove(next);
    } catch (err) {
      if (err instanceof RegistryClientError && err.statusCode >= 400 && err.statusCode < 500) {
        await this.fail(
          job,
          err.statusCode === 409 ? 'HUB_ERR_VERSION_EXISTS' : 'HUB_ERR_PUBLISH_FAILED',
          `${err.code}: ${err.message}`,
        );
        return false;
      }
      throw err;
    }
  }
}
