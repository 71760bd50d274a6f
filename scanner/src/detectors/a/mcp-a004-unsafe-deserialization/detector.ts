import type { SyntaxNode } from 'tree-sitter';
import { defineDetector } from '../../api.js';

const SAFE_YAML_LOADER = /\b(SafeLoader|CSafeLoader|BaseLoader)\b/;

/** `var v interface{}` / `any` (or a map of them) in the function that decodes into `&v`. */
function decodesIntoInterface(call: { node: SyntaxNode; args: SyntaxNode[] }): boolean {
  const target = call.args[0]?.text.replace(/^&/, '') ?? '';
  if (!/^\w+$/.test(target)) return /interface\{\}|\bany\b/.test(call.args[0]?.text ?? '');
  let fn: SyntaxNode | null = call.node;
  while (
    fn &&
    !['function_declaration', 'method_declaration', 'func_literal', 'source_file'].includes(fn.type)
  )
    fn = fn.parent;
  const body = fn?.text ?? '';
  const decl = new RegExp(
    `\\b(?:var\\s+${target}\\s+|${target}\\s*:?=\\s*(?:new\\()?)(?:\\[\\]|map\\[[^\\]]+\\])?(?:interface\\{\\}|any\\b)`,
  );
  return decl.test(body);
}

export default defineDetector({
  id: 'MCP-A004',
  class: 'A',
  languages: ['python', 'javascript', 'typescript', 'go'],
  severity: 'critical',
  confidence: 'high',
  cwe: ['CWE-502'],
  title: 'Unsafe deserialization of attacker-controlled data',
  remediation:
    'Deserialize untrusted input only with data-only formats: json, yaml.safe_load / SafeLoader, ' +
    'js-yaml load (v4) or JSON.parse; never pickle/marshal/dill/node-serialize. In Go, decode gob into ' +
    'concrete types, never into interfaces.',
  taint: {
    sinkKind: 'deserialize',
    sinks: [
      {
        languages: ['python'],
        callee: [
          'pickle.loads',
          'pickle.load',
          'pickle.Unpickler',
          '_pickle.loads',
          'cPickle.loads',
          'cPickle.load',
          'dill.loads',
          'dill.load',
          'marshal.loads',
          'marshal.load',
          'shelve.open',
          'jsonpickle.decode',
          'pandas.read_pickle',
          'joblib.load',
          'yaml.unsafe_load',
          'yaml.unsafe_load_all',
        ],
        args: [0],
        message: 'Attacker-controlled data is deserialized by a format that can run code',
      },
      {
        languages: ['python'],
        callee: ['yaml.load', 'yaml.load_all'],
        args: [0],
        when: (call) => {
          const loader = call.kwargs.get('Loader') ?? call.args[1];
          return !loader || !SAFE_YAML_LOADER.test(loader.text);
        },
        message: 'yaml.load without SafeLoader constructs arbitrary Python objects',
      },
      {
        languages: ['python'],
        callee: ['torch.load'],
        args: [0],
        when: (call, q) => {
          const w = call.kwargs.get('weights_only');
          return !w || q.booleanValue(w) !== true;
        },
        message: 'torch.load without weights_only=True unpickles arbitrary objects',
      },
      {
        languages: ['javascript', 'typescript'],
        callee: [
          'node-serialize.unserialize',
          'serialize-to-js.deserialize',
          'funcster.deepDeserialize',
          'v8.deserialize',
          'js-yaml.load',
          'yaml.load',
        ],
        args: [0],
        when: (call, q) => {
          if (!/yaml\.load$/.test(call.callee)) return true;
          // js-yaml v4's load is data-only; only the full/JS-types schemas evaluate code.
          const opts = call.args[1];
          const schema = opts ? q.property(opts, 'schema') : null;
          return !!schema && /FULL|js-types|DEFAULT_FULL/i.test(schema.text);
        },
        message: 'Attacker-controlled data is deserialized by a format that can run code',
      },
      {
        languages: ['go'],
        callee: ['encoding/gob.NewDecoder().Decode'],
        args: ['receiver'],
        when: (call) => decodesIntoInterface(call),
        message:
          'gob decoding of attacker data into an interface instantiates attacker-chosen registered types',
      },
    ],
  },
});
