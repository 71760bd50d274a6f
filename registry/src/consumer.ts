/**
 * What a registry *consumer* needs (resolve, download, verify a digest and an attestation), without
 * the server side (fastify, Kysely, the object stores). `mcphub run` and `mcphub pull` load this
 * entry point (`@mcphub/registry/client`) so starting a server does not pay for loading the registry.
 */
export { AttestationError } from './attestation/dsse.js';
export { type VerifiedAttestation, verifyAttestation } from './attestation/in-toto.js';
export { RegistryClient, RegistryClientError, type RegistryClientOptions } from './client.js';
export type { Manifest } from './manifest.js';
export type { ResolvedVersion } from './routes/schemas.js';
