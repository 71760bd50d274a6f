/** Shared helpers of the G (tool poisoning) detectors: every description text a tool exposes. */
import type { McpTool } from '../../types.js';

export interface DescribedText {
  /** "description" or `parameter "x"`. */
  where: string;
  text: string;
}

/** The tool description and every parameter description: all of them reach the model. */
export function describedTexts(tool: McpTool): DescribedText[] {
  const out: DescribedText[] = [];
  if (tool.description) out.push({ where: 'description', text: tool.description });
  for (const p of tool.parameters) {
    if (p.description) out.push({ where: `parameter "${p.name}" description`, text: p.description });
  }
  return out;
}
