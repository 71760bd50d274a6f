/**
 * SQL execution APIs of every language brought to one question: which argument is the query, and
 * how was it built. Shared by the class D detectors so each stays declarative.
 */
import type { SyntaxNode } from 'tree-sitter';
import type { CallView, GuardSpec, NodeQuery, PickedArg, SanitizerSpec, SinkSpec } from '../api.js';
import {
  callParts,
  FUNCTION_TYPES,
  functionName,
  guarded,
  isTaggedTemplate,
  type PlacedPiece,
  placedPieces,
  type Shape,
  shapeOf,
  textOf,
  unwrap,
  validatedBySwitch,
} from './shapes.js';

const PY = ['python'] as const;
const JS = ['javascript', 'typescript'] as const;
const GO = ['go'] as const;

/** Methods that run a query string (arg 0, or the first string-like argument in Go). */
export const SQL_EXEC_CALLEES = {
  python: [
    '*.execute',
    '*.executemany',
    '*.executescript',
    '*.exec_driver_sql',
    '*.raw',
    '*.fetch',
    '*.fetchrow',
    '*.fetchval',
    '*.read_sql',
    '*.read_sql_query',
    '*.sql',
    '*.command',
  ],
  js: [
    '*.query',
    '*.execute',
    '*.exec',
    '*.prepare',
    '*.run',
    '*.all',
    '*.get',
    '*.each',
    '*.raw',
    '*.$queryRawUnsafe',
    '*.$executeRawUnsafe',
    '*.unsafe',
    '*.sql',
  ],
  go: [
    '*.Query',
    '*.QueryContext',
    '*.QueryRow',
    '*.QueryRowContext',
    '*.Exec',
    '*.ExecContext',
    '*.Prepare',
    '*.PrepareContext',
    '*.Raw',
    '*.Select',
    '*.SelectContext',
    '*.Get',
    '*.GetContext',
    '*.Queryx',
    '*.QueryRowx',
    '*.MustExec',
    '*.NamedExec',
    '*.NamedQuery',
    '*.NewRaw',
  ],
};

/** Namespaces whose `run`/`exec`/`get`/`query` are not databases. */
const NOT_SQL =
  /^(subprocess|child_process|os|re|regexp|Promise|asyncio|requests|httpx|axios|fetch|fs|path|shutil|url|urllib|querystring|node:|execa|shelljs|json|JSON|Object|Map|dict|redis|ioredis|vm|Reflect|process|window|document|localStorage|sessionStorage|express|os\/exec|net\/http|strings|github\.com\/mark3labs|github\.com\/modelcontextprotocol|@modelcontextprotocol|mcp\.server)\b/;

const SQL_TEXT =
  /\b(select\b[\s\S]*\bfrom\b|insert\s+(or\s+\w+\s+)?into\b|update\s+[\w"`.[\]]*\s*(\?|\w)[\s\S]*\bset\b|update\b[\s\S]*\bset\b|delete\s+from\b|replace\s+into\b|create\s+(table|index|view|temp)|drop\s+(table|index|view)|alter\s+table|truncate\s+table|pragma\s+\w|where\s|order\s+by|group\s+by)/i;

export function looksLikeSql(text: string): boolean {
  return SQL_TEXT.test(text);
}

const EXEC_RES = {
  python: SQL_EXEC_CALLEES.python.map(globRe),
  js: SQL_EXEC_CALLEES.js.map(globRe),
  go: SQL_EXEC_CALLEES.go.map(globRe),
};

function globRe(glob: string): RegExp {
  return new RegExp(`^${glob.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
}

/** The call is one of the query APIs (for visitors; taint sinks match callees themselves). */
export function isSqlExecCallee(call: CallView): boolean {
  const list =
    call.language === 'python' ? EXEC_RES.python : call.language === 'go' ? EXEC_RES.go : EXEC_RES.js;
  return list.some((r) => r.test(call.callee));
}

export function isSqlCall(call: CallView): boolean {
  if (NOT_SQL.test(call.callee)) return false;
  // drizzle `sql.raw(...)`, `Prisma.raw(...)` build fragments; the call that runs them is the sink.
  if (/(^|\.)(sql|Prisma)\.raw$/.test(call.callee)) return false;
  if (call.language !== 'python' && isTaggedTemplate(call.node)) return false;
  return true;
}

/** The argument(s) that can be the query text. */
export function queryArgs(call: CallView): SyntaxNode[] {
  if (call.language === 'python') {
    const kw =
      call.kwargs.get('sql') ??
      call.kwargs.get('query') ??
      call.kwargs.get('statement') ??
      call.kwargs.get('operation');
    return [call.args[0] ?? kw].filter((n): n is SyntaxNode => !!n);
  }
  if (call.language === 'go') {
    // ctx, &dest and the like come first in Go APIs; the query is the first string-like argument.
    return call.args
      .slice(0, 3)
      .filter(
        (a) =>
          !/^(ctx|c|context\.\w+\(\)|&.*|r\.Context\(\)|req\.Context\(\)|request\.Context\(\))$/.test(a.text),
      );
  }
  return call.args.slice(0, 1);
}

export type Position = 'value' | 'identifier' | 'statement';

/** Where a spliced piece sits in the SQL text: a value or an identifier/keyword (table, column, ORDER BY). */
export function positionOf(p: PlacedPiece): Position {
  const before = p.before.replace(/\s+$/, '').toLowerCase();
  const after = p.after.replace(/^\s+/, '').toLowerCase();
  // A whole caller-supplied statement, wrapped: `SELECT * FROM (${sql}) LIMIT 100`, `EXPLAIN ${sql}`,
  // `${sql} LIMIT 100`. Raw-SQL tools are MCP-D002's business, not an injection into a query.
  if (
    (before === '' && (after === '' || /^(limit|order|offset|;|\))/.test(after))) ||
    /\bfrom\s*\($|\bexplain(\s+analyze|\s+query\s+plan)?$|\bwith\s+\w+\s+as\s*\($/.test(before)
  )
    return 'statement';
  if (/['"]%?$/.test(before) || /^%?['"]/.test(after)) return 'value';
  if (/\bvalues\s*\([^)]*$/.test(before) || /\bin\s*\($/.test(before)) return 'value';
  // `WHERE {col} = ?` / `AND {col} LIKE`: a column on the left of a comparison.
  if (
    /^(=|<|>|!=|<>|\blike\b|\bin\b|\bis\b|\bbetween\b|\bilike\b)/.test(after) &&
    /(\bwhere|\band|\bor|\(|,|\bselect|\bon|\bset)$/.test(before)
  )
    return 'identifier';
  if (
    /\b(sum|count|avg|min|max|table_info|index_list|foreign_key_list|distinct|coalesce|group_concat|string_agg)\s*\($/.test(
      before,
    )
  )
    return 'identifier';
  if (
    /(=|<|>|\blike|\blimit|\boffset|\bbetween|\band|\bor|\bnot|\bis|\+|-|\*|\/|\(|\bset|\bthen|\belse|\bwhen|\bin)$/.test(
      before,
    )
  ) {
    // `WHERE {col} = ?` / `AND {col} LIKE`: a column on the left of a comparison.
    if (
      /^(=|<|>|!=|<>|\blike\b|\bin\b|\bis\b|\bbetween\b|\bilike\b)/.test(after) &&
      /(\bwhere|\band|\bor|\()$/.test(before)
    )
      return 'identifier';
    if (/\bset$/.test(before) && /^=/.test(after)) return 'identifier';
    return 'value';
  }
  if (
    /(\bfrom|\bjoin|\binto|\bupdate|\btable|\bexists|\bby|\bselect|\bdistinct|,|\.|`|\bas|\bon|\basc|\bdesc|\bindex|\bview|\bpragma|\btruncate|\?)$/.test(
      before,
    )
  ) {
    if (/^(=|<|>|!=|<>)/.test(after) && /,$/.test(before) && /\bvalues\b/.test(before)) return 'value';
    return 'identifier';
  }
  if (before === '') return /^(from|where|,|\s*=)/.test(after) ? 'identifier' : 'value';
  return 'value';
}

export interface SqlPick {
  shape: Shape;
  text: string;
  pieces: PlacedPiece[];
  arg: SyntaxNode;
}

/** The built query arguments of a call: shape, text and spliced pieces. */
export function builtQueries(call: CallView, q: NodeQuery): SqlPick[] {
  if (!isSqlCall(call)) return [];
  const out: SqlPick[] = [];
  for (const arg of queryArgs(call)) {
    const shape = shapeOf(arg, { q, followParams: true });
    if (!shape.built) {
      const imported = importedBuilder(arg, call);
      if (imported) out.push(imported);
      continue;
    }
    const text = textOf(shape);
    if (!looksLikeSql(text)) continue;
    out.push({ shape, text, pieces: placedPieces(shape).filter((p) => !validatedBySwitch(p.node)), arg });
  }
  return out;
}

const STRONG_SQL_API =
  /\.(execute|executemany|executescript|exec_driver_sql|query|Query|QueryContext|QueryRow|QueryRowContext|Exec|ExecContext|raw|Raw|\$queryRawUnsafe|\$executeRawUnsafe|prepare|fetch|fetchrow|fetchval|read_sql|read_sql_query)$/;

/**
 * `cursor.execute(orders_for(customer))` where `orders_for` comes from another module of the project
 * (relative import, or a Go function of the same package): it builds the query text there. The engine's
 * summaries carry the taint through its return value; the piece is the call.
 */
function importedBuilder(arg: SyntaxNode, call: CallView): SqlPick | null {
  if (!STRONG_SQL_API.test(call.callee)) return null;
  const n = unwrap(arg);
  const c = callParts(n);
  if (!c || c.receiver || c.args.length + c.kwargs.size === 0 || c.callee.type !== 'identifier') return null;
  const root = n.tree.rootNode;
  const name = c.name;
  if (root.descendantsOfType([...FUNCTION_TYPES]).some((f) => functionName(f) === name)) return null;
  const escaped = name.replace(/[$]/g, '\\$');
  const local =
    call.language === 'python'
      ? new RegExp(`from\\s+\\.[\\w.]*\\s+import\\s+[^\\n]*\\b${escaped}\\b`).test(root.text)
      : call.language === 'go'
        ? !/^(len|cap|append|make|new|string|int|int64|float64|byte|rune|min|max|copy|panic|print|println)$/.test(
            name,
          )
        : new RegExp(`import\\s*\\{[^}]*\\b${escaped}\\b[^}]*\\}\\s*from\\s*['"]\\.`).test(root.text) ||
          new RegExp(`\\b${escaped}\\b[^\\n]*=\\s*require\\(\\s*['"]\\.`).test(root.text);
  if (!local) return null;
  const shape: Shape = { built: true, segs: [{ piece: n }] };
  return { shape, text: '', pieces: [{ node: n, before: 'where x = ', after: '' }], arg };
}

export function sqlSinks(
  message: string,
  rawPick: (call: CallView, q: NodeQuery) => PickedArg[],
): SinkSpec[] {
  const pick = guarded(rawPick, []);
  return [
    { languages: PY, callee: SQL_EXEC_CALLEES.python, message, pick },
    { languages: JS, callee: SQL_EXEC_CALLEES.js, message, pick },
    { languages: GO, callee: SQL_EXEC_CALLEES.go, message, pick },
  ];
}

/** Allowlists written as literal collections: `x not in ("a", "b")`, `!['a', 'b'].includes(x)`. */
export const LITERAL_ALLOWLIST_GUARDS: GuardSpec[] = [
  {
    languages: PY,
    pattern: /^\s*[\w.]+(\.\w+\(\))*\s+in\s+(\([^()]*\)|\[[^[\]]*\]|\{[^{}]*\})\s*$/,
    meaning: 'valid',
    clears: ['sql', 'sql-identifier'],
  },
  {
    languages: JS,
    pattern: /^\s*\[[^[\]]*\]\.includes\(\s*[\w.]+(\.\w+\(\))*\s*\)\s*$/,
    meaning: 'valid',
    clears: ['sql', 'sql-identifier'],
  },
];

/** Quoting functions of the drivers: values for 'sql', identifiers for both kinds. */
export const SQL_SANITIZERS: SanitizerSpec[] = [
  {
    languages: PY,
    callee: [
      'psycopg*.sql.Literal',
      'sql.Literal',
      '*.escape_string',
      '*.escape_literal',
      'pymysql.converters.escape_string',
      '*.mogrify',
      '*.literal',
    ],
    clears: ['sql'],
  },
  {
    languages: PY,
    callee: [
      'psycopg*.sql.Identifier',
      'sql.Identifier',
      '*.quote_identifier',
      'sqlalchemy.sql.quoted_name',
      '*.quote_ident',
    ],
    clears: ['sql', 'sql-identifier'],
  },
  {
    languages: JS,
    callee: [
      'mysql*.escape',
      'mysql*.format',
      'sqlstring.escape',
      'sqlstring.format',
      '*.escapeLiteral',
      'pg-format',
      'pg-format.literal',
      '*connection.escape',
      '*Connection().escape',
      '*Pool().escape',
      '*pool.escape',
      '*conn.escape',
      '*db.escape',
    ],
    clears: ['sql'],
  },
  {
    languages: JS,
    callee: ['*.escapeId', '*.escapeIdentifier', 'pg-format.ident', 'sqlstring.escapeId'],
    clears: ['sql', 'sql-identifier'],
  },
  { languages: GO, callee: ['github.com/lib/pq.QuoteLiteral'], clears: ['sql'] },
  {
    languages: GO,
    callee: ['github.com/lib/pq.QuoteIdentifier', '*.Sanitize', 'github.com/jackc/pgx*.Identifier*'],
    clears: ['sql', 'sql-identifier'],
  },
];
