import { defineDetector } from '../../api.js';
import {
  builtQueries,
  LITERAL_ALLOWLIST_GUARDS,
  positionOf,
  SQL_SANITIZERS,
  sqlSinks,
} from '../sql-shapes.js';

export default defineDetector({
  id: 'MCP-D003',
  class: 'D',
  languages: ['python', 'javascript', 'typescript', 'go'],
  severity: 'high',
  confidence: 'high',
  cwe: ['CWE-89'],
  title: 'SQL identifier injection (table, column or ORDER BY from tool input)',
  remediation:
    'Placeholders cannot bind table or column names: check the name against an allowlist of known tables/columns ' +
    '(if table not in ALLOWED: raise / ALLOWED.includes(col) / a map lookup), or quote it with the driver ' +
    '(psycopg sql.Identifier, mysql escapeId, pq.QuoteIdentifier); map sort directions to the constants ASC/DESC.',
  taint: {
    sinkKind: 'sql-identifier',
    sinks: sqlSinks('A table/column name or SQL keyword from input is spliced into a query', (call, q) =>
      builtQueries(call, q).flatMap((b) =>
        b.pieces
          .filter((p) => positionOf(p) === 'identifier')
          .map((p) => ({ node: p.node, note: 'as an identifier' })),
      ),
    ),
    sanitizers: SQL_SANITIZERS,
    guards: LITERAL_ALLOWLIST_GUARDS,
  },
});
