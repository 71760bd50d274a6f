import type { SyntaxNode } from 'tree-sitter';
import type { NodeQuery } from '../../api.js';
import { defineDetector } from '../../api.js';

const FIELD =
  '(role|roles|user_?role|is_?admin|isAdmin|admin|is_?superuser|isSuperuser|superuser|permissions?|user_?type|userType|access_?level|accessLevel|privileged|is_?staff|isStaff|tier|plan)';
const FIELD_RE = new RegExp(`^${FIELD}$`, 'i');
/** A client-controlled container followed by a privilege field. */
const CLIENT_FIELD = new RegExp(
  `\\b(args|arguments|params|input|body|payload|request\\.params\\.arguments|req\\.(body|query|params|headers)|request\\.(json|args|form|values|headers|body|query)|r\\.(URL\\.Query\\(\\)|Header|Form))` +
    `\\s*(\\?\\.|\\.|\\[\\s*['"]|\\.get\\(\\s*['"]|\\.Get\\(\\s*"|\\.get\\(\\s*)\\s*['"]?(x-)?(user-)?${FIELD}['"\\b]`,
  'i',
);
const GO_GETTER = new RegExp(
  `\\b\\w+\\.(GetString|GetBool|RequireString|RequireBool|GetStringSlice)\\(\\s*"${FIELD}"`,
  'i',
);
const GO_TYPED =
  /\b(args|input|params|in|req)\.(Role|Roles|IsAdmin|Admin|Superuser|Permissions?|UserType|AccessLevel|Privileged|IsStaff)\b/;

const FUNCTION_TYPES = new Set([
  'function_definition',
  'function_declaration',
  'arrow_function',
  'function_expression',
  'method_declaration',
  'func_literal',
]);

function enclosingFunction(node: SyntaxNode): SyntaxNode | null {
  for (let n = node.parent; n; n = n.parent) if (FUNCTION_TYPES.has(n.type)) return n;
  return null;
}

/** The function is a tool handler and `name` is one of its (tool-argument) parameters. */
function isToolParam(name: string, fn: SyntaxNode | null, language: string): boolean {
  if (!fn) return false;
  const params = fn.childForFieldName('parameters') ?? fn.childForFieldName('parameter');
  if (!params || !new RegExp(`\\b${name}\\b`).test(params.text)) return false;
  if (language === 'python') {
    const decorated = fn.parent?.type === 'decorated_definition' ? fn.parent : null;
    return (
      !!decorated && /@\w+(\.\w+)*\.tool\(/.test(decorated.text.slice(0, decorated.text.indexOf('def ')))
    );
  }
  if (language === 'go') return false;
  const call = fn.parent?.type === 'arguments' ? fn.parent.parent : null;
  return /\.(tool|registerTool)$/.test(call?.childForFieldName('function')?.text ?? '');
}

/** The right-hand side of the last `name = …` / `name := …` / `const name = …` before `at` in `fn`. */
function lastAssignment(name: string, fn: SyntaxNode | null, at: SyntaxNode): string | null {
  const body = fn?.childForFieldName('body');
  if (!body) return null;
  const before = body.text.slice(0, Math.max(0, at.startIndex - body.startIndex));
  const re = new RegExp(
    `(?:^|[\\s;(,{])${name}\\s*(?::\\s*[\\w\\[\\]|. ]+)?(?::=|=(?!=))\\s*([^\\n;]+)`,
    'g',
  );
  let last: string | null = null;
  for (const m of before.matchAll(re)) last = m[1] ?? null;
  return last;
}

function clientSupplied(node: SyntaxNode, q: NodeQuery, language: string, fn: SyntaxNode | null): boolean {
  const text = q.text(node);
  if (CLIENT_FIELD.test(text) || GO_GETTER.test(text) || GO_TYPED.test(text)) return true;
  for (const id of node.descendantsOfType(['identifier'])) {
    if (!FIELD_RE.test(id.text)) continue;
    const rhs = lastAssignment(id.text, fn, node);
    if (rhs !== null && (CLIENT_FIELD.test(rhs) || GO_GETTER.test(rhs) || GO_TYPED.test(rhs))) return true;
    if (rhs === null && isToolParam(id.text, fn, language)) return true;
  }
  return false;
}

export default defineDetector({
  id: 'MCP-K001',
  class: 'K',
  languages: ['python', 'javascript', 'typescript', 'go'],
  severity: 'high',
  confidence: 'medium',
  cwe: ['CWE-639', 'CWE-807'],
  title: 'Authorization decided by a role or admin flag the client supplies',
  remediation:
    'Derive roles and permissions from the authenticated identity on the server (the verified token or session, ' +
    'a server-side user record), never from tool arguments, request bodies or headers the caller can set.',
  visitors: {
    onNode: {
      types: ['if_statement'],
      visit: (node, ctx) => {
        const cond = node.childForFieldName('condition');
        if (!cond || !new RegExp(FIELD, 'i').test(ctx.q.text(cond))) return;
        if (!clientSupplied(cond, ctx.q, ctx.language, enclosingFunction(node))) return;
        ctx.report(node, {
          message: `The privilege check \`${ctx.q.text(cond).replace(/\s+/g, ' ').slice(0, 80)}\` trusts a role or admin flag supplied by the client`,
        });
      },
    },
  },
});
