import { defineDetector } from '../../api.js';

export default defineDetector({
  id: 'MCP-A003',
  class: 'A',
  languages: ['python', 'javascript', 'typescript'],
  severity: 'critical',
  confidence: 'high',
  cwe: ['CWE-94', 'CWE-95'],
  title: 'Code injection through eval, exec, Function or vm',
  remediation:
    'Never evaluate tool arguments as code. Parse data with a real parser (json, ast.literal_eval for Python ' +
    'literals, a math-expression library for calculators) and dispatch on an allowlist of operations.',
  taint: {
    sinkKind: 'code',
    sinks: [
      {
        languages: ['python'],
        callee: [
          'eval',
          'exec',
          'compile',
          'builtins.eval',
          'builtins.exec',
          'code.InteractiveInterpreter().runsource',
        ],
        args: [0],
        message: 'Attacker-controlled data is evaluated as Python code',
      },
      {
        languages: ['python'],
        callee: ['importlib.import_module', '__import__'],
        args: [0],
        message: 'Attacker-controlled data selects a module to import',
      },
      {
        languages: ['javascript', 'typescript'],
        callee: ['eval', 'window.eval', 'globalThis.eval', 'Function', 'globalThis.Function'],
        args: [{ rest: 0 }],
        message: 'Attacker-controlled data is evaluated as JavaScript code',
      },
      {
        languages: ['javascript', 'typescript'],
        callee: [
          'vm.runInNewContext',
          'vm.runInThisContext',
          'vm.runInContext',
          'vm.compileFunction',
          'vm.Script',
          'vm.SourceTextModule',
          'vm2.VM().run',
          'vm2.NodeVM().run',
        ],
        args: [0],
        message: 'Attacker-controlled data is compiled by the vm module (not a security boundary)',
      },
      {
        languages: ['javascript', 'typescript'],
        callee: ['setTimeout', 'setInterval'],
        args: [0],
        when: (call) => !call.args[0]?.type.includes('function') && call.args[0]?.type !== 'identifier',
        message: 'A string passed to setTimeout/setInterval is evaluated as code',
      },
      {
        languages: ['javascript', 'typescript'],
        callee: ['require', 'import'],
        args: [0],
        message: 'Attacker-controlled data selects a module to load',
      },
    ],
    sanitizers: [{ languages: ['python'], callee: ['ast.literal_eval', 'json.loads'], clears: ['code'] }],
  },
});
