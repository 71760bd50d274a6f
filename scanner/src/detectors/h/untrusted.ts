/**
 * Shared by the H (prompt injection) detectors: the calls that mark external content as untrusted data
 * before it reaches the model (a delimiter with a random boundary, "spotlighting", a sanitizer that strips
 * instructions), under the sink kind 'prompt'.
 */
import type { SanitizerSpec } from '../api.js';

export const PROMPT_SANITIZERS: readonly SanitizerSpec[] = [
  {
    languages: ['python', 'javascript', 'typescript', 'go'],
    callee: [
      '*untrusted*',
      '*Untrusted*',
      '*spotlight*',
      '*Spotlight*',
      '*quarantine*',
      '*Quarantine*',
      '*sanitize_prompt*',
      '*sanitizePrompt*',
      '*SanitizePrompt*',
      '*strip_instructions*',
      '*stripInstructions*',
      '*StripInstructions*',
    ],
    clears: ['prompt'],
  },
];
