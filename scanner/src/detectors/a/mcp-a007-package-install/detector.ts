import type { PickedArg } from '../../api.js';
import { defineDetector } from '../../api.js';
import { commandShape } from '../command-shapes.js';
import { EXEC_SINKS } from '../exec-callees.js';

/** Package managers and runners whose install/run step executes code the package ships. */
const INSTALLERS: Record<string, RegExp> = {
  pip: /^(install|download|wheel)$/,
  pip3: /^(install|download|wheel)$/,
  uv: /^(add|pip|tool|run)$/,
  uvx: /.*/,
  pipx: /^(install|run)$/,
  npm: /^(install|i|add|exec|x)$/,
  pnpm: /^(install|i|add|dlx|exec)$/,
  yarn: /^(add|dlx)$/,
  npx: /.*/,
  bunx: /.*/,
  bun: /^(add|install|i|x)$/,
  go: /^(install|run|get)$/,
  cargo: /^(install|run)$/,
  gem: /^install$/,
  deno: /^(run|install)$/,
};

/** Tools (and verbs) that run a single package: the first operand is the package, the rest its arguments. */
const RUNNERS = new Set(['npx', 'uvx', 'bunx']);
const RUNNER_VERBS = /^(exec|x|dlx|run)$/;

function baseName(program: string): string {
  return (
    program
      .split(/[/\\]/)
      .pop()
      ?.replace(/\.exe$/i, '') ?? program
  );
}

export default defineDetector({
  id: 'MCP-A007',
  class: 'A',
  languages: ['python', 'javascript', 'typescript', 'go'],
  severity: 'critical',
  confidence: 'high',
  cwe: ['CWE-94', 'CWE-829'],
  title: 'Attacker-chosen package installed or run (pip, npm/npx, uvx, go, cargo)',
  remediation:
    "Never let a tool argument name a package to install or run: installing runs the package's own " +
    'code (setup.py, postinstall, init). Offer a fixed allowlist of pinned packages instead.',
  taint: {
    sinkKind: 'package',
    sinks: EXEC_SINKS.map(({ languages, callee }) => ({
      languages,
      callee,
      message: 'Attacker-controlled data names a package that is installed or run',
      pick: (call, q) => {
        const shape = commandShape(call, q);
        if (!shape?.program) return [];
        const literal = q.stringValue(shape.program);
        const argv = shape.argv;
        // `python -m pip install …`, `sys.executable -m pip install …`
        const moduleAt = argv.findIndex((a) => q.stringValue(a.node) === '-m');
        const moduleName = argv[moduleAt + 1];
        let tool = literal !== null ? baseName(literal) : '';
        let rest = argv;
        if (moduleAt >= 0 && moduleName && (literal === null || /^python/.test(tool))) {
          tool = q.stringValue(moduleName.node) ?? '';
          rest = argv.slice(moduleAt + 2);
        }
        const verb = INSTALLERS[tool];
        if (!verb) return [];
        const picked: PickedArg[] = [];
        let runner = RUNNERS.has(tool);
        let sawVerb = runner;
        for (const item of rest) {
          const value = item.tail ? null : q.stringValue(item.node);
          if (!sawVerb) {
            if (value !== null && verb.test(value)) {
              sawVerb = true;
              runner = RUNNER_VERBS.test(value);
            }
            continue;
          }
          if (value?.startsWith('-')) {
            // A runner's own options end at "--"; what follows goes to the package it runs.
            if (runner && value === '--') break;
            continue;
          }
          if (value === null) picked.push({ node: item.node, note: `package for ${tool}` });
          // A runner runs one package; the operands after it are that package's arguments.
          if (runner) break;
        }
        return picked;
      },
    })),
  },
});
