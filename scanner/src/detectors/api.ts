/**
 * The detector API. A detector is metadata plus either a taint rule (data: sinks, sanitizers,
 * accepted sources) or node visitors, or both. See scanner/DETECTORS.md.
 */
import type { SyntaxNode } from 'tree-sitter';
import type { AdvisoryDb } from '../supply-chain/advisories.js';
import type { ManifestPosition, Project } from '../supply-chain/types.js';
import type {
  Confidence,
  FindingClass,
  Language,
  Location,
  McpSurface,
  McpTool,
  Severity,
} from '../types.js';

/** Where attacker-influenced data comes from. Tool parameters are attacker-controlled in MCP. */
export type SourceKind = 'tool-param' | 'http-request' | 'env' | 'file' | 'network' | 'cli';

/** A call as the engine sees it, with the callee resolved through the file's imports. */
export interface CallView {
  node: SyntaxNode;
  language: Language;
  /**
   * Canonical callee: the import path replaces the local alias and call arguments inside a chain
   * are dropped, e.g. `child_process.exec`, `subprocess.run`, `os/exec.Command`,
   * `text/template.New().Parse`, `eval`. A method on a local value keeps the local name: `cmd.Run`.
   */
  callee: string;
  /** The callee as written. */
  rawCallee: string;
  /** Positional arguments (Go variadic `xs...` and JS spread appear as one argument). */
  args: SyntaxNode[];
  /** Python keyword arguments. */
  kwargs: ReadonlyMap<string, SyntaxNode>;
  /** `obj` in `obj.method(...)`, else null. */
  receiver: SyntaxNode | null;
  isNew: boolean;
}

/** Read-only helpers over a file's syntax, so detectors need not know each grammar. */
export interface NodeQuery {
  /** Follows an identifier to the value it was last assigned in the same function, if any. */
  resolve(node: SyntaxNode): SyntaxNode;
  /** The value of a string literal (after `resolve`), or null if it is not a constant string. */
  stringValue(node: SyntaxNode): string | null;
  /** Elements of a list/array/slice literal (after `resolve`), or null. */
  elements(node: SyntaxNode): SyntaxNode[] | null;
  /** For a list variable grown after its literal (`args.append(x)`): the literal's elements, else null. */
  grownList(node: SyntaxNode): SyntaxNode[] | null;
  /** A property of an object/dict literal (after `resolve`), or null. */
  property(node: SyntaxNode, key: string): SyntaxNode | null;
  /** true / false for a boolean literal (after `resolve`), null otherwise. */
  booleanValue(node: SyntaxNode): boolean | null;
  /** True for literals and expressions built only of literals. */
  isConstant(node: SyntaxNode): boolean;
  text(node: SyntaxNode): string;
  location(node: SyntaxNode): Location;
}

/** One argument position that carries the dangerous value. */
export type ArgRef = number | 'receiver' | { kw: string } | { rest: number };

export interface PickedArg {
  node: SyntaxNode;
  /** Appended to the sink message, e.g. "as the argument after -c". */
  note?: string;
  /**
   * The node is a list of arguments whose elements are not visible at the sink (a parameter,
   * `*args`): where the elements are known (the caller), only those before a literal "--" count.
   */
  argvTail?: boolean;
}

export interface SinkSpec {
  languages: readonly Language[];
  /** Glob patterns on `CallView.callee`; `*` matches any run of characters. */
  callee: readonly string[];
  /** Arguments whose taint makes the call dangerous. Ignored when `pick` is given. */
  args?: readonly ArgRef[];
  /** Extra condition on the call, e.g. "the options object has shell: true". */
  when?: (call: CallView, q: NodeQuery) => boolean;
  /** Instead of `args`: choose the dangerous argument nodes with code (argv shapes, options). */
  pick?: (call: CallView, q: NodeQuery) => PickedArg[];
  message: string;
}

export interface SanitizerSpec {
  languages: readonly Language[];
  callee: readonly string[];
  /** Sink kinds this call makes safe, or 'all' for conversions such as int() or Number(). */
  clears: readonly string[] | 'all';
}

/**
 * A validation `if`: its condition text (leading `!`/`not` removed) matched against `pattern`.
 * 'valid' = the check passes for good values (allowlist, regex); 'invalid' = it flags bad ones.
 */
export interface GuardSpec {
  languages: readonly Language[];
  pattern: RegExp;
  meaning: 'valid' | 'invalid';
  clears: readonly string[] | 'all';
  /**
   * Only values already sanitized for these kinds are validated, e.g. a containment check that
   * counts only on a path that went through realpath (marker kind 'path-real').
   */
  requires?: readonly string[];
  /**
   * Also validates what the checked values were computed from (`u = new URL(x)`; checking
   * `u.hostname` validates `u` and `x`; `rel = path.relative(root, full)`; checking `rel` validates
   * `full`). Only for guards with specific kinds, never 'all'.
   */
  derived?: boolean;
}

export interface TaintRule {
  /** Groups sinks for sanitizers: `shlex.quote` clears 'shell' but not 'sql'. */
  sinkKind: string;
  /** Source kinds that make a finding; default tool-param and http-request. */
  sources?: readonly SourceKind[];
  sinks: readonly SinkSpec[];
  sanitizers?: readonly SanitizerSpec[];
  guards?: readonly GuardSpec[];
  /**
   * The value a tool (or resource/prompt) handler returns is a sink of this rule too: it goes into the
   * model's context. Reported at the `return` (or at the body of an expression-bodied handler).
   */
  toolResult?: {
    message: string;
    /**
     * Not reported when the returned value also carries a label of these kinds: e.g. content read from a URL
     * or path the caller chose (`tool-param`) is what the user asked for, not content slipped in by a third party.
     */
    unlessAlso?: readonly SourceKind[];
  };
}

export interface ReportOptions {
  message: string;
  severity?: Severity;
  confidence?: Confidence;
  /** Source substrings masked in the finding's snippet (a secret's value), so reports do not leak it. */
  redact?: readonly string[];
}

export interface VisitContext {
  file: string;
  language: Language;
  q: NodeQuery;
  /** The tool whose handler encloses the visited node, if any. */
  tool: string | undefined;
  report(node: SyntaxNode, options: ReportOptions): void;
}

export interface SurfaceContext {
  surface: McpSurface;
  report(tool: McpTool, options: ReportOptions): void;
  /** Reports at any location of the surface (a transport, an auth signal). */
  reportAt(location: Location, options: ReportOptions): void;
  /** The text of a scanned file (root-relative path), for project-level checks; null if not scanned. */
  fileText(path: string): string | null;
  /**
   * Calls made by a tool's handler, directly or through project functions it calls (three levels deep),
   * with canonical callees and the file they are written in: what the tool actually does.
   */
  handlerCalls(tool: McpTool): readonly { call: CallView; file: string; q: NodeQuery }[];
}

/** Dependency manifests and lockfiles of the scanned tree (class N), see src/supply-chain/. */
export interface ProjectContext {
  projects: readonly Project[];
  /** The offline OSV database given as `advisoriesDb`, or null. */
  advisories: AdvisoryDb | null;
  /** Reports a finding at a line of a manifest or lockfile. */
  report(at: ManifestPosition, options: ReportOptions): void;
}

export interface NodeVisitors {
  /** Called for every call in files of the detector's languages. */
  onCall?: (call: CallView, ctx: VisitContext) => void;
  /** Called for every node whose type is listed (grammar node types). */
  onNode?: { types: readonly string[]; visit: (node: SyntaxNode, ctx: VisitContext) => void };
  /** Called once per scan with the extracted MCP surface (tool descriptions, schemas). */
  onSurface?: (ctx: SurfaceContext) => void;
  /** Called once per scan with the parsed dependency manifests and lockfiles. */
  onProject?: (ctx: ProjectContext) => void;
}

export interface DetectorMeta {
  /** `MCP-<class><3 digits>`, e.g. MCP-A001. */
  id: string;
  class: FindingClass;
  languages: readonly Language[];
  severity: Severity;
  /** Confidence of a finding whose trace starts at a tool parameter or request data. */
  confidence: Confidence;
  cwe: readonly string[];
  title: string;
  remediation: string;
}

export interface Detector extends DetectorMeta {
  taint?: TaintRule;
  visitors?: NodeVisitors;
}

/** Identity function that gives detector files a typed literal. */
export function defineDetector(detector: Detector): Detector {
  return detector;
}
