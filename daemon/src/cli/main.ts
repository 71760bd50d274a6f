#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import type { PublishInput } from '@mcphub/registry';
import { Command, CommanderError } from 'commander';
// Heavy modules are imported inside the command that needs them, so `mcphub --help` stays fast.
import { HubError } from '../errors.js';
import { VERSION } from '../version.js';
import { addConfigOptions, configFromOptions } from './config-options.js';

const out = (s: string) => process.stdout.write(`${s}\n`);

function buildProgram(): Command {
  const program = new Command('mcphub')
    .description('MCP Hub: certify MCP servers and run them safely')
    .version(VERSION)
    .enablePositionalOptions()
    .showHelpAfterError()
    .exitOverride();

  addConfigOptions(
    program
      .command('daemon')
      .description('Run the hub (:8080) and the registry (:8081) with embedded defaults'),
  ).action(async (opts: Record<string, unknown>) => {
    const config = configFromOptions(opts);
    // Heavy modules load only for the command that needs them, so `mcphub --help` stays fast.
    const { createLogger } = await import('../logger.js');
    const { startDaemon } = await import('../daemon.js');
    const logger = createLogger(config.log.level);
    const daemon = await startDaemon(config, logger);
    out(`MCP Hub ${VERSION} is running`);
    if (daemon.hubUrl) out(`  Hub:          ${daemon.hubUrl}  (API docs: ${daemon.hubUrl}/docs)`);
    if (daemon.loginUrl) out(`  Web UI:       ${daemon.loginUrl}  (one-time login link)`);
    out(`  Registry:     ${daemon.registryUrl}`);
    out(`  Admin token:  ${daemon.adminTokenFile}  (readable by you only)`);
    out(`  Data:         ${daemon.home}`);
    out('Press Ctrl+C to stop.');
    let signals = 0;
    const stop = (signal: string) => {
      signals += 1;
      if (signals > 1) {
        logger.warn({ signal }, 'second signal: exiting now');
        process.exit(130);
      }
      logger.info({ signal }, 'signal received');
      daemon.close().then(
        () => process.exit(0),
        (err: unknown) => {
          logger.error({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
    };
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGTERM', () => stop('SIGTERM'));
  });

  const token = program.command('token').description('Registry tokens');
  addConfigOptions(
    token
      .command('create')
      .description("Mint a registry token signed with this hub's key (needs read access to MCPHUB_HOME)")
      .requiredOption('--scope <scope...>', 'registry:read, registry:publish and/or registry:admin')
      .requiredOption('--resource <pattern...>', 'package patterns: "*", "acme/*" or "acme/files"')
      .option('--ttl <duration>', 'lifetime, e.g. 15m, 1h, 7d', '1h')
      .option('--sub <name>', 'subject recorded in the token', 'local-admin'),
  ).action(async (opts: Record<string, unknown>) => {
    const config = configFromOptions(opts);
    const { loadOrCreateSigningKey } = await import('../keys/signing-key.js');
    const { issueRegistryToken, parseTtl } = await import('../tokens/token-service.js');
    const key = await loadOrCreateSigningKey(config.home);
    const { token: jwt } = await issueRegistryToken(
      key,
      {
        sub: String(opts.sub),
        scope: opts.scope as string[],
        resource: opts.resource as string[],
        ttlSeconds: parseTtl(String(opts.ttl)),
      },
      config.registry.tokenMaxTtlSeconds,
    );
    out(jwt);
  });

  program
    .command('publish')
    .description('Publish a bundle and its manifest to a registry')
    .argument('<bundle>', 'the bundle (.tar.gz)')
    .requiredOption('--manifest <file>', 'manifest JSON')
    .option('--registry <url>', 'registry URL', process.env.MCPHUB_REGISTRY_URL ?? 'http://127.0.0.1:8081')
    .option('--token <jwt>', 'token with registry:publish (or env MCPHUB_TOKEN)', process.env.MCPHUB_TOKEN)
    .option('--snapshot <file>', 'security snapshot to attach')
    .option('--attestation <file>', 'attestation (DSSE envelope) to attach')
    .action(async (bundle: string, opts: Record<string, string | undefined>) => {
      if (!opts.token) throw new HubError('HUB_ERR_USAGE', 'publish needs --token or MCPHUB_TOKEN');
      let manifest: unknown;
      try {
        manifest = JSON.parse(readFileSync(opts.manifest!, 'utf8'));
      } catch (err) {
        throw new HubError(
          'HUB_ERR_USAGE',
          `Cannot read manifest ${opts.manifest}: ${(err as Error).message}`,
        );
      }
      const { RegistryClient } = await import('@mcphub/registry');
      const client = new RegistryClient({ baseUrl: opts.registry!, token: opts.token });
      const result = await client.publish({
        // The registry validates the manifest; the CLI only carries it.
        manifest: manifest as PublishInput['manifest'],
        bundle: readFileSync(bundle),
        ...(opts.snapshot ? { snapshot: readFileSync(opts.snapshot) } : {}),
        ...(opts.attestation ? { attestation: readFileSync(opts.attestation) } : {}),
      });
      out(JSON.stringify(result, null, 2));
    });

  const ui = program.command('ui').description('The web UI');
  addConfigOptions(
    ui
      .command('login')
      .description(
        "Print a one-time web UI login link for a token's own identity (the session gets exactly its rights)",
      )
      .option(
        '--token-file <file>',
        'file holding your hub API token (default: --token, MCPHUB_HUB_TOKEN, the admin token)',
      )
      .option('--token <token>', 'hub API token')
      .option('--hub <url>', 'hub URL (default: the running daemon)'),
  ).action(async (opts: Record<string, unknown>) => {
    const config = configFromOptions(opts);
    const { resolveHub, hubFetch } = await import('./hub-client.js');
    let token = opts.token as string | undefined;
    if (opts.tokenFile) {
      try {
        token = readFileSync(String(opts.tokenFile), 'utf8').trim();
      } catch (err) {
        throw new HubError(
          'HUB_ERR_USAGE',
          `Cannot read ${String(opts.tokenFile)}: ${(err as Error).message}`,
        );
      }
    }
    const hub = resolveHub(config.home, { ...(opts as { hub?: string }), ...(token ? { token } : {}) });
    const res = await hubFetch<{ path: string; principal: string; expiresAt: string }>(
      hub,
      '/api/v1/ui/login-tokens',
      {
        method: 'POST',
      },
    );
    out(`${hub.url}${res.path}`);
    process.stderr.write(`One-time link for ${res.principal}; valid until ${res.expiresAt}.\n`);
  });

  addConfigOptions(
    program
      .command('push')
      .description('Submit an MCP server (folder, .tar.gz or git URL) for certification')
      .argument('<source>', 'a folder, a .tar.gz, or a git URL')
      .requiredOption('--name <org/name>', 'package name')
      .requiredOption('--version <semver>', 'package version')
      .option('--ref <ref>', 'git branch, tag or commit (git sources)')
      .option('--mode <mode>', 'scan mode: fast or deep')
      .option('--wait', 'follow the job until it is published or fails')
      .option('--hub <url>', 'hub URL (default: the running daemon)')
      .option('--token <token>', 'hub API token (default: the admin token in MCPHUB_HOME)'),
  ).action(async (source: string, opts: Record<string, unknown>) => {
    const config = configFromOptions(opts);
    const { resolveHub } = await import('./hub-client.js');
    const { push } = await import('./push-command.js');
    process.exitCode = await push(
      resolveHub(config.home, opts as { hub?: string; token?: string }),
      source,
      opts as never,
      {
        out,
        progress: (s) => process.stderr.write(`${s}\n`),
      },
    );
  });

  addConfigOptions(
    program
      .command('pull')
      .description('Resolve, download, verify (digest + attestation) and cache a package')
      .argument('<ref>', 'org/name[@version|@range|@sha256:<hex>]'),
  ).action(async (ref: string, opts: Record<string, unknown>) => {
    const { pullCommand } = await import('./pull-commands.js');
    await pullCommand(configFromOptions(opts), ref, out, (s) => process.stderr.write(`${s}\n`));
  });

  const collect = (v: string, prev: string[] = []) => [...prev, v];
  addConfigOptions(
    program
      .command('run')
      .description(
        'Run a certified package in the sandbox with stdio passed through (use as an MCP client command)',
      )
      .argument('<ref>', 'org/name[@version|@range|@sha256:<hex>]')
      .argument('[serverArgs...]', 'arguments for the server, after --')
      .option('--policy <file>', 'policy file (JSON or YAML)')
      .option('--mode <mode>', 'strict (default) or warn')
      .option('--min-level <n>', 'minimum certification level')
      .option('--network <mode>', 'none (default), allowlist or host')
      .option('--allow <host:port>', 'allowlisted destination (repeatable)', collect)
      .option('--mount <host:sandbox[:rw]>', 'bind a host path (repeatable; read-only unless :rw)', collect)
      .option('--env <NAME>', 'pass this host environment variable (repeatable)', collect)
      .option('--memory <MB>', 'memory limit')
      .option('--cpu <share>', 'CPU share (fraction of one core)')
      .option('--pids <n>', 'process limit')
      .option('--open-files <n>', 'open files limit')
      .option('--wall-time <sec>', 'wall-time limit')
      .option('--unsafe-no-sandbox', 'run WITHOUT isolation (logged loudly and audited)'),
  ).action(async (ref: string, serverArgs: string[], opts: Record<string, unknown>) => {
    const { runCommand } = await import('./run-command.js');
    process.exitCode = await runCommand(configFromOptions(opts), ref, opts as never, serverArgs ?? []);
  });

  addConfigOptions(
    program
      .command('advisories')
      .description('Offline vulnerability advisories (OSV format) used by supply-chain findings')
      .argument('<action>', 'import')
      .argument(
        '<source>',
        'a folder of OSV JSON files or a .zip of them (e.g. an osv.dev ecosystem export)',
      ),
  ).action(async (action: string, source: string, opts: Record<string, unknown>) => {
    if (action !== 'import')
      throw new HubError('HUB_ERR_USAGE', `Unknown advisories action ${action}; use import`);
    const config = configFromOptions(opts);
    const { importAdvisories } = await import('@mcphub/scanner');
    const { advisoriesDbPath } = await import('../pipeline/scan-pool.js');
    const { mkdirSync } = await import('node:fs');
    const { dirname } = await import('node:path');
    const db = advisoriesDbPath(config.home);
    mkdirSync(dirname(db), { recursive: true });
    const r = await importAdvisories(source, db);
    out(`imported ${r.imported} advisories (${r.skipped} skipped); ${r.total} in ${db}. New scans use them.`);
  });

  program
    .command('doctor')
    .description('What isolation this machine can give, and why not')
    .option('--deep', 'also start a real sandbox to prove it')
    .option('--json', 'JSON output')
    .action(async (opts: { deep?: boolean; json?: boolean }) => {
      const { doctorCommand } = await import('./run-command.js');
      process.exitCode = await doctorCommand(Boolean(opts.deep), Boolean(opts.json), out);
    });

  addConfigOptions(
    program
      .command('cache')
      .description('The package cache: ls, rm <digest|name|name@version>, prune')
      .argument('<action>', 'ls | rm | prune')
      .argument('[target]'),
  ).action(async (action: string, target: string | undefined, opts: Record<string, unknown>) => {
    const { cacheCommand } = await import('./pull-commands.js');
    await cacheCommand(configFromOptions(opts), action, target, out);
  });

  const client = program
    .command('client')
    .description("Add or remove `mcphub run <ref>` in an MCP client's config");
  for (const action of ['install', 'remove'] as const) {
    client
      .command(action)
      .argument('<ref>', 'org/name[@version|@range]')
      .requiredOption('--client <name>', 'claude-desktop | cursor | vscode | claude-code')
      .option('--name <entry>', 'entry name in the client config (default: org-name)')
      .option(
        '--command <path>',
        'command the client launches (default: mcphub if on PATH, else node + this CLI)',
      )
      .action(async (ref: string, opts: { client: string; name?: string; command?: string }) => {
        const cc = await import('../client-configs/client-configs.js');
        if (!(cc.CLIENTS as readonly string[]).includes(opts.client)) {
          throw new HubError('HUB_ERR_USAGE', `Unknown client ${opts.client}; use ${cc.CLIENTS.join(', ')}`);
        }
        const target = cc.clientTarget(opts.client as (typeof cc.CLIENTS)[number]);
        const name = opts.name ?? cc.entryNameOf(ref);
        if (action === 'remove') {
          const r = await cc.removeClientEntry(target, name);
          out(r.removed ? `removed ${name} from ${r.file}` : `${name} was not in ${r.file}`);
          return;
        }
        const { execFileSync } = await import('node:child_process');
        const onPath = (() => {
          try {
            execFileSync('sh', ['-c', 'command -v mcphub'], { stdio: 'ignore' });
            return true;
          } catch {
            return false;
          }
        })();
        const entry =
          opts.command || onPath
            ? { command: opts.command ?? 'mcphub', args: ['run', ref] }
            : { command: process.execPath, args: [process.argv[1]!, 'run', ref] };
        const r = await cc.installClientEntry(target, name, entry);
        out(
          `${r.replaced ? 'updated' : 'added'} ${name} in ${r.file}: ${entry.command} ${entry.args.join(' ')}`,
        );
      });
  }

  program
    .command('verify')
    .description("Verify an attestation (DSSE envelope) against the hub's JWKS")
    .argument('<attestation>', 'attestation file (JSON DSSE envelope)')
    .requiredOption(
      '--jwks <url|file>',
      'JWKS URL (e.g. http://127.0.0.1:8080/.well-known/jwks.json) or file',
    )
    .option('--bundle-digest <sha256:hex>', 'also require the attestation to be about this bundle')
    .action(async (file: string, opts: { jwks: string; bundleDigest?: string }) => {
      const { verifyAttestation } = await import('@mcphub/registry');
      const jwks = /^https?:\/\//.test(opts.jwks)
        ? await (await fetch(opts.jwks)).json()
        : JSON.parse(readFileSync(opts.jwks, 'utf8'));
      const v = verifyAttestation(JSON.parse(readFileSync(file, 'utf8')), jwks as never, opts.bundleDigest);
      const p = v.statement.predicate;
      out(
        JSON.stringify(
          {
            verified: true,
            keyid: v.keyid,
            subject: v.statement.subject,
            package: p.package,
            level: p.level,
            levelName: p.levelName,
            score: p.score,
          },
          null,
          2,
        ),
      );
    });

  program
    .command('scan')
    .description('Scan a folder without a daemon (run `mcphub scan --help` for its options)')
    .allowUnknownOption()
    .helpOption(false)
    .argument('[args...]')
    .action(async (args: string[]) => {
      const { runScanCli } = await import('@mcphub/scanner');
      process.exitCode = await runScanCli(args, { stdout: process.stdout, stderr: process.stderr });
    });

  addConfigOptions(
    program.command('config').description('Print the effective configuration (secrets masked)'),
  ).action(async (opts: Record<string, unknown>) => {
    const { redactConfig } = await import('../adapters.js');
    out(JSON.stringify(redactConfig(configFromOptions(opts)), null, 2));
  });

  const registryCmd = program.command('registry').description('Registry sync with a remote hub');
  addConfigOptions(
    registryCmd
      .command('mirror')
      .description(
        "Copy a remote registry's packages here, verifying digests and attestations (resumable, idempotent)",
      )
      .argument('<remote-url>', 'the remote registry, e.g. https://hub.example.com:8081')
      .requiredOption(
        '--trust-jwks <url|file>',
        "the remote hub's JWKS: only attestations it signed are copied",
      )
      .option('--org <org>', 'only this organization')
      .option('--token <jwt>', 'registry:read token for the remote (or env MCPHUB_REMOTE_TOKEN)')
      .option('--max-versions <n>', 'stop after copying this many versions (the next run continues)'),
  ).action(async (remoteUrl: string, opts: Record<string, unknown>) => {
    const config = configFromOptions(opts);
    const { mirrorCommand } = await import('./mirror-command.js');
    await mirrorCommand(config, remoteUrl, opts as never, out, (s) => process.stderr.write(`${s}\n`));
  });

  addConfigOptions(
    registryCmd
      .command('trust')
      .description(
        "Trust a remote hub's keys (JWKS URL or file): its attestations verify on pull and its signed revocations are accepted",
      )
      .argument('<jwks>', 'e.g. https://hub.example.com/.well-known/jwks.json'),
  ).action(async (source: string, opts: Record<string, unknown>) => {
    const config = configFromOptions(opts);
    const { addTrustedKeys, loadJwksFrom, trustedKeysFile } = await import('../sync/mirror.js');
    const jwks = await loadJwksFrom(source);
    addTrustedKeys(config.home, jwks);
    out(`trusted ${jwks.keys.map((k) => k.kid).join(', ')} in ${trustedKeysFile(config.home)}`);
  });

  addConfigOptions(
    program
      .command('worker')
      .description('Run scan workers only, against a shared broker (--amqp-url) and store (--s3-endpoint)'),
  ).action(async (opts: Record<string, unknown>) => {
    const config = configFromOptions(opts);
    const { createLogger } = await import('../logger.js');
    const { startScanWorkers } = await import('../worker.js');
    const logger = createLogger(config.log.level);
    const worker = await startScanWorkers(config, logger);
    out(`MCP Hub scan worker running with ${worker.threads} thread(s). Press Ctrl+C to stop.`);
    if (worker.metricsUrl) out(`  Metrics:      ${worker.metricsUrl}`);
    const stop = () => {
      worker.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  return program;
}

async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode === 0 ? 0 : 2;
      return;
    }
    const e = err as Error & { code?: string };
    process.stderr.write(`mcphub: ${e.code ? `${e.code}: ` : ''}${e.message}\n`);
    process.exitCode = e.code === 'HUB_ERR_USAGE' || e.code === 'HUB_ERR_CONFIG_INVALID' ? 2 : 1;
  }
}

await main(process.argv);
