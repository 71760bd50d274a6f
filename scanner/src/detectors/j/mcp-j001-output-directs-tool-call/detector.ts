import type { SyntaxNode } from 'tree-sitter';
import { defineDetector } from '../../api.js';

/** An imperative to call a (snake/kebab/camel-case) tool by name. */
const INSTRUCTION =
  /\b(call|invoke|run|use|execute|trigger)\s+(the\s+)?[`'"]?([a-z][a-z0-9]*(?:[_-][a-z0-9]+)+|[a-z]+[A-Z]\w*)[`'"]?\s+(tool|function)\b|\b(now|next|then|immediately|must|should|always)\b[^.\n]{0,40}\b(call|invoke)\s+(the\s+)?[`'"]?([a-z][a-z0-9]*(?:[_-][a-z0-9]+)+)[`'"]?/i;

const STRING_TYPES = ['string', 'template_string', 'interpreted_string_literal', 'raw_string_literal'];

/** The string is (part of) what a tool handler returns, not a description or a log line. */
export function inToolResult(node: SyntaxNode): boolean {
  let n: SyntaxNode | null = node;
  for (let depth = 0; n && depth < 8; depth++, n = n.parent) {
    const t = n.type;
    if (t === 'pair' || t === 'keyword_argument' || t === 'keyed_element') {
      const key =
        (n.childForFieldName('key') ?? n.childForFieldName('name') ?? n.namedChildren[0])?.text ?? '';
      if (/description|title|instructions|prompt/i.test(key)) return false;
      if (/^['"]?(text|Text)['"]?$/.test(key)) return true;
    }
    if (t === 'call_expression' || t === 'call') {
      const fn = (n.childForFieldName('function') ?? n.namedChildren[0])?.text ?? '';
      if (
        /Description|description|log|print|console|logger|Errorf|Sprintf/.test(fn) &&
        !/Result|TextContent/.test(fn)
      )
        return false;
      if (/NewToolResultText|NewToolResultError|TextContent|NewTextContent/.test(fn)) return true;
    }
    if (t === 'return_statement') return true;
    if (
      t === 'function_definition' ||
      t === 'function_declaration' ||
      t === 'arrow_function' ||
      t === 'method_definition'
    )
      return false;
  }
  return false;
}

export default defineDetector({
  id: 'MCP-J001',
  class: 'J',
  languages: ['python', 'javascript', 'typescript', 'go'],
  severity: 'medium',
  confidence: 'medium',
  cwe: ['CWE-441', 'CWE-74'],
  title: 'Tool output instructs the model to call another tool',
  remediation:
    'Return data, not instructions: a tool result that tells the model which tool to call next steers the agent ' +
    'without the user (cross-tool escalation). Let the user or the client decide follow-up actions; describe ' +
    'relationships between tools in their descriptions instead.',
  visitors: {
    onNode: {
      types: STRING_TYPES,
      visit: (node, ctx) => {
        // Nested strings (a template inside a string) are visited once, at the outermost string.
        if (STRING_TYPES.includes(node.parent?.type ?? '')) return;
        const text = ctx.q.text(node);
        const m = INSTRUCTION.exec(text);
        if (!m || !inToolResult(node)) return;
        const target = m[3] ?? m[8] ?? 'another tool';
        ctx.report(node, {
          message: `A tool result tells the model to call "${target}": output of one tool steers the agent into another`,
        });
      },
    },
  },
});
