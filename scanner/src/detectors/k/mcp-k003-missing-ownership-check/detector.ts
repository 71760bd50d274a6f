import type { SyntaxNode } from 'tree-sitter';
import { defineDetector } from '../../api.js';

/** Parameters that name one record of some user or tenant. */
const OBJECT_ID =
  /^(user|account|customer|order|invoice|payment|document|doc|file|project|tenant|org|organization|workspace|record|ticket|message|note|report|profile|booking|patient|conversation|thread)_?id$/i;
/** Data-access calls that look a record up. */
const LOOKUP =
  /(\.(execute|fetchone|fetchall|query|queryRow|QueryRow|QueryRowContext|Query|QueryContext|get|Get|find_one|findOne|findUnique|findFirst|findById|filter_by|filter|where|Where|First|Take)|^(sqlite3|psycopg2?)\.\w+)$/;
/** Something in the handler relates the record to the caller. */
const OWNERSHIP =
  /\b(owner\w*|tenant\w*|current_?user|authInfo|auth_info|get_access_token|access_token|claims|principal|caller\w*|created_by|createdBy|user_?id\s*(=|==|===)\s*(ctx|req|request|auth|session|token|claims)|req\.user|req\.auth|request\.user|session\.user|ctx\.Value)\b/;

const FUNCTION_TYPES = new Set([
  'function_definition',
  'function_declaration',
  'arrow_function',
  'function_expression',
  'method_declaration',
  'func_literal',
]);

function handlerOf(node: SyntaxNode): SyntaxNode | null {
  let fn: SyntaxNode | null = null;
  for (let n = node.parent; n; n = n.parent) if (FUNCTION_TYPES.has(n.type)) fn = n;
  return fn;
}

interface Use {
  lookupArgs: string[];
  owned: boolean;
}
const seen = new Map<string, Use>();

export default defineDetector({
  id: 'MCP-K003',
  class: 'K',
  languages: ['python', 'javascript', 'typescript', 'go'],
  severity: 'high',
  confidence: 'low',
  cwe: ['CWE-639', 'CWE-862'],
  title: 'Record looked up by a client-supplied id without an ownership or tenant check (IDOR)',
  remediation:
    'Scope every lookup by the authenticated caller: add `AND owner_id = ?` (or the tenant) with the id from the ' +
    'verified token/session, or check the loaded record belongs to the caller before returning or changing it.',
  visitors: {
    onCall: (call, ctx) => {
      if (!ctx.tool || !LOOKUP.test(call.callee)) return;
      const key = `${ctx.file}\0${ctx.tool}`;
      const use = seen.get(key) ?? { lookupArgs: [], owned: false };
      use.lookupArgs.push(call.args.map((a) => ctx.q.text(a)).join(' '));
      const handler = handlerOf(call.node);
      if (handler && OWNERSHIP.test(ctx.q.text(handler))) use.owned = true;
      seen.set(key, use);
    },
    onSurface: (ctx) => {
      const uses = new Map(seen);
      seen.clear();
      const network = ctx.surface.transports.some((t) => t.kind !== 'stdio');
      if (!network) return; // a stdio server serves one user: there is nobody else's record to reach
      for (const tool of ctx.surface.tools) {
        const use = uses.get(`${tool.location.file}\0${tool.name}`);
        if (!use || use.owned) continue;
        const ids = tool.parameters.map((p) => p.name).filter((n) => OBJECT_ID.test(n));
        // account_id is read into accountID / accountId in Go and JS handlers.
        const used = ids.find((id) =>
          use.lookupArgs.some((a) => new RegExp(`\\b${id.replace(/_/g, '_?')}\\b`, 'i').test(a)),
        );
        if (!used) continue;
        ctx.report(tool, {
          message: `Tool "${tool.name}" loads a record by the client-supplied "${used}" and nothing in its handler checks the record belongs to the caller: any user can read or change another user's data`,
        });
      }
    },
  },
});
