/**
 * Offline OSV advisory database: `importAdvisories(dirOrZip, dbPath)` merges OSV JSON records (a
 * folder tree of *.json files or an osv.dev zip export) into one JSON file; `loadAdvisoryDb` reads it
 * and `matchAdvisories` finds the advisories whose affected ranges contain a package version
 * (npm and Go semver, PyPI PEP 440).
 */
import { mkdir, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Severity } from '../types.js';
import { normalizePypiName } from './types.js';
import { compareVersions } from './versions.js';
import { readZipEntries } from './zip.js';

export interface OsvEvent {
  introduced?: string;
  fixed?: string;
  last_affected?: string;
  limit?: string;
}
export interface OsvAffected {
  package?: { ecosystem?: string; name?: string; purl?: string };
  ranges?: { type?: string; events?: OsvEvent[] }[];
  versions?: string[];
  database_specific?: Record<string, unknown>;
  ecosystem_specific?: Record<string, unknown>;
}
export interface OsvRecord {
  id: string;
  modified?: string;
  published?: string;
  withdrawn?: string;
  aliases?: string[];
  summary?: string;
  details?: string;
  severity?: { type: string; score: string }[];
  affected?: OsvAffected[];
  database_specific?: Record<string, unknown>;
}

export const ADVISORY_DB_FORMAT = 'mcphub-osv-db';

export interface AdvisoryDbFile {
  format: typeof ADVISORY_DB_FORMAT;
  version: 1;
  advisories: OsvRecord[];
}

export interface AdvisoryDb {
  /** `<ecosystem>:<normalized name>` → advisories naming that package. */
  byPackage: Map<string, OsvRecord[]>;
  size: number;
}

export interface ImportResult {
  /** Records read from the input that were new or newer than the stored copy. */
  imported: number;
  /** Records in the input that were not OSV (no id) or could not be parsed. */
  skipped: number;
  /** Advisories in the database after the import. */
  total: number;
  dbPath: string;
}

function ecosystemKey(ecosystem: string, name: string): string {
  const eco = ecosystem.split(':')[0] ?? ecosystem; // "Debian:11" style suffixes
  return `${eco}:${eco === 'PyPI' ? normalizePypiName(name) : name}`;
}

async function readOsvInput(dirOrZip: string): Promise<{ records: OsvRecord[]; skipped: number }> {
  const records: OsvRecord[] = [];
  let skipped = 0;
  const take = (name: string, text: string) => {
    if (!name.endsWith('.json')) return;
    try {
      const parsed: unknown = JSON.parse(text);
      for (const r of Array.isArray(parsed) ? parsed : [parsed]) {
        if (
          r &&
          typeof r === 'object' &&
          typeof (r as OsvRecord).id === 'string' &&
          Array.isArray((r as OsvRecord).affected)
        )
          records.push(r as OsvRecord);
        else skipped++;
      }
    } catch {
      skipped++;
    }
  };
  const info = await stat(dirOrZip);
  if (info.isDirectory()) {
    const walk = async (dir: string) => {
      const entries = await readdir(dir, { withFileTypes: true });
      entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      for (const e of entries) {
        const p = join(dir, e.name);
        if (e.isDirectory()) await walk(p);
        else if (e.isFile() && e.name.endsWith('.zip'))
          for (const z of readZipEntries(await readFile(p))) take(z.name, z.data.toString('utf8'));
        else if (e.isFile()) take(e.name, await readFile(p, 'utf8'));
      }
    };
    await walk(dirOrZip);
  } else {
    for (const z of readZipEntries(await readFile(dirOrZip))) take(z.name, z.data.toString('utf8'));
  }
  return { records, skipped };
}

async function readDbFile(dbPath: string): Promise<OsvRecord[]> {
  let text: string;
  try {
    text = await readFile(dbPath, 'utf8');
  } catch {
    return [];
  }
  const parsed = JSON.parse(text) as Partial<AdvisoryDbFile>;
  if (parsed.format !== ADVISORY_DB_FORMAT || !Array.isArray(parsed.advisories))
    throw new Error(`${dbPath} is not an mcphub advisory database`);
  return parsed.advisories;
}

/** Merges the OSV records under `dirOrZip` into the database file at `dbPath` (created if absent). */
export async function importAdvisories(dirOrZip: string, dbPath: string): Promise<ImportResult> {
  const { records, skipped } = await readOsvInput(dirOrZip);
  const byId = new Map((await readDbFile(dbPath)).map((r) => [r.id, r]));
  let imported = 0;
  for (const r of records) {
    const prev = byId.get(r.id);
    if (prev && (prev.modified ?? '') >= (r.modified ?? '')) continue;
    const { details: _details, ...kept } = r; // long prose is not needed for matching
    byId.set(r.id, kept);
    imported++;
  }
  const advisories = [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const file: AdvisoryDbFile = { format: ADVISORY_DB_FORMAT, version: 1, advisories };
  await mkdir(dirname(dbPath), { recursive: true });
  const tmp = `${dbPath}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(file)}\n`);
  await rename(tmp, dbPath);
  return { imported, skipped, total: advisories.length, dbPath };
}

export function indexAdvisories(records: readonly OsvRecord[]): AdvisoryDb {
  const byPackage = new Map<string, OsvRecord[]>();
  for (const r of records) {
    if (r.withdrawn) continue;
    const keys = new Set<string>();
    for (const a of r.affected ?? []) {
      if (a.package?.ecosystem && a.package.name) keys.add(ecosystemKey(a.package.ecosystem, a.package.name));
    }
    for (const k of keys) byPackage.set(k, [...(byPackage.get(k) ?? []), r]);
  }
  return { byPackage, size: records.length };
}

/** Parsed databases by path, reused while the file is unchanged (a full OSV import is large). */
const loaded = new Map<string, { mtimeMs: number; size: number; db: AdvisoryDb }>();

export async function loadAdvisoryDb(dbPath: string): Promise<AdvisoryDb> {
  const info = await stat(dbPath).catch(() => null);
  const hit = info ? loaded.get(dbPath) : undefined;
  if (info && hit && hit.mtimeMs === info.mtimeMs && hit.size === info.size) return hit.db;
  const db = indexAdvisories(await readDbFile(dbPath));
  if (info) loaded.set(dbPath, { mtimeMs: info.mtimeMs, size: info.size, db });
  return db;
}

/** True when `version` falls in one OSV range (events evaluated in version order). */
function inRange(ecosystem: string, version: string, events: readonly OsvEvent[]): boolean {
  const at = (e: OsvEvent) => e.introduced ?? e.fixed ?? e.last_affected ?? e.limit ?? '0';
  const sorted = [...events].sort((a, b) => compareVersions(ecosystem, at(a), at(b)));
  let affected = false;
  for (const e of sorted) {
    if (e.introduced !== undefined && compareVersions(ecosystem, version, e.introduced) >= 0) affected = true;
    if (e.fixed !== undefined && compareVersions(ecosystem, version, e.fixed) >= 0) affected = false;
    if (e.last_affected !== undefined && compareVersions(ecosystem, version, e.last_affected) > 0)
      affected = false;
    if (e.limit !== undefined && compareVersions(ecosystem, version, e.limit) >= 0) affected = false;
  }
  return affected;
}

export interface AdvisoryMatch {
  advisory: OsvRecord;
  /** The first fixed version named by the matching range, if any. */
  fixed: string | null;
}

/** Advisories that affect `name@version` in `ecosystem` ('npm' | 'PyPI' | 'Go'). */
export function matchAdvisories(
  db: AdvisoryDb,
  ecosystem: string,
  name: string,
  version: string,
): AdvisoryMatch[] {
  const key = ecosystemKey(ecosystem, name);
  const out: AdvisoryMatch[] = [];
  for (const r of db.byPackage.get(key) ?? []) {
    for (const a of r.affected ?? []) {
      if (
        !a.package?.ecosystem ||
        !a.package.name ||
        ecosystemKey(a.package.ecosystem, a.package.name) !== key
      )
        continue;
      const v = ecosystem === 'Go' ? version.replace(/\+incompatible$/, '') : version;
      const explicit = (a.versions ?? []).some((x) => x === version || x === v);
      const range = (a.ranges ?? []).find(
        (rg) =>
          rg.type !== 'GIT' &&
          inRange(ecosystem, ecosystem === 'Go' ? v.replace(/^v?/, 'v') : v, rg.events ?? []),
      );
      if (explicit || range) {
        out.push({ advisory: r, fixed: range?.events?.find((e) => e.fixed !== undefined)?.fixed ?? null });
        break;
      }
    }
  }
  return out.sort((x, y) => (x.advisory.id < y.advisory.id ? -1 : x.advisory.id > y.advisory.id ? 1 : 0));
}

/** GHSA `database_specific.severity` or a CVSS score, mapped to the scanner's severities. */
export function advisorySeverity(r: OsvRecord): Severity {
  const s = String(r.database_specific?.severity ?? '').toUpperCase();
  if (s === 'CRITICAL') return 'critical';
  if (s === 'HIGH') return 'high';
  if (s === 'MODERATE' || s === 'MEDIUM') return 'medium';
  if (s === 'LOW') return 'low';
  return 'high';
}
