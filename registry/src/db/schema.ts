/** Version lifecycle; `revoked` is terminal and bytes are never deleted whatever the status. */
export const VERSION_STATUSES = ['active', 'deprecated', 'yanked', 'revoked'] as const;
export type VersionStatus = (typeof VERSION_STATUSES)[number];

export interface RegistryPackagesTable {
  org: string;
  name: string;
  created_at: string;
}

export interface RegistryVersionsTable {
  org: string;
  name: string;
  version: string;
  manifest_digest: string;
  /** The canonical manifest JSON, so resolve never needs the object store. */
  manifest_json: string;
  bundle_digest: string;
  bundle_size: number | bigint | string;
  snapshot_digest: string | null;
  attestation_digest: string | null;
  level: number | null;
  status: VersionStatus;
  status_reason: string | null;
  status_changed_at: string | null;
  published_at: string;
  published_by: string;
}

export interface RegistryBlobsTable {
  digest: string;
  size: number | bigint | string;
  media_type: string;
  created_at: string;
}

export interface RegistryDatabase {
  registry_packages: RegistryPackagesTable;
  registry_versions: RegistryVersionsTable;
  registry_blobs: RegistryBlobsTable;
}
