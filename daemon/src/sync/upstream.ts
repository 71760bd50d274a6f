import { RegistryClient, RegistryClientError } from '@mcphub/registry';
import type { SigningKey } from '../keys/signing-key.js';
import type { Logger } from '../logger.js';
import { issueRegistryToken } from '../tokens/token-service.js';

export interface UpstreamForward {
  name: string;
  version: string;
}

/**
 * Forwards one locally published version to the upstream registry, byte for byte (same manifest,
 * bundle, snapshot and attestation, so the same digests). A transient failure throws (the outbox
 * retries); a refusal by the upstream (4xx other than 408/429) is logged and dropped, since
 * retrying cannot change it. An identical re-publish is a 200 upstream, so a repeat is harmless.
 */
export function upstreamForwarder(deps: {
  localUrl: () => string;
  upstreamUrl: string;
  upstreamToken?: string;
  signingKey: SigningKey;
  logger: Logger;
}) {
  return async ({ name, version }: UpstreamForward): Promise<void> => {
    const { token } = await issueRegistryToken(
      deps.signingKey,
      { sub: 'upstream-forwarder', scope: ['registry:read'], resource: [name], ttlSeconds: 300 },
      300,
    );
    const local = new RegistryClient({ baseUrl: deps.localUrl(), token });
    const { bytes: bundle, resolved } = await local.download(name, version);
    const m = resolved.manifest;
    const attestation = m.attestation ? await local.blob(m.attestation.digest) : undefined;
    const snapshot = m.snapshot ? await local.blob(m.snapshot.digest) : undefined;
    const upstream = new RegistryClient({
      baseUrl: deps.upstreamUrl,
      ...(deps.upstreamToken ? { token: deps.upstreamToken } : {}),
    });
    try {
      const res = await upstream.publish({
        manifest: m,
        bundle,
        ...(attestation ? { attestation } : {}),
        ...(snapshot ? { snapshot } : {}),
      });
      deps.logger.info(
        { name, version, digest: res.digest, upstream: deps.upstreamUrl },
        'forwarded upstream',
      );
    } catch (err) {
      if (
        err instanceof RegistryClientError &&
        err.statusCode >= 400 &&
        err.statusCode < 500 &&
        err.statusCode !== 408 &&
        err.statusCode !== 429
      ) {
        deps.logger.error(
          { name, version, code: err.code, err: err.message, upstream: deps.upstreamUrl },
          'the upstream refused the forwarded version; not retried',
        );
        return;
      }
      throw err;
    }
  };
}
