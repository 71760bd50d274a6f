/**
 * Call templates: a sink call whose arguments are the enclosing function's parameters passed
 * through unchanged is re-judged at every call site with the caller's arguments substituted,
 * so `run(["git", "--", url])` is judged by its literal argv. Also binds call arguments to
 * parameters (Python `self`, variadics) for the summaries.
 */
import type { SyntaxNode } from 'tree-sitter';
import type { CallView, NodeQuery, PickedArg } from '../detectors/api.js';
import type { Language, TraceStep } from '../types.js';
import type { AnalysisHost, SinkHit } from './analyze-function.js';
import type { FileContext, FunctionRecord } from './file-context.js';
import { nodeKey } from './file-context.js';
import { CLEAN, liveFor, type Taint, union } from './labels.js';
import type { CompiledSink } from './rules.js';
import type { CallTemplate } from './summaries.js';

export interface TemplateContext {
  file: FileContext;
  fn: SyntaxNode | null;
  lang: Language;
  host: AnalysisHost;
  q: NodeQuery;
  env: Map<string, Taint>;
  evalNode(node: SyntaxNode): Taint;
  pickArgs(call: CallView, sink: CompiledSink): PickedArg[];
  recordHit(hit: SinkHit): void;
}

export function createCallTemplates(ctx: TemplateContext) {
  const { file, fn, lang, host, q, env, evalNode, pickArgs, recordHit } = ctx;
  const { adapter } = file;
  const templates = new Map<string, CallTemplate>();
  const paramIndexOf = new Map<string, number>();
  for (const p of fn ? adapter.functionParams(fn) : []) if (p.name) paramIndexOf.set(p.name, p.index);

  /** This function's parameter passed unchanged as `node`, if it is one. */
  const asParam = (node: SyntaxNode): number | undefined => {
    if (!adapter.isIdentifier(node)) return undefined;
    const index = paramIndexOf.get(node.text);
    if (index === undefined) return undefined;
    const t = env.get(node.text);
    return t && [...t.values()].some((l) => l.origin.kind === 'param' && l.origin.paramIndex === index)
      ? index
      : undefined;
  };
  const contains = (outer: SyntaxNode, inner: SyntaxNode) =>
    inner.tree === outer.tree && inner.startIndex >= outer.startIndex && inner.endIndex <= outer.endIndex;

  /** Records a template for a sink call whose arguments include parameters; returns their node ids. */
  const addTemplate = (call: CallView, sinkFile: FileContext): Set<number> => {
    const positions: CallTemplate['positions'] = [];
    const ids = new Set<number>();
    call.args.forEach((a, pos) => {
      const spread = a.type === 'variadic_argument' || a.type === 'spread_element' || a.type === 'list_splat';
      const inner = spread ? a.namedChildren[0] : a;
      const index = inner && a.tree === file.root.tree ? asParam(inner) : undefined;
      if (index !== undefined && inner) {
        positions.push({ pos, paramIndex: index, ...(spread ? { spread: true } : {}) });
        ids.add(inner.id);
        ids.add(a.id);
      }
    });
    for (const [key, a] of call.kwargs) {
      const index = a.tree === file.root.tree ? asParam(a) : undefined;
      if (index !== undefined) {
        positions.push({ pos: key, paramIndex: index });
        ids.add(a.id);
      }
    }
    if (positions.length > 0) {
      templates.set(`${nodeKey(call.node)}|${positions.map((p) => `${p.pos}=${p.paramIndex}`).join(',')}`, {
        call,
        file: sinkFile,
        positions,
      });
    }
    return ids;
  };

  const selfOffset = (call: CallView, target: FunctionRecord): number => {
    // Python methods called through an object: `self` is not among the call's arguments.
    const first = target.params[0]?.name;
    return target.isMethod && lang === 'python' && (first === 'self' || first === 'cls') && call.receiver
      ? 1
      : 0;
  };
  const paramArg = (call: CallView, target: FunctionRecord, index: number): SyntaxNode | undefined => {
    const param = target.params[index];
    if (param?.name && call.kwargs.has(param.name)) return call.kwargs.get(param.name);
    return call.args[index - selfOffset(call, target)];
  };
  /** The caller's arguments bound to one parameter: one, or all the rest for `*args`/`...rest`. */
  const paramArgs = (call: CallView, target: FunctionRecord, index: number): SyntaxNode[] => {
    if (target.params[index]?.variadic) return call.args.slice(index - selfOffset(call, target));
    const a = paramArg(call, target, index);
    return a ? [a] : [];
  };
  const paramTaint = (call: CallView, target: FunctionRecord, index: number): Taint =>
    union(...paramArgs(call, target, index).map((a) => evalNode(a)));

  /** Taint of argv entries up to the first literal "--", looking into list literals. */
  const tailTaint = (nodes: SyntaxNode[]): Taint => {
    let t: Taint = CLEAN;
    for (const n of nodes) {
      if (q.stringValue(n) === '--') return t;
      const grown = q.grownList(n);
      const els = q.elements(n) ?? (grown?.some((e) => q.stringValue(e) === '--') ? grown : null);
      if (!els) {
        t = union(t, evalNode(n));
        continue;
      }
      for (const e of els) {
        if (q.stringValue(e) === '--') return t;
        t = union(t, evalNode(e));
      }
    }
    return t;
  };

  const applyTemplate = (
    t: CallTemplate,
    call: CallView,
    target: FunctionRecord,
    callStep: (i: number) => TraceStep,
  ) => {
    const args = [...t.call.args];
    const kwargs = new Map(t.call.kwargs);
    const owners: { node: SyntaxNode; paramIndex: number }[] = [];
    // Highest position first, so splicing a spread does not shift the others.
    const positions = [...t.positions].sort(
      (x, y) => (typeof y.pos === 'number' ? y.pos : -1) - (typeof x.pos === 'number' ? x.pos : -1),
    );
    for (const { pos, paramIndex, spread } of positions) {
      const bound = spread ? paramArgs(call, target, paramIndex) : [paramArg(call, target, paramIndex)];
      // A parameter the caller leaves to its default keeps the sink's own argument.
      if (bound.some((b) => !b)) continue;
      let nodes = bound as SyntaxNode[];
      // `f(*argv)` with `argv` an ordinary parameter: the caller's list literal spreads into the call.
      const variadic = target.params[paramIndex]?.variadic;
      if (spread && !variadic && nodes.length === 1) {
        const elements = q.elements(nodes[0] as SyntaxNode);
        if (elements) nodes = elements;
      }
      if (typeof pos === 'number') args.splice(pos, 1, ...nodes);
      else if (nodes[0]) kwargs.set(pos, nodes[0]);
      for (const n of nodes) owners.push({ node: n, paramIndex });
    }
    const sub: CallView = { ...t.call, args, kwargs };
    const sinks = host.rules.sinks(sub.language, sub.callee);
    const templated = addTemplate(sub, t.file);
    for (const sink of sinks) {
      if (sink.spec.when && !sink.spec.when(sub, q)) continue;
      for (const picked of pickArgs(sub, sink)) {
        const owner = owners.find((o) => contains(o.node, picked.node));
        if (!owner) continue;
        const reaching = picked.argvTail ? tailTaint([picked.node]) : evalNode(picked.node);
        for (const label of liveFor(reaching, sink.sinkKind)) {
          if (label.origin.kind === 'param' && templated.has(picked.node.id)) continue;
          recordHit({
            sink,
            file: t.file,
            node: t.call.node,
            at: call.node,
            label: { ...label, steps: [...label.steps, callStep(owner.paramIndex)] },
            ...(picked.note ? { note: picked.note } : {}),
          });
        }
      }
    }
  };

  return { templates, addTemplate, applyTemplate, paramArg, paramArgs, paramTaint, tailTaint };
}
