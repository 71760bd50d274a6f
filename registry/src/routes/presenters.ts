import type { VersionRecord } from '../db/registry-index.js';
import type { Manifest } from '../manifest.js';
import type { ResolvedVersion, VersionSummary } from './schemas.js';

export function toResolvedVersion(record: VersionRecord): ResolvedVersion {
  return {
    name: `${record.org}/${record.name}`,
    version: record.version,
    status: record.status,
    statusReason: record.statusReason,
    digest: record.manifestDigest,
    manifest: JSON.parse(record.manifestJson) as Manifest,
    publishedAt: record.publishedAt,
  };
}

export function toVersionSummary(record: VersionRecord): VersionSummary {
  const manifest = JSON.parse(record.manifestJson) as Manifest;
  return {
    version: record.version,
    digest: record.manifestDigest,
    bundle: manifest.bundle,
    level: record.level,
    status: record.status,
    statusReason: record.statusReason,
    publishedAt: record.publishedAt,
    publishedBy: record.publishedBy,
  };
}
