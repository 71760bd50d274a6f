import type { SyntaxNode } from 'tree-sitter';
import { defineDetector } from '../../api.js';
import { constantPrefix, fixedHost, isExternalConstantUrl } from '../../c/http-shapes.js';
import { fileTextOf } from '../file-text.js';

/** HTTP client calls and the position of their URL argument. */
const CLIENTS: Record<string, number> = {
  'requests.get': 0,
  'requests.post': 0,
  'requests.put': 0,
  'requests.request': 1,
  'httpx.get': 0,
  'httpx.post': 0,
  'urllib.request.urlopen': 0,
  'urllib.request.Request': 0,
  fetch: 0,
  'node-fetch': 0,
  'axios.get': 0,
  'axios.post': 0,
  axios: 0,
  'https.get': 0,
  'https.request': 0,
  'http.get': 0,
  'http.request': 0,
  'net/http.Get': 0,
  'net/http.Post': 0,
  'net/http.PostForm': 0,
  'net/http.NewRequest': 1,
  'net/http.NewRequestWithContext': 2,
};

const FUNCTION_TYPES = new Set([
  'function_definition',
  'lambda',
  'function_declaration',
  'function_expression',
  'arrow_function',
  'method_definition',
  'generator_function_declaration',
  'func_literal',
  'method_declaration',
]);

function enclosingFunction(node: SyntaxNode): SyntaxNode | null {
  for (let n = node.parent; n; n = n.parent) if (FUNCTION_TYPES.has(n.type)) return n;
  return null;
}

/** Code that runs when the server starts or on a timer, not because a tool was called. */
function startupContext(node: SyntaxNode, language: string): string | null {
  const fn = enclosingFunction(node);
  if (!fn) return 'at module load';
  const name = fn.childForFieldName('name')?.text ?? '';
  if (name === 'init' && language === 'go') return 'in init()';
  if (name === 'main') return 'in main()';
  // A callback handed to a timer: setInterval(() => …), threading.Timer(…, fn), atexit.register(fn).
  const call = fn.parent?.type === 'arguments' ? fn.parent.parent : null;
  const callee = call?.childForFieldName('function')?.text ?? '';
  if (/^(setInterval|setTimeout|setImmediate|process\.on|process\.once)$/.test(callee))
    return `in a ${callee} callback`;
  if (fn.type === 'func_literal' && fn.parent?.parent?.type === 'go_statement') {
    const outer = enclosingFunction(fn);
    const outerName = outer?.childForFieldName('name')?.text ?? '';
    if (outerName === 'main' || outerName === 'init') return `in a goroutine started by ${outerName}()`;
  }
  if (language === 'python' && name) {
    const text = fileTextOf(node);
    const re = new RegExp(
      `(threading\\.(Thread|Timer)\\([^)]*\\b${name}\\b|atexit\\.register\\(\\s*${name}\\b|\\.add_job\\(\\s*${name}\\b)`,
    );
    if (re.test(text)) return `in ${name}(), run by a background thread or timer`;
  }
  return null;
}

export default defineDetector({
  id: 'MCP-M003',
  class: 'M',
  languages: ['python', 'javascript', 'typescript', 'go'],
  severity: 'medium',
  confidence: 'medium',
  cwe: ['CWE-359', 'CWE-912'],
  title: 'Outbound request to a hard-coded host at startup or on a timer (beacon, telemetry)',
  remediation:
    'Do not contact hosts the user did not ask for. Make telemetry and update checks opt-in, declare the endpoint in ' +
    'the README and the server description, and send nothing about the machine or its environment.',
  visitors: {
    onCall: (call, ctx) => {
      if (ctx.tool) return;
      const pos = CLIENTS[call.callee];
      if (pos === undefined) return;
      const url = call.args[pos];
      if (!url) return;
      const prefix = constantPrefix(url, ctx.q);
      if (!isExternalConstantUrl(prefix)) return;
      const when = startupContext(call.node, call.language);
      if (!when) return;
      ctx.report(call.node, {
        message: `The server contacts ${fixedHost(prefix)} ${when}, without any tool call: an undeclared outbound connection`,
      });
    },
  },
});
