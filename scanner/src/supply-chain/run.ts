/** Runs the detectors' `onProject` visitors over the parsed manifests and builds the SBOM. */
import { basename } from 'node:path';
import type { SyntaxNode } from 'tree-sitter';
import type { Detector, ReportOptions } from '../detectors/api.js';
import type { RawFinding } from '../taint/engine.js';
import type { FileContext } from '../taint/file-context.js';
import type { ScanError } from '../types.js';
import { type AdvisoryDb, loadAdvisoryDb } from './advisories.js';
import { loadProjects } from './projects.js';
import { buildSbom, type CycloneDxBom } from './sbom.js';
import type { ManifestPosition, ManifestText } from './types.js';

export interface SupplyChainResult {
  raw: RawFinding[];
  sbom: CycloneDxBom;
  errors: ScanError[];
}

/**
 * Manifest findings go through the same report builder as code findings: the builder only reads a
 * file's `path`/`text` and a node's positions, so a manifest line stands in for a syntax node.
 */
function pseudoNode(file: ManifestText, at: ManifestPosition): SyntaxNode {
  const line = file.text.split('\n')[at.line - 1] ?? '';
  return {
    startPosition: { row: at.line - 1, column: at.column - 1 },
    endPosition: { row: at.line - 1, column: Math.max(at.column - 1, line.replace(/\s+$/, '').length) },
  } as unknown as SyntaxNode;
}

export async function analyzeSupplyChain(
  root: string,
  detectors: readonly Detector[],
  options: { only?: ReadonlySet<string> | null; advisoriesDb?: string | undefined },
): Promise<SupplyChainResult> {
  const { projects, files, errors } = await loadProjects(root, options.only ?? null);
  let advisories: AdvisoryDb | null = null;
  if (options.advisoriesDb) {
    try {
      advisories = await loadAdvisoryDb(options.advisoriesDb);
    } catch (err) {
      errors.push({ code: 'SCAN_ERR_ADVISORIES', message: `advisory database: ${String(err)}` });
    }
  }
  const byPath = new Map(files.map((f) => [f.path, f]));
  const raw: RawFinding[] = [];
  for (const d of detectors) {
    const onProject = d.visitors?.onProject;
    if (!onProject) continue;
    onProject({
      projects,
      advisories,
      report: (at: ManifestPosition, opts: ReportOptions) => {
        const file = byPath.get(at.file);
        if (!file) return;
        raw.push({
          detector: d,
          file: { path: file.path, text: file.text } as FileContext,
          node: pseudoNode(file, at),
          message: opts.message,
          trace: [],
          ...(opts.severity ? { severity: opts.severity } : {}),
          ...(opts.confidence ? { confidence: opts.confidence } : {}),
        });
      },
    });
  }
  return { raw, sbom: buildSbom(projects, basename(root)), errors };
}
