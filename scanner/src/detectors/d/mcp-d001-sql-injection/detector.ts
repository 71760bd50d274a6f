import { defineDetector } from '../../api.js';
import {
  builtQueries,
  LITERAL_ALLOWLIST_GUARDS,
  positionOf,
  SQL_SANITIZERS,
  sqlSinks,
} from '../sql-shapes.js';

export default defineDetector({
  id: 'MCP-D001',
  class: 'D',
  languages: ['python', 'javascript', 'typescript', 'go'],
  severity: 'critical',
  confidence: 'high',
  cwe: ['CWE-89'],
  title: 'SQL injection through a string-built query',
  remediation:
    'Never splice tool arguments into SQL text. Pass values as bound parameters: placeholders (?, $1, %s, :name) ' +
    'with a separate parameters argument (cursor.execute(sql, (value,)), db.query(sql, [value]), ' +
    'db.QueryContext(ctx, sql, value)), prisma tagged-template $queryRaw, or a query builder; ' +
    'convert numbers with int()/Number()/strconv.Atoi before use.',
  taint: {
    sinkKind: 'sql',
    sinks: sqlSinks('A query built from strings is executed', (call, q) =>
      builtQueries(call, q).flatMap((b) =>
        b.pieces
          .filter((p) => positionOf(p) === 'value')
          .map((p) => ({ node: p.node, note: 'spliced into the SQL text' })),
      ),
    ),
    sanitizers: SQL_SANITIZERS,
    guards: LITERAL_ALLOWLIST_GUARDS,
  },
});
