import { RegistryClient } from '@mcphub/registry';
import type { Config } from '../config/schema.js';
import { HubError } from '../errors.js';
import { loadOrCreateSigningKey } from '../keys/signing-key.js';
import { addTrustedKeys, loadJwksFrom, mirrorRegistry } from '../sync/mirror.js';
import { RevocationList } from '../sync/revocation-list.js';
import { issueRegistryToken } from '../tokens/token-service.js';
import { localRegistryUrl } from './pull-commands.js';

export async function mirrorCommand(
  config: Config,
  remoteUrl: string,
  opts: { trustJwks: string; org?: string; token?: string; maxVersions?: string },
  out: (s: string) => void,
  progress: (s: string) => void,
): Promise<void> {
  if (!/^https?:\/\//.test(remoteUrl))
    throw new HubError('HUB_ERR_USAGE', `The remote must be an http(s) URL, got ${remoteUrl}`);
  if (opts.org !== undefined && !/^[a-z0-9][a-z0-9._-]*$/.test(opts.org))
    throw new HubError('HUB_ERR_USAGE', `Not an organization name: ${opts.org}`);
  const maxTransfers = opts.maxVersions === undefined ? undefined : Number(opts.maxVersions);
  if (maxTransfers !== undefined && !(Number.isInteger(maxTransfers) && maxTransfers >= 0))
    throw new HubError('HUB_ERR_USAGE', `--max-versions needs a whole number, got ${opts.maxVersions}`);
  const trusted = await loadJwksFrom(opts.trustJwks);
  const remoteToken = opts.token ?? process.env.MCPHUB_REMOTE_TOKEN;
  const key = await loadOrCreateSigningKey(config.home);
  const { token } = await issueRegistryToken(
    key,
    {
      sub: 'mirror',
      scope: ['registry:publish', 'registry:admin'],
      resource: [opts.org ? `${opts.org}/*` : '*'],
      ttlSeconds: 3600,
    },
    config.registry.tokenMaxTtlSeconds,
  );
  const localUrl = localRegistryUrl(config);
  progress(`mirroring ${remoteUrl}${opts.org ? ` (org ${opts.org})` : ''} into ${localUrl}`);
  const counts = await mirrorRegistry({
    remote: new RegistryClient({ baseUrl: remoteUrl, ...(remoteToken ? { token: remoteToken } : {}) }),
    remoteUrl,
    local: new RegistryClient({ baseUrl: localUrl, token }),
    trusted,
    revocations: new RevocationList(config.home),
    ...(opts.org ? { org: opts.org } : {}),
    ...(maxTransfers !== undefined ? { maxTransfers } : {}),
    progress,
  });
  // Mirrored packages are signed by the remote hub: pull verifies them with its keys from now on.
  addTrustedKeys(config.home, trusted);
  progress(
    `${counts.transferred} transferred (${counts.bytes} bytes), ${counts.skipped} already here, ${counts.statusSynced} status change(s), ${counts.revoked} revocation(s) recorded`,
  );
  out(JSON.stringify(counts));
  if (counts.refused > 0) {
    const first = counts.refusals[0]!;
    throw new HubError(
      first.code,
      `${counts.refused} version(s) refused, nothing copied for them: ${counts.refusals
        .map((r) => `${r.name}@${r.version} (${r.code})`)
        .join(', ')}`,
    );
  }
}
