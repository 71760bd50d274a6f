import type { SyntaxNode } from 'tree-sitter';
import type { CallView, NodeQuery, PickedArg } from '../../api.js';
import { defineDetector } from '../../api.js';
import { callParts, guarded, shapeOf, unwrap } from '../shapes.js';
import { SQL_SANITIZERS } from '../sql-shapes.js';

/** Arguments that are not SQL text: structs, maps, objects, comparisons, closures. */
const NOT_TEXT =
  /^(composite_literal|unary_expression|object|dictionary|array|list|func_literal|arrow_function|function_expression|lambda|comparison_operator|binary_expression_cmp|true|false|none|null|nil|number|integer|float|int_literal)$/;

/** The string fragment an argument contributes: the built pieces, or the whole value when it is not a literal. */
function fragment(arg: SyntaxNode, q: NodeQuery): PickedArg[] {
  const n = unwrap(arg);
  if (NOT_TEXT.test(n.type) || q.stringValue(n) !== null) return [];
  if (
    n.type === 'binary_expression' &&
    /^(==|===|!=|!==|<|>|<=|>=)$/.test(n.childForFieldName('operator')?.text ?? '')
  )
    return [];
  const shape = shapeOf(n, { q, followParams: true });
  if (shape.built) {
    return shape.segs.flatMap((s) =>
      'piece' in s ? [{ node: s.piece, note: 'spliced into a raw SQL fragment' }] : [],
    );
  }
  if (shape.segs.every((s) => 'text' in s)) return [];
  return [{ node: n, note: 'used as a raw SQL fragment' }];
}

/** SQLAlchemy: only text()/literal_column() arguments of filter/order_by/... are raw SQL. */
function sqlalchemyText(call: CallView, q: NodeQuery): PickedArg[] {
  const out: PickedArg[] = [];
  for (const a of [...call.args, ...call.kwargs.values()]) {
    const c = callParts(unwrap(a));
    if (!c || !/^(text|literal_column|literal)$/.test(c.name) || !c.args[0]) continue;
    out.push(...fragment(c.args[0], q));
  }
  return out;
}

export default defineDetector({
  id: 'MCP-D004',
  class: 'D',
  languages: ['python', 'javascript', 'typescript', 'go'],
  severity: 'high',
  confidence: 'high',
  cwe: ['CWE-89'],
  title: 'SQL injection through a query-builder raw fragment',
  remediation:
    'Query builders bind values only when you let them: use where("col = ?", value) / where({ col: value }) ' +
    '(gorm, knex), whereRaw("col = ?", [value]), SQLAlchemy column expressions (User.name == value) or ' +
    'text("col = :v").bindparams(v=value); map sort keys and directions through an allowlist before ' +
    'Order()/orderByRaw()/order_by().',
  taint: {
    sinkKind: 'sql',
    sinks: [
      {
        languages: ['go'],
        callee: [
          '*.Where',
          '*.Or',
          '*.Not',
          '*.Order',
          '*.Group',
          '*.Having',
          '*.Joins',
          '*.Distinct',
          '*.Pluck',
        ],
        pick: guarded((call, q) => (call.args[0] ? fragment(call.args[0], q) : []), []),
        when: (call) =>
          !/^(strings|bytes|sort|slices|github\.com\/mark3labs|github\.com\/modelcontextprotocol)\b/.test(
            call.callee,
          ),
        message: 'Tool input becomes part of a raw SQL fragment of the query builder',
      },
      {
        languages: ['javascript', 'typescript'],
        callee: [
          '*.whereRaw',
          '*.orWhereRaw',
          '*.andWhereRaw',
          '*.havingRaw',
          '*.orHavingRaw',
          '*.orderByRaw',
          '*.groupByRaw',
          '*.joinRaw',
          '*.fromRaw',
          '*.selectRaw',
          '*.literal',
          'sequelize.literal',
          '*.Sequelize.literal',
        ],
        pick: guarded((call, q) => (call.args[0] ? fragment(call.args[0], q) : []), []),
        message: 'Tool input becomes part of a raw SQL fragment of the query builder',
      },
      {
        languages: ['python'],
        callee: [
          '*.filter',
          '*.where',
          '*.order_by',
          '*.group_by',
          '*.having',
          '*.select_from',
          '*.join',
          '*.outerjoin',
        ],
        pick: guarded(sqlalchemyText, []),
        message: 'Tool input becomes part of a raw SQL fragment (text()) of the query',
      },
      {
        languages: ['python'],
        callee: ['*.extra', 'django.db.models.expressions.RawSQL', '*.RawSQL'],
        pick: guarded(
          (call, q) =>
            [
              call.args[0],
              call.kwargs.get('where'),
              call.kwargs.get('select'),
              call.kwargs.get('order_by'),
              call.kwargs.get('sql'),
            ]
              .filter((a): a is SyntaxNode => !!a)
              .flatMap((a) => (q.elements(a) ?? [a]).flatMap((e) => fragment(e, q))),
          [],
        ),
        message: 'Tool input becomes part of a raw SQL fragment of the query',
      },
    ],
    sanitizers: SQL_SANITIZERS,
  },
});
