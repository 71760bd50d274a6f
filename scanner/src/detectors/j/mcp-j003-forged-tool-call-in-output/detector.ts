import { defineDetector } from '../../api.js';
import { inToolResult } from '../mcp-j001-output-directs-tool-call/detector.js';

/** Markup that clients and models treat as a tool call or as another conversation turn. */
const FORGERY: [RegExp, string][] = [
  [/<\s*(function_calls|antml:invoke|tool_call|tool_use|invoke\s+name=)/i, 'tool-call markup'],
  [/\{\s*\\?["']?(tool_name|toolName|function_call|tool_calls)\\?["']?\s*:/, 'a JSON tool call'],
  [/"type"\s*:\s*"tool_use"|'type'\s*:\s*'tool_use'/, 'a tool_use block'],
  [
    /(^|\\n|\n)\s*(SYSTEM|System|Assistant|ASSISTANT|Human|USER)\s*:|<\|im_start\|>|\[INST\]|<\s*system\s*>/,
    'a forged system or conversation turn',
  ],
];

const STRING_TYPES = ['string', 'template_string', 'interpreted_string_literal', 'raw_string_literal'];

export default defineDetector({
  id: 'MCP-J003',
  class: 'J',
  languages: ['python', 'javascript', 'typescript', 'go'],
  severity: 'high',
  confidence: 'medium',
  cwe: ['CWE-74', 'CWE-441'],
  title: 'Tool output forges a tool call or a system/assistant turn',
  remediation:
    'Return plain data from tools. Output that imitates tool-call markup, tool_use JSON or a system/assistant ' +
    'turn tries to make the model (or a naive client) run another tool as if the user had asked.',
  visitors: {
    onNode: {
      types: STRING_TYPES,
      visit: (node, ctx) => {
        if (STRING_TYPES.includes(node.parent?.type ?? '')) return;
        const text = ctx.q.text(node);
        const hit = FORGERY.find(([re]) => re.test(text));
        if (!hit || !inToolResult(node)) return;
        ctx.report(node, {
          message: `A tool result contains ${hit[1]}: it can make the agent call tools on the server's behalf`,
        });
      },
    },
  },
});
