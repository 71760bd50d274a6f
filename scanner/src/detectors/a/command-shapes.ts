/**
 * Process-spawning calls of every language brought to one shape (shell string, or program plus
 * argv), so the command-injection detectors of class A stay declarative.
 */
import type { SyntaxNode } from 'tree-sitter';
import type { CallView, NodeQuery } from '../api.js';

export interface CommandShape {
  /** The string a shell will interpret, when there is one. */
  shellString: SyntaxNode[];
  program: SyntaxNode | null;
  /** argv elements after the program; null when only the whole list is known. */
  argv: SyntaxNode[] | null;
  /** The list expression itself when its elements are unknown (built by append/push). */
  argvWhole: SyntaxNode | null;
}

/** Shells reached as a program: `sh -c "<string>"` is a shell string again. */
export const SHELLS = /^(?:.*[/\\])?(sh|bash|zsh|dash|ksh|fish|cmd|cmd\.exe|powershell|pwsh)$/i;

/** Tools whose options can run commands or write files (git --upload-pack, ssh -oProxyCommand, curl -o …). */
export const OPTION_SENSITIVE_TOOLS =
  /^(?:.*[/\\])?(git|ssh|scp|sftp|rsync|curl|wget|tar|zip|unzip|find|xargs|docker|kubectl|helm|npm|npx|pip|pip3|gh|aws|gcloud|az|ffmpeg|convert|magick|sed|awk|perl|python3?|node|psql|mysql|mongo|sqlite3|openssl|gpg|hg|svn)$/i;

export const JS_SHELL_CALLS = [
  'child_process.exec',
  'child_process.execSync',
  'shelljs.exec',
  'execa.execaCommand',
  'execa.execaCommandSync',
];
export const JS_SPAWN_CALLS = [
  'child_process.spawn',
  'child_process.spawnSync',
  'child_process.execFile',
  'child_process.execFileSync',
  'child_process.fork',
  'execa.execa',
  'execa.execaSync',
  'execa',
  'cross-spawn',
];
export const PY_SHELL_CALLS = [
  'os.system',
  'os.popen',
  'subprocess.getoutput',
  'subprocess.getstatusoutput',
  'commands.getoutput',
  'asyncio.create_subprocess_shell',
];
export const PY_SUBPROCESS = [
  'subprocess.run',
  'subprocess.call',
  'subprocess.check_call',
  'subprocess.check_output',
  'subprocess.Popen',
];
export const PY_EXEC_VARIADIC = ['asyncio.create_subprocess_exec', 'os.execvp', 'os.execlp', 'os.spawnlp'];
export const GO_EXEC = ['os/exec.Command', 'os/exec.CommandContext'];

function truthyOption(q: NodeQuery, options: SyntaxNode | undefined, key: string): boolean {
  if (!options) return false;
  const v = q.property(options, key);
  if (!v) return false;
  const b = q.booleanValue(v);
  // `shell: '/bin/bash'` also runs a shell; only a literal false/undefined turns it off.
  return b !== false && v.type !== 'undefined' && v.type !== 'null';
}

function isSpread(node: SyntaxNode): boolean {
  return node.type === 'variadic_argument' || node.type === 'spread_element' || node.type === 'list_splat';
}

function expandArgv(
  q: NodeQuery,
  nodes: SyntaxNode[],
): { argv: SyntaxNode[] | null; whole: SyntaxNode | null } {
  const out: SyntaxNode[] = [];
  for (const n of nodes) {
    if (isSpread(n)) {
      const inner = n.namedChildren[0];
      const els = inner ? q.elements(inner) : null;
      if (!els) return { argv: null, whole: inner ?? n };
      out.push(...els);
    } else {
      out.push(n);
    }
  }
  return { argv: out, whole: null };
}

function fromList(
  q: NodeQuery,
  list: SyntaxNode | undefined,
): Pick<CommandShape, 'program' | 'argv' | 'argvWhole'> {
  if (!list) return { program: null, argv: [], argvWhole: null };
  const els = q.elements(list);
  if (els) {
    const { argv, whole } = expandArgv(q, els.slice(1));
    return { program: els[0] ?? null, argv, argvWhole: whole };
  }
  const grown = q.grownList(list);
  if (grown && grown.length > 0) {
    // ["ssh"] + appends: the program is known, the appended arguments only as a whole.
    const { argv } = expandArgv(q, grown.slice(1));
    const afterDashes = (argv ?? []).some((a) => q.stringValue(a) === '--');
    return { program: grown[0] ?? null, argv, argvWhole: afterDashes ? null : list };
  }
  // A string without a shell names the program alone; an unknown list is program + args together.
  return q.stringValue(list) !== null || list.type === 'string'
    ? { program: list, argv: [], argvWhole: null }
    : { program: list, argv: null, argvWhole: list };
}

export function commandShape(call: CallView, q: NodeQuery): CommandShape | null {
  const c = call.callee;
  const none: CommandShape = { shellString: [], program: null, argv: [], argvWhole: null };
  if (call.language === 'python') {
    if (PY_SHELL_CALLS.includes(c)) return { ...none, shellString: call.args.slice(0, 1) };
    if (PY_SUBPROCESS.includes(c)) {
      const first = call.args[0] ?? call.kwargs.get('args');
      const shell = call.kwargs.get('shell');
      if (shell && q.booleanValue(shell) !== false) return { ...none, shellString: first ? [first] : [] };
      return { shellString: [], ...fromList(q, first) };
    }
    if (PY_EXEC_VARIADIC.includes(c)) {
      const args = c.startsWith('os.') ? call.args.slice(1) : call.args;
      const { argv, whole } = expandArgv(q, args.slice(1));
      return { shellString: [], program: args[0] ?? null, argv, argvWhole: whole };
    }
    return null;
  }
  if (call.language === 'go') {
    if (!GO_EXEC.includes(c)) return null;
    const args = c.endsWith('Context') ? call.args.slice(1) : call.args;
    const { argv, whole } = expandArgv(q, args.slice(1));
    return { shellString: [], program: args[0] ?? null, argv, argvWhole: whole };
  }
  if (JS_SHELL_CALLS.includes(c)) return { ...none, shellString: call.args.slice(0, 1) };
  if (JS_SPAWN_CALLS.includes(c)) {
    const [program, second, third] = call.args;
    // spawn(cmd, [args], {opts}) or spawn(cmd, {opts}): an object literal is the options.
    const isOptions =
      !!second && (q.resolve(second).type === 'object' || q.property(second, 'shell') !== null);
    const list = second && !isOptions && !second.type.includes('function') ? second : undefined;
    const options = list ? third : second;
    const shape = list ? { ...expandFromArray(q, list) } : { argv: [] as SyntaxNode[], argvWhole: null };
    if (truthyOption(q, options, 'shell')) {
      return {
        ...none,
        shellString: [program, ...(shape.argv ?? []), ...(shape.argvWhole ? [shape.argvWhole] : [])].filter(
          (n): n is SyntaxNode => !!n,
        ),
      };
    }
    return { shellString: [], program: program ?? null, argv: shape.argv, argvWhole: shape.argvWhole };
  }
  return null;
}

function expandFromArray(
  q: NodeQuery,
  list: SyntaxNode,
): { argv: SyntaxNode[] | null; argvWhole: SyntaxNode | null } {
  const grown = q.grownList(list);
  if (grown) {
    const { argv } = expandArgv(q, grown);
    const afterDashes = (argv ?? []).some((a) => q.stringValue(a) === '--');
    return { argv, argvWhole: afterDashes ? null : list };
  }
  const els = q.elements(list);
  if (!els) return { argv: null, argvWhole: list };
  const { argv, whole } = expandArgv(q, els);
  return { argv, argvWhole: whole };
}

/** For `sh -c <string>`: the string the shell will run. */
export function shellViaArgv(shape: CommandShape, q: NodeQuery): SyntaxNode[] {
  const prog = shape.program ? q.stringValue(shape.program) : null;
  if (prog === null || !SHELLS.test(prog) || !shape.argv) return [];
  const i = shape.argv.findIndex((a) => /^[-/]c$|^-Command$/i.test(q.stringValue(a) ?? ''));
  return i >= 0 ? shape.argv.slice(i + 1, i + 2) : [];
}
