import type { SyntaxNode } from 'tree-sitter';
import type { CallView, NodeQuery, VisitContext } from '../../api.js';
import { defineDetector } from '../../api.js';
import {
  callersOf,
  callParts,
  enclosingFunction,
  FUNCTION_TYPES,
  functionName,
  guarded,
  shapeOf,
  unwrap,
} from '../shapes.js';
import { isSqlCall, isSqlExecCallee, queryArgs } from '../sql-shapes.js';

/** A keyword check on the statement text: startswith("select"), /^\s*select/i.test(q), first word in {...}. */
const PREFIX_CHECK =
  /(startswith|startsWith|HasPrefix|match|test|search|split|Fields|\bin\b|includes|Contains|==)/;
const READ_KEYWORD = /\b(select|with|show|explain|describe|pragma)\b/i;
const WRITE_KEYWORDS =
  /\b(insert|update|delete|drop|alter|truncate|create|replace|grant|attach)\b[\s\S]*\b(insert|update|delete|drop|alter|truncate|create|replace|grant|attach)\b/i;

const WRITE_LITERAL =
  /["'`/(|]\s*\\?b?(insert|update|delete|drop|alter|truncate|create|replace|grant|attach)\b/i;

/** Enforcement the detector accepts: a read-only connection, session or transaction, or a real SQL parser. */
const ENFORCED =
  /mode=ro\b|immutable=1|query_only|OPEN_READONLY|readonly\s*[:=]\s*(true|True)|read_only\s*[:=]\s*(true|True)|readOnly\s*:\s*true|ReadOnly\s*:\s*true|AccessMode:\s*pgx\.ReadOnly|set_session\([^)]*readonly\s*=\s*True|set_read_only\(\s*True|postgresql_readonly|READ\s+ONLY|default_transaction_read_only|\.reader\b|sqlglot|pglast|pgsql-ast-parser|node-sql-parser|pg-query|pg_query|vitess\.io\/vitess\/go\/vt\/sqlparser|xwb1989\/sqlparser|sqlparse\.parse[\s\S]*get_type/;

function conditionsIn(fn: SyntaxNode): { cond: SyntaxNode; consequence: SyntaxNode | null }[] {
  return fn
    .descendantsOfType(['if_statement'])
    .map((n) => ({
      cond: n.childForFieldName('condition') as SyntaxNode,
      consequence: n.childForFieldName('consequence'),
    }))
    .filter((c) => !!c.cond);
}

function constantText(root: SyntaxNode, cond: string): string {
  // `if not q.upper().startswith(READ_PREFIXES)`: read the constant's definition.
  let out = cond;
  for (const m of cond.matchAll(/\b[A-Z][A-Z0-9_]{2,}\b/g)) {
    const def = root
      .descendantsOfType(['assignment', 'variable_declarator', 'const_spec', 'var_spec'])
      .find((d) => {
        const left = d.childForFieldName('left') ?? d.childForFieldName('name');
        return left?.text === m[0];
      });
    if (def) out += ` ${def.text}`;
  }
  return out;
}

function contains(outer: SyntaxNode, inner: SyntaxNode): boolean {
  return outer.startIndex <= inner.startIndex && inner.endIndex <= outer.endIndex;
}

/** The statement runs on the way to `sink`: it ends before it, in a block that also holds the sink. */
function onPathTo(stmt: SyntaxNode, sink: SyntaxNode): boolean {
  return stmt.endIndex <= sink.startIndex && !!stmt.parent && contains(stmt.parent, sink);
}

function statementOf(node: SyntaxNode, fn: SyntaxNode): SyntaxNode {
  let n = node;
  while (n.parent && n.parent.id !== fn.id && !/^(block|statement_block|module)$/.test(n.parent.type))
    n = n.parent;
  return n;
}

/**
 * A read-only keyword check guarding `sink` in `fn` (anywhere in `fn` when `sink` is null: a validator helper):
 * `if not q.lower().startswith("select"): raise`, `if (/^select/i.test(sql)) { ...sink... }`, a write-keyword blocklist.
 */
function hasKeywordCheck(fn: SyntaxNode, sink: SyntaxNode | null, seen: Set<number>): boolean {
  if (seen.has(fn.id)) return false;
  seen.add(fn.id);
  const root = fn.tree.rootNode;
  for (const { cond, consequence } of conditionsIn(fn)) {
    if (enclosingFunction(cond)?.id !== fn.id) continue;
    const stmt = cond.parent as SyntaxNode;
    const inside = !!sink && !!consequence && contains(consequence, sink);
    if (sink && !inside && !onPathTo(stmt, sink)) continue;
    const text = constantText(root, cond.text);
    // `not q.startswith(...)`, `!re.test(q)`, `first !== 'SELECT'`, `kw not in READ_ONLY`: rejects non-reads.
    const negated = /^\s*\(?\s*(not\s|!)/.test(cond.text) || /\bnot in\b|!==?|<>/.test(cond.text);
    if (PREFIX_CHECK.test(text) && READ_KEYWORD.test(text) && (negated || inside || !sink)) return true;
    // A blocklist of writing keywords: `if "drop" in q.lower() or ...: raise`, `if (/\b(drop|delete)\b/i.test(q)) throw`.
    if ((WRITE_KEYWORDS.test(text) || (WRITE_LITERAL.test(text) && PREFIX_CHECK.test(text))) && !inside)
      return true;
  }
  // A validator helper of the same file: ensure_read_only(sql), isReadOnly(sql).
  for (const call of fn.descendantsOfType(['call', 'call_expression'])) {
    if (sink && !contains(statementOf(call, fn), sink) && !onPathTo(statementOf(call, fn), sink)) continue;
    const p = callParts(call);
    if (!p) continue;
    for (const def of root.descendantsOfType([...FUNCTION_TYPES])) {
      if (functionName(def) !== p.name || def.id === fn.id) continue;
      if (hasKeywordCheck(def, null, seen)) return true;
      // `def is_read_only(sql): return sql.lower().startswith("select")` used as `if not is_read_only(sql)`.
      const body = def.childForFieldName('body')?.text ?? '';
      if (
        /read.?only|select|safe|valid|allowed|readonly/i.test(p.name) &&
        PREFIX_CHECK.test(body) &&
        READ_KEYWORD.test(body)
      )
        return true;
    }
  }
  return false;
}

/** better-sqlite3 prepare() compiles exactly one statement; a SELECT cannot write in SQLite. */
function singleStatementApi(call: CallView): boolean {
  return (
    /^better-sqlite3\(\)\.prepare/.test(call.callee) ||
    (/\.prepare$/.test(call.callee) && /better-sqlite3/.test(call.node.tree.rootNode.text.slice(0, 2000)))
  );
}

function keywordChecked(arg: SyntaxNode, q: NodeQuery): boolean {
  const fn = enclosingFunction(arg);
  if (!fn) return false;
  if (hasKeywordCheck(fn, arg, new Set())) return true;
  // A helper that receives the statement: the check lives in its callers.
  const shape = shapeOf(arg, { q });
  if (!shape.param) return false;
  const name = functionName(fn);
  if (!name) return false;
  return callersOf(fn.tree.rootNode, name).some((c) => {
    const outer = enclosingFunction(c);
    return !!outer && outer.id !== fn.id && hasKeywordCheck(outer, c, new Set());
  });
}

/**
 * The code that sets up the connection the sink uses: the sink's function and the same-file functions it
 * calls (get_conn()), its class, its callers (for helpers), and the module's top level — not unrelated tools.
 */
function setupText(call: CallView): string {
  const root = call.node.tree.rootNode;
  const parts: string[] = [];
  for (const top of root.namedChildren) {
    const inner = top.type === 'decorated_definition' ? top.namedChildren.at(-1) : top;
    // Functions are skipped unless they open connections (main(), init(), get_conn(), lifespan hooks).
    const opensConnection =
      /sql\.Open|sqlx\.(Open|Connect)|gorm\.Open|pgx\w*\.(Connect|New)|\bconnect\(|create_engine|create_pool|createPool|createConnection|new (Database|pg\.Pool|Pool|Client)\b/;
    const handler =
      top.type === 'decorated_definition' ||
      /CallToolRequest/.test(inner?.childForFieldName('parameters')?.text ?? '');
    if (
      inner &&
      (FUNCTION_TYPES.has(inner.type) || inner.type === 'method_declaration') &&
      (handler || !opensConnection.test(inner.text))
    )
      continue;
    if (
      top.type === 'expression_statement' &&
      /\.(tool|registerTool|setRequestHandler|AddTool)\(/.test(top.text)
    )
      continue;
    if (
      /class/.test(top.type) &&
      !(top.startIndex <= call.node.startIndex && call.node.endIndex <= top.endIndex)
    )
      continue;
    parts.push(top.text);
  }
  const fns: SyntaxNode[] = [];
  const fn = enclosingFunction(call.node);
  if (fn) {
    fns.push(fn);
    const name = functionName(fn);
    if (name)
      for (const c of callersOf(root, name)) {
        const outer = enclosingFunction(c);
        if (outer) fns.push(outer);
      }
  }
  for (const f of [...fns]) {
    for (const c of f.descendantsOfType(['call', 'call_expression'])) {
      const p = callParts(c);
      const def = p
        ? root.descendantsOfType([...FUNCTION_TYPES]).find((d) => functionName(d) === p.name)
        : undefined;
      if (def && !fns.includes(def)) fns.push(def);
    }
  }
  return [...parts, ...fns.map((f) => f.text)].join('\n');
}

function check(call: CallView, ctx: VisitContext): void {
  if (!isSqlExecCallee(call) || !isSqlCall(call) || singleStatementApi(call)) return;
  if (ENFORCED.test(setupText(call))) return;
  for (const arg of queryArgs(call)) {
    const n = unwrap(arg);
    if (/^(ctx|&)/.test(n.text) || ctx.q.stringValue(n) !== null) continue;
    const isValue = (x: SyntaxNode) =>
      x.type === 'identifier' || /member|attribute|selector|subscript/.test(x.type);
    const shape = shapeOf(n, { q: ctx.q });
    // The statement itself, or the statement wrapped (`EXPLAIN ${sql}`, `SELECT * FROM (${sql}) LIMIT 100`).
    const statements = shape.built
      ? shape.segs.flatMap((g) => ('piece' in g && isValue(unwrap(g.piece)) ? [unwrap(g.piece)] : []))
      : isValue(n)
        ? [n]
        : [];
    if (!statements.some((x) => keywordChecked(x, ctx.q))) continue;
    ctx.report(call.node, {
      message:
        'Caller-supplied SQL is executed after a keyword check only: stacked statements, data-modifying CTEs or ' +
        'side-effecting functions get past it; enforce read-only in the database',
    });
    return;
  }
}

export default defineDetector({
  id: 'MCP-D002',
  class: 'D',
  languages: ['python', 'javascript', 'typescript', 'go'],
  severity: 'high',
  confidence: 'high',
  cwe: ['CWE-89', 'CWE-285'],
  title: '"Read-only" SQL tool enforced by a keyword check',
  remediation:
    'A SELECT-prefix, first-keyword or blocklist check does not make caller-supplied SQL read-only (stacked ' +
    'statements "SELECT 1; DROP TABLE x", data-modifying CTEs, side-effecting functions, SELECT ... INTO). ' +
    'Enforce it in the database: open the connection read-only (sqlite "file:db?mode=ro", PRAGMA query_only, ' +
    'OPEN_READONLY, better-sqlite3 { readonly: true }), run inside a READ ONLY transaction (SET TRANSACTION READ ONLY, ' +
    'sql.TxOptions{ReadOnly: true}, psycopg set_session(readonly=True)), use a read-only database role, or validate ' +
    'with a real SQL parser (sqlglot, pgsql-ast-parser, node-sql-parser).',
  visitors: { onCall: guarded(check, undefined) },
});
