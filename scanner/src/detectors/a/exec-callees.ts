import type { Language } from '../../types.js';
import {
  GO_EXEC,
  JS_SHELL_CALLS,
  JS_SPAWN_CALLS,
  PY_EXEC_VARIADIC,
  PY_SHELL_CALLS,
  PY_SUBPROCESS,
} from './command-shapes.js';

/** Every process-spawning callee, per language, for the sink lists of A001/A002/A006. */
export const EXEC_SINKS: { languages: Language[]; callee: string[] }[] = [
  { languages: ['python'], callee: [...PY_SHELL_CALLS, ...PY_SUBPROCESS, ...PY_EXEC_VARIADIC] },
  { languages: ['javascript', 'typescript'], callee: [...JS_SHELL_CALLS, ...JS_SPAWN_CALLS] },
  { languages: ['go'], callee: GO_EXEC },
];
