/** `mcphub scan <dir> [--format text|json|sarif] [--output FILE] [--fail-on …] [--mode fast|deep] [--advisories-db FILE]`. */
import { writeFile } from 'node:fs/promises';
import { ScanFailure } from '../errors.js';
import { renderJson } from '../report/render-json.js';
import { renderSarif } from '../report/render-sarif.js';
import { renderText } from '../report/render-text.js';
import { scanDirectory } from '../scan-directory.js';
import type { ScanMode, ScanReport, Severity } from '../types.js';

export interface CliIo {
  stdout: { write(chunk: string): unknown; isTTY?: boolean };
  stderr: { write(chunk: string): unknown; isTTY?: boolean };
}

type FailOn = Severity | 'none';
const RANK: Record<Severity, number> = { critical: 4, high: 3, medium: 2, low: 1, info: 0 };
const USAGE =
  'usage: mcphub scan <dir> [--format text|json|sarif] [--output FILE] [--fail-on critical|high|medium|low|none] [--mode fast|deep] [--advisories-db FILE] [--ai-url URL --ai-model NAME]\n';

interface CliArgs {
  dir: string;
  format: 'text' | 'json' | 'sarif';
  output?: string;
  failOn: FailOn;
  mode: ScanMode;
  advisoriesDb?: string;
  aiUrl?: string;
  aiModel?: string;
}

function parseArgs(argv: readonly string[]): CliArgs | string {
  const args = argv[0] === 'scan' ? argv.slice(1) : [...argv];
  const out: Partial<CliArgs> = { format: 'text', failOn: 'none', mode: 'deep' };
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    const [flag, inline] =
      a.startsWith('--') && a.includes('=')
        ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)]
        : [a, undefined];
    const value = () => inline ?? args[++i];
    if (flag === '--format') {
      const v = value();
      if (v !== 'text' && v !== 'json' && v !== 'sarif') return `invalid --format: ${v}`;
      out.format = v;
    } else if (flag === '--output' || flag === '-o') {
      const v = value();
      if (!v) return '--output needs a file';
      out.output = v;
    } else if (flag === '--fail-on') {
      const v = value();
      if (!v || !['critical', 'high', 'medium', 'low', 'none'].includes(v)) return `invalid --fail-on: ${v}`;
      out.failOn = v as FailOn;
    } else if (flag === '--mode') {
      const v = value();
      if (v !== 'fast' && v !== 'deep') return `invalid --mode: ${v}`;
      out.mode = v;
    } else if (flag === '--advisories-db') {
      const v = value();
      if (!v) return '--advisories-db needs a file';
      out.advisoriesDb = v;
    } else if (flag === '--ai-url' || flag === '--ai-model') {
      const v = value();
      if (!v) return `${flag} needs a value`;
      if (flag === '--ai-url') out.aiUrl = v;
      else out.aiModel = v;
    } else if (flag === '--help' || flag === '-h') {
      return '';
    } else if (flag.startsWith('-')) {
      return `unknown option: ${flag}`;
    } else if (out.dir === undefined) {
      out.dir = flag;
    } else {
      return `unexpected argument: ${flag}`;
    }
  }
  if (!out.dir) return 'missing <dir>';
  if (Boolean(out.aiUrl) !== Boolean(out.aiModel)) return 'AI review needs both --ai-url and --ai-model';
  return out as CliArgs;
}

export function exceedsThreshold(report: ScanReport, failOn: FailOn): boolean {
  if (failOn === 'none') return false;
  return report.findings.some((f) => RANK[f.severity] >= RANK[failOn]);
}

export async function runScanCli(argv: readonly string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv);
  if (typeof args === 'string') {
    io.stderr.write(args ? `mcphub scan: ${args}\n${USAGE}` : USAGE);
    return 2;
  }
  const showProgress = io.stderr.isTTY === true;
  let report: ScanReport;
  try {
    report = await scanDirectory(args.dir, {
      mode: args.mode,
      ...(args.advisoriesDb ? { advisoriesDb: args.advisoriesDb } : {}),
      // The API key, if the endpoint needs one, comes from the environment, never from argv.
      ...(args.aiUrl && args.aiModel
        ? {
            aiReview: {
              url: args.aiUrl,
              model: args.aiModel,
              ...(process.env.MCPHUB_AI_API_KEY ? { apiKey: process.env.MCPHUB_AI_API_KEY } : {}),
            },
          }
        : {}),
      ...(showProgress
        ? {
            onProgress: (p) => {
              if (p.phase === 'parse' && p.total > 0)
                io.stderr.write(`\rparsing ${p.done + 1}/${p.total} files\x1b[K`);
              if (p.phase === 'analyze' && p.total > 0) io.stderr.write(`\ranalyzing ${p.done}%\x1b[K`);
              if (p.phase === 'report') io.stderr.write('\r\x1b[K');
            },
          }
        : {}),
    });
  } catch (err) {
    const code = err instanceof ScanFailure ? err.code : 'SCAN_ERR_ANALYZE';
    io.stderr.write(`mcphub scan: ${code}: ${err instanceof Error ? err.message : String(err)}\n`);
    return 2;
  }
  const color = !args.output && args.format === 'text' && io.stdout.isTTY === true && !process.env.NO_COLOR;
  const rendered =
    args.format === 'json'
      ? renderJson(report)
      : args.format === 'sarif'
        ? renderSarif(report)
        : renderText(report, { color });
  if (args.output) {
    try {
      await writeFile(args.output, rendered);
    } catch (err) {
      io.stderr.write(`mcphub scan: SCAN_ERR_OUTPUT: ${String(err)}\n`);
      return 2;
    }
  } else {
    io.stdout.write(rendered);
  }
  return exceedsThreshold(report, args.failOn) ? 1 : 0;
}
