/**
 * Filesystem sinks, canonicalisers and containment checks of every language, shared by the
 * class B detectors. Kinds: 'path' (traversal), 'archive' (zip-slip), and the marker
 * 'path-real' (the value went through realpath / Path.resolve, so symlinks are resolved).
 */
import type { SyntaxNode } from 'tree-sitter';
import type { Language } from '../../types.js';
import type { ArgRef, CallView, GuardSpec, SanitizerSpec } from '../api.js';

const PY: Language[] = ['python'];
const JS: Language[] = ['javascript', 'typescript'];
const GO: Language[] = ['go'];

export interface FsSink {
  languages: readonly Language[];
  callee: string[];
  args: ArgRef[];
  op: 'read' | 'write' | 'delete' | 'list' | 'open';
  when?: (call: CallView) => boolean;
}

const JS_FS = ['fs', 'fs.promises', 'fs/promises', 'fs-extra', 'graceful-fs', 'fs-extra.promises'];
const js = (methods: string[]) => JS_FS.flatMap((p) => methods.map((m) => `${p}.${m}`));

export const FS_SINKS: readonly FsSink[] = [
  // Python
  {
    languages: PY,
    callee: ['open', 'io.open', 'codecs.open', 'aiofiles.open', 'os.open'],
    args: [0, { kw: 'file' }],
    op: 'open',
  },
  {
    languages: PY,
    callee: [
      'pandas.read_csv',
      'pandas.read_excel',
      'pandas.read_json',
      'pandas.read_parquet',
      'pandas.read_table',
      'PIL.Image.open',
      'numpy.load',
    ],
    args: [0],
    op: 'read',
  },
  {
    languages: PY,
    callee: ['*.to_csv', '*.to_excel', '*.to_parquet', '*.to_json', 'numpy.save'],
    args: [0],
    op: 'write',
  },
  {
    languages: PY,
    callee: ['*.read_text', '*.read_bytes', '?.open', 'pathlib.*.open', '*.iterdir', '*.rglob'],
    args: ['receiver'],
    op: 'read',
  },
  {
    // `p = BASE / name; p.open()`: a Path built in this function (not zipfile/tarfile members).
    languages: PY,
    callee: ['*.open'],
    args: ['receiver'],
    op: 'read',
    when: (call) =>
      /(^|[^\w.])(?:Path|PurePath|PosixPath)\(|\s\/\s/.test(
        call.receiver ? definitionText(call.receiver) : '',
      ),
  },
  {
    languages: PY,
    callee: ['*.write_text', '*.write_bytes', '*.touch', '*.mkdir'],
    args: ['receiver'],
    op: 'write',
  },
  // werkzeug FileStorage.save(path), PIL Image.save(path)
  { languages: PY, callee: ['*.save'], args: [0], op: 'write' },
  { languages: PY, callee: ['*.unlink', '*.rmdir'], args: ['receiver'], op: 'delete' },
  {
    languages: PY,
    callee: [
      'flask.send_file',
      'fastapi.responses.FileResponse',
      'starlette.responses.FileResponse',
      'fastapi.FileResponse',
    ],
    args: [0],
    op: 'read',
  },
  {
    languages: PY,
    callee: ['os.listdir', 'os.scandir', 'os.walk', 'glob.glob', 'glob.iglob'],
    args: [0],
    op: 'list',
  },
  {
    languages: PY,
    callee: ['os.remove', 'os.unlink', 'os.rmdir', 'os.removedirs', 'shutil.rmtree'],
    args: [0],
    op: 'delete',
  },
  {
    languages: PY,
    callee: ['os.makedirs', 'os.mkdir', 'os.chmod', 'os.chown', 'os.truncate'],
    args: [0],
    op: 'write',
  },
  {
    languages: PY,
    callee: [
      'os.rename',
      'os.replace',
      'os.renames',
      'os.symlink',
      'os.link',
      'shutil.copy',
      'shutil.copy2',
      'shutil.copyfile',
      'shutil.copytree',
      'shutil.move',
    ],
    args: [0, 1],
    op: 'write',
  },
  // JavaScript / TypeScript
  {
    languages: JS,
    callee: js([
      'readFile',
      'readFileSync',
      'createReadStream',
      'open',
      'openSync',
      'readJson',
      'readJsonSync',
      'readJSON',
    ]),
    args: [0],
    op: 'read',
  },
  { languages: JS, callee: js(['readdir', 'readdirSync', 'opendir', 'opendirSync']), args: [0], op: 'list' },
  {
    languages: JS,
    callee: js([
      'writeFile',
      'writeFileSync',
      'appendFile',
      'appendFileSync',
      'createWriteStream',
      'mkdir',
      'mkdirSync',
      'truncate',
      'chmod',
      'outputFile',
      'outputFileSync',
      'writeJson',
      'writeJsonSync',
      'outputJson',
    ]),
    args: [0],
    op: 'write',
  },
  {
    languages: JS,
    callee: js([
      'rm',
      'rmSync',
      'rmdir',
      'rmdirSync',
      'unlink',
      'unlinkSync',
      'remove',
      'removeSync',
      'emptyDir',
    ]),
    args: [0],
    op: 'delete',
  },
  {
    languages: JS,
    callee: js([
      'copyFile',
      'copyFileSync',
      'cp',
      'cpSync',
      'rename',
      'renameSync',
      'symlink',
      'symlinkSync',
      'copy',
      'move',
    ]),
    args: [0, 1],
    op: 'write',
  },
  {
    // express: res.sendFile(p, { root }) is contained by `send`; without root it is not.
    languages: JS,
    callee: ['*.sendFile', 'res.download', 'response.download'],
    args: [0],
    op: 'read',
  },
  // Go
  {
    languages: GO,
    callee: ['os.ReadFile', 'os.Open', 'io/ioutil.ReadFile', 'os.DirFS'],
    args: [0],
    op: 'read',
  },
  {
    languages: GO,
    callee: [
      'os.ReadDir',
      'io/ioutil.ReadDir',
      'path/filepath.Walk',
      'path/filepath.WalkDir',
      'path/filepath.Glob',
    ],
    args: [0],
    op: 'list',
  },
  {
    languages: GO,
    callee: [
      'os.WriteFile',
      'os.OpenFile',
      'os.Create',
      'io/ioutil.WriteFile',
      'os.Mkdir',
      'os.MkdirAll',
      'os.Chmod',
      'os.Truncate',
    ],
    args: [0],
    op: 'write',
  },
  { languages: GO, callee: ['os.Remove', 'os.RemoveAll'], args: [0], op: 'delete' },
  { languages: GO, callee: ['os.Rename', 'os.Symlink', 'os.Link'], args: [0, 1], op: 'write' },
  { languages: GO, callee: ['net/http.ServeFile'], args: [2], op: 'read' },
];

/** Calls that reduce a path to a safe single name, or join it safely under a root. */
export const PATH_SANITIZERS: readonly SanitizerSpec[] = [
  {
    languages: PY,
    callee: [
      'os.path.basename',
      'posixpath.basename',
      'werkzeug.utils.secure_filename',
      'werkzeug.utils.safe_join',
      'werkzeug.security.safe_join',
      'flask.safe_join',
      'flask.helpers.safe_join',
    ],
    clears: ['path', 'archive'],
  },
  {
    languages: JS,
    callee: ['path.basename', 'path.posix.basename', 'sanitize-filename'],
    clears: ['path', 'archive'],
  },
  {
    languages: GO,
    callee: [
      'path/filepath.Base',
      'path.Base',
      'github.com/cyphar/filepath-securejoin.SecureJoin*',
      'securejoin.SecureJoin*',
    ],
    clears: ['path', 'archive'],
  },
  // Symlink resolution: a containment check on such a value cannot be escaped through a link.
  {
    languages: PY,
    callee: ['os.path.realpath', '*.resolve', 'pathlib.Path().resolve'],
    clears: ['path-real'],
  },
  {
    languages: JS,
    callee: [...js(['realpath', 'realpathSync', 'realpathSync.native', 'realpath.native'])],
    clears: ['path-real'],
  },
  { languages: GO, callee: ['path/filepath.EvalSymlinks'], clears: ['path-real'] },
];

const SEP_JS = String.raw`(?:path\.sep|sep|['"\`]\/['"\`]|path\.posix\.sep)`;
const SEP_PY = String.raw`(?:os\.sep|os\.path\.sep|sep|['"]\/['"])`;
const SEP_GO = String.raw`(?:string\((?:os|filepath)\.(?:PathSeparator|Separator)\)|"\/"|sep)`;

/** Containment checks that are correct when the checked value is canonical (realpath'd). */
const CONTAINMENT: { languages: readonly Language[]; pattern: RegExp; meaning: 'valid' | 'invalid' }[] = [
  // JS: p.startsWith(root + path.sep), p.startsWith(`${root}${path.sep}`), p.startsWith(path.join(root, path.sep))
  {
    languages: JS,
    pattern: new RegExp(
      String.raw`\.startsWith\(\s*(?:[\w.()]+\s*\+\s*${SEP_JS}|\`\$\{[\w.()]+\}(?:\$\{${SEP_JS}\}|\/)\`|path\.join\([^)]*,\s*(?:path\.sep|['"\`]\/?['"\`])\s*\))\s*\)`,
    ),
    meaning: 'valid',
  },
  // JS: const rel = path.relative(root, p); if (rel.startsWith('..') || path.isAbsolute(rel)) throw
  {
    languages: JS,
    pattern: /^\s*(?:[\w.]+|[\w.]+\(.*\))\.startsWith\(\s*['"`]\.\.['"`]\s*\)/,
    meaning: 'invalid',
  },
  { languages: JS, pattern: /^\s*path\.isAbsolute\(|^\s*[\w.]+\s*===?\s*['"`]\.\.['"`]/, meaning: 'invalid' },
  // Python
  {
    languages: PY,
    pattern: /\bcommonpath\(\s*[[(][^\])]+[\])]\s*\)\s*==|==\s*(?:os\.path\.)?commonpath\(/,
    meaning: 'valid',
  },
  {
    languages: PY,
    pattern: /\bcommonpath\(\s*[[(][^\])]+[\])]\s*\)\s*!=|!=\s*(?:os\.path\.)?commonpath\(/,
    meaning: 'invalid',
  },
  { languages: PY, pattern: /\.is_relative_to\(/, meaning: 'valid' },
  { languages: PY, pattern: /\s+in\s+[\w.()]+\.parents\s*$/, meaning: 'valid' },
  {
    languages: PY,
    pattern: new RegExp(
      String.raw`\.startswith\(\s*(?:[\w.()]+\s*\+\s*${SEP_PY}|f['"]\{[\w.()]+\}(?:\{${SEP_PY}\}|\/)['"]|os\.path\.join\([^)]*,\s*['"]['"]\s*\))\s*\)`,
    ),
    meaning: 'valid',
  },
  // Go
  {
    languages: GO,
    pattern: new RegExp(String.raw`strings\.HasPrefix\([^,]+,\s*.*\+\s*${SEP_GO}\s*\)`),
    meaning: 'valid',
  },
  { languages: GO, pattern: /strings\.(?:HasPrefix|Contains)\(\s*\w+\s*,\s*"\.\."/, meaning: 'invalid' },
  { languages: GO, pattern: /^\s*\w+\s*==\s*"\.\."|filepath\.IsAbs\(/, meaning: 'invalid' },
  { languages: GO, pattern: /^\s*filepath\.IsLocal\(/, meaning: 'valid' },
];

export const PATH_GUARDS: readonly GuardSpec[] = CONTAINMENT.flatMap((c) => [
  // Traversal: JS and Python must have resolved symlinks first; Go's Rel/Clean checks count as is.
  {
    ...c,
    clears: ['path'],
    derived: true,
    ...(c.languages.includes('go') ? {} : { requires: ['path-real'] }),
  },
  // Zip-slip: the entry name is the attacker's; a lexical containment check is enough.
  { ...c, clears: ['archive'], derived: true },
  // `if not os.path.realpath(full).startswith(BASE + os.sep)`: the condition resolves symlinks itself.
  ...(c.languages.includes('go')
    ? []
    : [
        {
          ...c,
          pattern: new RegExp(
            String.raw`^(?=[\s\S]*(?:realpath|\.resolve\(\)))[\s\S]*?(?:${c.pattern.source})`,
          ),
          clears: ['path'],
          derived: true,
        },
      ]),
]).concat([
  // A value that may not contain a separator is a single name: it cannot leave the folder it is joined to.
  {
    languages: PY,
    pattern: /['"]\/['"]\s+in\s+\w+|os\.(?:path\.)?sep\s+in\s+\w+/,
    meaning: 'invalid',
    clears: ['path', 'archive'],
    derived: true,
  },
  {
    languages: JS,
    pattern: /^\s*[\w.]+\.includes\(\s*(?:['"`]\/['"`]|path\.sep)\s*\)|^\s*\/\[?\\?\/.*\/\.test\(\s*\w+\s*\)/,
    meaning: 'invalid',
    clears: ['path', 'archive'],
    derived: true,
  },
  {
    languages: GO,
    pattern:
      /strings\.(?:Contains|ContainsAny|ContainsRune)\(\s*[\w.]+\s*,\s*(?:"[^"]*\/|'\/'|string\(\s*(?:os|filepath)\.(?:PathSeparator|Separator)\))/,
    meaning: 'invalid',
    clears: ['path', 'archive'],
    derived: true,
  },
]);

const FUNCTION_TYPES = new Set([
  'function_definition',
  'lambda',
  'function_declaration',
  'generator_function_declaration',
  'function_expression',
  'function',
  'arrow_function',
  'method_definition',
  'func_literal',
  'method_declaration',
]);

/** The source text of the enclosing function before `node` (the whole file prefix at top level). */
/** The text of the assignment that last defined an identifier in the enclosing function, else its own text. */
export function definitionText(node: SyntaxNode): string {
  if (node.type !== 'identifier') return node.text;
  const before = textBefore(node);
  const re = new RegExp(String.raw`(?:^|\n)\s*${node.text}\s*(?::=|=)(?!=)([^\n]*)`, 'g');
  let last = '';
  for (let m = re.exec(before); m; m = re.exec(before)) last = m[1] ?? '';
  return last;
}

/**
 * Correct containment idioms that are not `if` conditions: `try: p.resolve().relative_to(base)
 * except ValueError`, Go's `filepath.Join(base, filepath.Clean("/"+name))`.
 */
export function containedIdiom(full: string): boolean {
  const text = full.length > 6000 ? full.slice(-6000) : full;
  if (
    /(?:file)?path\.Clean\(\s*(?:"\/"|string\((?:os|filepath)\.(?:PathSeparator|Separator)\))\s*\+/.test(text)
  )
    return true;
  const t = text.indexOf('try:');
  const r = t >= 0 ? text.indexOf('.relative_to(', t) : -1;
  return /\.resolve\(\)/.test(text) && r >= 0 && /except\s+(?:ValueError|Exception)/.test(text.slice(r));
}

export function textBefore(node: SyntaxNode): string {
  let fn: SyntaxNode | null = node.parent;
  while (fn && !FUNCTION_TYPES.has(fn.type)) fn = fn.parent;
  let root: SyntaxNode = node;
  while (root.parent) root = root.parent;
  const scope = fn ?? root;
  // The last few thousand characters: checks sit near their sink, and this runs for every sink.
  const end = node.startIndex - scope.startIndex;
  return scope.text.slice(Math.max(0, end - 8000), end);
}

export function enclosingFunctionText(node: SyntaxNode): string {
  let fn: SyntaxNode | null = node.parent;
  while (fn && !FUNCTION_TYPES.has(fn.type)) fn = fn.parent;
  return fn ? fn.text : '';
}

/** Some attempt at keeping the path inside a root (correct or not). */
export const PATH_CHECK =
  /\.startsWith\(|\.startswith\(|strings\.HasPrefix\(|commonpath|commonprefix|is_relative_to|relative_to|\.parents\b|path\.relative\(|filepath\.Rel\(|\.includes\(\s*['"`]\.\.|['"]\.\.['"]\s+(not\s+)?in\b|strings\.Contains\([^)]*"\.\."|\.indexOf\(\s*['"`]\.\./;

/** A function that walks the entries of an archive: writes there are zip-slip (MCP-B002). */
export const ARCHIVE_WALK =
  /archive\/(tar|zip)|tar\.NewReader|zip\.OpenReader|zip\.NewReader|\.getEntries\(|entryName|zipfile|tarfile|ZipFile|\.infolist\(|\.getmembers\(|\.namelist\(|yauzl|unzipper|JSZip|\.loadAsync\(/;

const archiveCache = new WeakMap<object, Map<number, boolean>>();

/** True inside a function (or a callback nested in one) that walks the entries of an archive. */
export function inArchiveWalk(node: SyntaxNode): boolean {
  let cache = archiveCache.get(node.tree);
  if (!cache) {
    cache = new Map();
    archiveCache.set(node.tree, cache);
  }
  for (let fn: SyntaxNode | null = node.parent; fn; fn = fn.parent) {
    if (!FUNCTION_TYPES.has(fn.type)) continue;
    let hit = cache.get(fn.id);
    if (hit === undefined) {
      hit = ARCHIVE_WALK.test(fn.text);
      cache.set(fn.id, hit);
    }
    if (hit) return true;
  }
  return false;
}

export const OP_TEXT: Record<FsSink['op'], string> = {
  read: 'reads a file',
  open: 'opens a file',
  write: 'writes or creates a file',
  delete: 'deletes files',
  list: 'lists a directory',
};
