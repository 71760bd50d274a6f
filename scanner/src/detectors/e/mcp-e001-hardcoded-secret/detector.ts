import type { SyntaxNode } from 'tree-sitter';
import type { VisitContext } from '../../api.js';
import { defineDetector } from '../../api.js';
import { guarded } from '../../d/shapes.js';
import {
  findKnownSecret,
  isTestFile,
  looksLikePassword,
  looksLikeSecretValue,
  NOT_SECRET_NAME,
  redact,
  SECRET_NAME,
  urlCredential,
} from '../secrets.js';

const STRING_TYPES = ['string', 'template_string', 'interpreted_string_literal', 'raw_string_literal'];

/** The name a string literal is bound to: variable, constant, dict key, object property, keyword argument, struct field. */
function boundName(node: SyntaxNode): string | null {
  let n = node;
  let p = n.parent;
  // `"..." + "..."`, `("...")`: climb through concatenation and parentheses.
  while (p && /binary|parenthesized|concatenated_string/.test(p.type)) {
    n = p;
    p = p.parent;
  }
  if (!p) return null;
  switch (p.type) {
    case 'assignment':
    case 'assignment_expression':
    case 'augmented_assignment':
      return p.childForFieldName('left')?.text ?? null;
    case 'variable_declarator':
      return p.childForFieldName('name')?.text ?? null;
    case 'pair':
      // The key itself ('rotateWorkerToken': ...) is a name, not a value.
      if (p.childForFieldName('key')?.id === n.id) return null;
      return p.childForFieldName('key')?.text ?? null;
    case 'keyword_argument':
      return p.childForFieldName('name')?.text ?? null;
    case 'keyed_element':
      if (p.namedChildren[0]?.id === n.id || p.namedChildren[0]?.namedChildren[0]?.id === n.id) return null;
      return p.namedChildren[0]?.text ?? null;
    case 'default_parameter':
    case 'typed_default_parameter':
    case 'assignment_pattern':
      return p.childForFieldName('name')?.text ?? p.childForFieldName('left')?.text ?? null;
    case 'expression_list': {
      const decl = p.parent;
      if (decl && /var_spec|const_spec|short_var_declaration|assignment_statement/.test(decl.type)) {
        const i = p.namedChildren.findIndex((c) => c.id === n.id);
        const names = decl.childForFieldName('left')?.namedChildren ?? decl.childrenForFieldName('name');
        return names[i]?.text ?? names[0]?.text ?? null;
      }
      return null;
    }
    case 'literal_value':
      return null;
    default:
      if (/var_spec|const_spec/.test(p.type)) return p.childForFieldName('name')?.text ?? null;
      return null;
  }
}

function visit(node: SyntaxNode, ctx: VisitContext): void {
  if (node.type === 'string' && node.parent?.type === 'string') return;
  const value = ctx.q.stringValue(node);
  if (value === null) return;
  const test = isTestFile(ctx.file);
  // The literal as written (escapes included), masked in the report's snippet.
  const written = node.text.replace(/^[rRbBuUfF]*("""|'''|["'`])|("""|'''|["'`])$/g, '');
  const known = findKnownSecret(value);
  if (known) {
    const lesser = test || known.kind === 'Stripe test key';
    ctx.report(node, {
      message: `Hard-coded ${known.kind} (${redact(known.match, known.keep)}) in the source`,
      redact: known.kind === 'private key' ? [written] : [known.match],
      ...(lesser ? { confidence: 'medium' as const, severity: 'medium' as const } : {}),
    });
    return;
  }
  const pw = urlCredential(value);
  if (pw) {
    ctx.report(node, {
      message: `Hard-coded password in a connection URL (${redact(value.replace(pw, '****'), 12)})`,
      redact: [pw],
    });
    return;
  }
  if (test) return;
  const raw = boundName(node);
  const name = raw
    ? (raw
        .replace(/^["'`]|["'`]$/g, '')
        .split('.')
        .pop() ?? raw)
    : null;
  if (!name || !SECRET_NAME.test(name) || NOT_SECRET_NAME.test(name)) return;
  const isPassword = /(pass(word|wd|phrase)?|pwd)$|^pass$/i.test(name);
  if (!(isPassword ? looksLikePassword(value) : looksLikeSecretValue(value))) return;
  ctx.report(node, {
    message: `Hard-coded secret assigned to "${name}" (${redact(value, 2)})`,
    redact: [value, written],
    confidence: 'medium',
  });
}

export default defineDetector({
  id: 'MCP-E001',
  class: 'E',
  languages: ['python', 'javascript', 'typescript', 'go'],
  severity: 'high',
  confidence: 'high',
  cwe: ['CWE-798'],
  title: 'Hard-coded secret or token',
  remediation:
    'Remove the secret from the source and rotate it (it is in the history). Read it at run time from the ' +
    'environment (os.environ["X"], process.env.X, os.Getenv("X")) or a secret manager, and keep placeholders ' +
    'such as "<your-key>" in examples.',
  visitors: { onNode: { types: STRING_TYPES, visit: guarded(visit, undefined) } },
});
