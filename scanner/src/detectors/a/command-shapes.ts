/**
 * Process-spawning calls of every language brought to one shape (shell string, or program plus
 * argv), so the command-injection detectors of class A stay declarative.
 */
import type { SyntaxNode } from 'tree-sitter';
import type { CallView, NodeQuery } from '../api.js';

/** One argv entry; `tail` marks a list whose elements are not visible here (a parameter, `*args`). */
export interface ArgvItem {
  node: SyntaxNode;
  tail: boolean;
}

export interface CommandShape {
  /** The strings a shell will interpret, when there is a shell. */
  shellString: SyntaxNode[];
  program: SyntaxNode | null;
  /** argv after the program, in order. */
  argv: ArgvItem[];
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

const SPREADS = new Set(['variadic_argument', 'spread_element', 'list_splat']);

function truthyOption(q: NodeQuery, options: SyntaxNode | undefined, key: string): boolean {
  if (!options) return false;
  const v = q.property(options, key);
  if (!v) return false;
  // `shell: '/bin/bash'` also runs a shell; only a literal false/undefined turns it off.
  return q.booleanValue(v) !== false && v.type !== 'undefined' && v.type !== 'null';
}

/**
 * The items of a list expression in order: literal elements, spreads, `a + b`, `a.concat(b)`,
 * Go `append(a, b...)`, and lists grown by append/push. Null when nothing about it is known.
 */
export function listItems(q: NodeQuery, node: SyntaxNode, depth = 0): ArgvItem[] | null {
  if (depth > 4) return null;
  const part = (n: SyntaxNode): ArgvItem[] => listItems(q, n, depth + 1) ?? [{ node: n, tail: true }];
  const each = (els: SyntaxNode[]): ArgvItem[] =>
    els.flatMap((e) =>
      SPREADS.has(e.type) && e.namedChildren[0] ? part(e.namedChildren[0]) : [{ node: e, tail: false }],
    );
  const grown = q.grownList(node);
  if (grown) return [...each(grown), { node, tail: true }];
  const els = q.elements(node);
  if (els) return each(els);
  const n = q.resolve(node);
  const op = n.childForFieldName('operator')?.text;
  if ((n.type === 'binary_operator' || n.type === 'binary_expression') && op === '+') {
    const left = n.childForFieldName('left');
    const right = n.childForFieldName('right');
    if (left && right && (q.elements(left) || q.elements(right))) return [...part(left), ...part(right)];
  }
  if (n.type === 'call_expression') {
    const fn = n.childForFieldName('function');
    const args = n.childForFieldName('arguments')?.namedChildren ?? [];
    if (fn?.text === 'append' && args[0]) return [...part(args[0]), ...each(args.slice(1))];
    const object = fn?.type === 'member_expression' ? fn.childForFieldName('object') : null;
    if (object && fn?.childForFieldName('property')?.text === 'concat') {
      return [...part(object), ...args.flatMap((a) => (q.elements(a) ? part(a) : [{ node: a, tail: true }]))];
    }
  }
  return null;
}

function fromList(q: NodeQuery, list: SyntaxNode | undefined): Pick<CommandShape, 'program' | 'argv'> {
  if (!list) return { program: null, argv: [] };
  const items = listItems(q, list);
  if (items && items.length > 0 && !items[0]?.tail)
    return { program: items[0]?.node ?? null, argv: items.slice(1) };
  // A string without a shell names the program alone; an unknown list is program and arguments at once.
  return {
    program: list,
    argv: q.stringValue(list) !== null || list.type === 'string' ? [] : [{ node: list, tail: true }],
  };
}

function argvOf(q: NodeQuery, nodes: SyntaxNode[]): ArgvItem[] {
  return nodes.flatMap((n) => {
    if (!SPREADS.has(n.type) || !n.namedChildren[0]) return [{ node: n, tail: false }];
    const inner = n.namedChildren[0];
    return listItems(q, inner) ?? [{ node: inner, tail: true }];
  });
}

export function commandShape(call: CallView, q: NodeQuery): CommandShape | null {
  const c = call.callee;
  const none: CommandShape = { shellString: [], program: null, argv: [] };
  if (call.language === 'python') {
    if (PY_SHELL_CALLS.includes(c)) return { ...none, shellString: call.args.slice(0, 1) };
    if (PY_SUBPROCESS.includes(c)) {
      const first = call.args[0] ?? call.kwargs.get('args');
      const shell = call.kwargs.get('shell');
      if (shell && q.booleanValue(shell) !== false) return { ...none, shellString: first ? [first] : [] };
      return { shellString: [], ...fromList(q, first) };
    }
    if (PY_EXEC_VARIADIC.includes(c)) {
      // create_subprocess_exec(*argv): the program is the first element of the spread list.
      const items = argvOf(q, c.startsWith('os.') ? call.args.slice(1) : call.args);
      const first = items[0];
      if (!first) return none;
      return first.tail
        ? { shellString: [], program: first.node, argv: [first] }
        : { shellString: [], program: first.node, argv: items.slice(1) };
    }
    return null;
  }
  if (call.language === 'go') {
    if (!GO_EXEC.includes(c)) return null;
    const args = c.endsWith('Context') ? call.args.slice(1) : call.args;
    return { shellString: [], program: args[0] ?? null, argv: argvOf(q, args.slice(1)) };
  }
  if (JS_SHELL_CALLS.includes(c)) return { ...none, shellString: call.args.slice(0, 1) };
  if (JS_SPAWN_CALLS.includes(c)) {
    const [program, second, third] = call.args;
    // spawn(cmd, [args], {opts}) or spawn(cmd, {opts}): an object literal is the options.
    const isOptions =
      !!second && (q.resolve(second).type === 'object' || q.property(second, 'shell') !== null);
    const list = second && !isOptions && !second.type.includes('function') ? second : undefined;
    const options = list ? third : second;
    const argv = list ? (listItems(q, list) ?? [{ node: list, tail: true }]) : [];
    if (truthyOption(q, options, 'shell')) {
      return {
        ...none,
        shellString: [program, ...argv.map((a) => a.node)].filter((n): n is SyntaxNode => !!n),
      };
    }
    return { shellString: [], program: program ?? null, argv };
  }
  return null;
}

/**
 * For `sh -c <string>`: the string the shell will run. For `bash <file>`: the script file, whose
 * name or contents (written from a tool argument just before) decide what runs.
 */
export function shellViaArgv(shape: CommandShape, q: NodeQuery): { node: SyntaxNode; note: string }[] {
  const prog = shape.program ? q.stringValue(shape.program) : null;
  if (prog === null || !SHELLS.test(prog)) return [];
  const i = shape.argv.findIndex((a) => !a.tail && /^[-/]c$|^-Command$/i.test(q.stringValue(a.node) ?? ''));
  if (i >= 0) {
    const script = shape.argv[i + 1];
    return script ? [{ node: script.node, note: `as the script of ${prog} -c` }] : [];
  }
  const file = shape.argv.find((a) => !(q.stringValue(a.node) ?? '').startsWith('-'));
  return file && !file.tail ? [{ node: file.node, note: `as the script file run by ${prog}` }] : [];
}
