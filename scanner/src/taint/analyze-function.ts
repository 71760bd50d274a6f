/**
 * Intra-procedural taint propagation over one function body (or a module's top level), in source
 * order. Calls to project functions use their summaries; sinks record hits carrying the label
 * that reached them. Labels of kind 'param' turn into the function's own summary.
 */
import type { SyntaxNode } from 'tree-sitter';
import type { CallView, NodeQuery, PickedArg, VisitContext } from '../detectors/api.js';
import type { TraceStep } from '../types.js';
import { createCallTemplates } from './call-templates.js';
import { canonicalPath, rawPath } from './callee.js';
import { MUTATORS } from './catalog.js';
import type { FileContext, FunctionRecord } from './file-context.js';
import { nodeKey } from './file-context.js';
import { createGuardApplication } from './guard-application.js';
import {
  addSafeField,
  CLEAN,
  dropField,
  type Label,
  liveFor,
  sanitize,
  type Taint,
  taintOf,
  union,
  withStep,
} from './labels.js';
import { createNodeQuery } from './node-query.js';
import type { CompiledRules, CompiledSink } from './rules.js';
import type { CallTemplate, Summary, Validation } from './summaries.js';

export interface SinkHit {
  sink: CompiledSink;
  /** The sink call (in the file where it is written, which may differ from the analysed one). */
  file: FileContext;
  node: SyntaxNode;
  label: Label;
  note?: string;
  /** The picked node was a list of arguments whose own "--" matters (see PickedArg.argvTail). */
  argvTail?: boolean;
  /** Where in the analysed function the flow was observed (the sink itself or the call into it). */
  at: SyntaxNode;
}

export interface AnalysisHost {
  rules: CompiledRules;
  summaryOf(fn: FunctionRecord): Summary | undefined;
  resolveCall(file: FileContext, call: CallView): FunctionRecord[];
  isEntry(node: SyntaxNode): boolean;
  checkBudget(): void;
  /** Present in the final pass only: node visitors of detectors. */
  onCall?: (call: CallView, ctx: Omit<VisitContext, 'report'> & { at: SyntaxNode }) => void;
}

export interface FunctionResult {
  returns: Taint;
  templates: CallTemplate[];
  validates: Validation[];
  hits: SinkHit[];
  defs: Map<string, SyntaxNode>;
  env: Map<string, Taint>;
}

const COMPREHENSIONS = new Set([
  'list_comprehension',
  'set_comprehension',
  'dictionary_comprehension',
  'generator_expression',
]);
const INDEXING: Record<string, { object: string; index: string }> = {
  subscript: { object: 'value', index: 'subscript' },
  subscript_expression: { object: 'object', index: 'index' },
  index_expression: { object: 'operand', index: 'index' },
};
/** Fields of a network response or file handle that are numbers or flags, not content. */
const RESPONSE_METADATA = new Set([
  'status',
  'status_code',
  'StatusCode',
  'ok',
  'length',
  'size',
  'Size',
  'ContentLength',
]);
/** Only read from the network or a file: no parameter, tool or request input is mixed in. */
function isFetchedOnly(t: Taint): boolean {
  const labels = [...t.values()];
  return (
    labels.some((l) => l.origin.kind === 'network' || l.origin.kind === 'file') &&
    !labels.some(
      (l) => l.origin.kind === 'param' || l.origin.kind === 'tool-param' || l.origin.kind === 'http-request',
    )
  );
}
const LOOPS = ['for_statement', 'for_in_statement', 'while_statement', 'do_statement', 'for_in_clause'];

export function stepAt(
  file: FileContext,
  node: SyntaxNode,
  kind: TraceStep['kind'],
  note: string,
): TraceStep {
  return {
    kind,
    file: file.path,
    line: node.startPosition.row + 1,
    column: node.startPosition.column + 1,
    note,
  };
}

function short(text: string): string {
  const one = text.replace(/\s+/g, ' ');
  return one.length > 60 ? `${one.slice(0, 57)}...` : one;
}

export function analyzeFunction(
  host: AnalysisHost,
  file: FileContext,
  fn: SyntaxNode | null,
  initial: Map<string, Taint>,
): FunctionResult {
  const { adapter } = file;
  const lang = file.language;
  const env = new Map<string, Taint>(initial);
  const defs = new Map<string, SyntaxNode>();
  const mutated = new Set<string>();
  let memo = new Map<string, Taint>();
  const hits = new Map<string, SinkHit>();
  let returns: Taint = CLEAN;
  let depth = 0;
  const paramIndexOf = new Map<string, number>();
  for (const p of fn ? adapter.functionParams(fn) : []) if (p.name) paramIndexOf.set(p.name, p.index);
  const validations = new Map<number, Validation>();
  /** After a top-level guard: which parameters lost (or had sanitized) their own label. */
  const recordValidations = (before: Map<string, Taint | undefined>) => {
    for (const [name, index] of paramIndexOf) {
      const own = (t: Taint | undefined) =>
        [...(t?.values() ?? [])].filter((l) => l.origin.kind === 'param' && l.origin.paramIndex === index);
      const was = own(before.get(name));
      if (was.length === 0 || was.some((l) => l.sanitized.length > 0)) continue;
      const now = own(env.get(name));
      if (now.length === 0) validations.set(index, { paramIndex: index, clears: 'all' });
      else if (now.every((l) => l.sanitized.length > 0)) {
        const kinds = now.map((l) => l.sanitized).reduce((a, b) => a.filter((k) => b.includes(k)));
        if (kinds.length > 0) validations.set(index, { paramIndex: index, clears: kinds });
      }
    }
  };

  const lookupDef = (name: string) => defs.get(name) ?? file.moduleDefs.get(name);
  const q: NodeQuery = createNodeQuery(adapter, lookupDef, (name) => mutated.has(name));

  const readVar = (name: string, node: SyntaxNode): Taint => {
    const local = env.get(name);
    if (local) return local;
    if (fn !== null) {
      const global = file.moduleEnv.get(name);
      if (global) return global;
    }
    const spec = host.rules.source(lang, canonicalPath(name, file, lookupDef), 'member');
    return spec ? sourceTaint(spec.kind, spec.note, node) : CLEAN;
  };

  const sourceTaint = (kind: Label['origin']['kind'], note: string, node: SyntaxNode): Taint =>
    taintOf([
      {
        origin: {
          kind,
          note: `${note}: ${short(node.text)}`,
          file: file.path,
          line: node.startPosition.row + 1,
          column: node.startPosition.column + 1,
        },
        steps: [],
        sanitized: [],
        safeFields: [],
      },
    ]);

  const bind = (target: SyntaxNode, value: Taint, valueNode: SyntaxNode | null, augmented: boolean) => {
    const plain = adapter.isIdentifier(target);
    if (target.type === 'object_pattern') {
      // `const { cmd, count } = args`: each name gets the field's taint, validated fields stay clean.
      for (const part of target.namedChildren) {
        const key =
          part.type === 'pair_pattern' ? part.childForFieldName('key')?.text : adapter.bindingNames(part)[0];
        const fieldTaint = key ? dropField(value, key) : value;
        for (const name of adapter.bindingNames(part)) {
          env.set(
            name,
            withStep(fieldTaint, stepAt(file, part, 'step', `${name} = ${short(valueNode?.text ?? '')}`)),
          );
          // `const { exec } = cp`: `exec` now names `cp.exec` for callee resolution.
          if (part.type === 'shorthand_property_identifier_pattern' || part.type === 'pair_pattern') {
            defs.set(name, part);
          }
        }
      }
      return;
    }
    for (const name of adapter.bindingNames(target)) {
      // Go's `x, err := f(tainted)`: the error value is not the data, it must not taint early returns.
      const isGoErr = lang === 'go' && name === 'err';
      const stepped = withStep(
        isGoErr ? CLEAN : value,
        stepAt(file, target, 'step', `${name} = ${short(valueNode?.text ?? '')}`),
      );
      if (augmented || !plain) env.set(name, union(env.get(name) ?? CLEAN, stepped));
      else env.set(name, stepped);
      if (plain && valueNode && !augmented) {
        defs.set(name, valueNode);
        mutated.delete(name);
      } else {
        mutated.add(name);
      }
    }
  };

  const assign = (node: SyntaxNode): Taint | null => {
    const asg = adapter.assignment(node);
    if (!asg) return null;
    const { targets, value, augmented } = asg;
    const single = targets.length === 1 ? targets[0] : undefined;
    const targetList =
      single && /pattern_list|tuple_pattern|expression_list/.test(single.type)
        ? single.namedChildren
        : targets;
    const values =
      value && /expression_list|tuple|pattern_list/.test(value.type) ? value.namedChildren : null;
    if (values && values.length === targetList.length && targetList.length > 1) {
      let all: Taint = CLEAN;
      targetList.forEach((t, i) => {
        const v = values[i] as SyntaxNode;
        const vt = evalNode(v);
        all = union(all, vt);
        bind(t, vt, v, augmented);
      });
      return all;
    }
    const vt = value ? evalNode(value) : CLEAN;
    for (const t of targets) bind(t, vt, value, augmented);
    return vt;
  };

  const bindParams = (inner: SyntaxNode, taint: Taint) => {
    for (const p of adapter.functionParams(inner)) for (const name of p.names) env.set(name, taint);
  };

  const walkClosure = (inner: SyntaxNode, paramTaint: Taint) => {
    if (host.isEntry(inner) || depth > 3) return;
    const body = adapter.functionBody(inner);
    if (!body) return;
    // Inner parameters shadow outer variables only inside the closure.
    const shadowed = adapter.functionParams(inner).flatMap((p) => p.names);
    const saved = shadowed.map((name) => [name, env.get(name)] as const);
    bindParams(inner, paramTaint);
    depth++;
    if (adapter.functionTypes.has(inner.type) && body.type !== 'block' && body.type !== 'statement_block') {
      evalNode(body); // expression-bodied arrow / lambda
    } else {
      walk(body);
    }
    depth--;
    for (const [name, t] of saved) {
      if (t) env.set(name, t);
      else env.delete(name);
    }
  };

  /** A function defined inside this one sees its variables (closure): walk it where it is defined. */
  const walkNestedDefinition = (inner: SyntaxNode) => {
    if (fn !== null && inner.id !== fn.id) walkClosure(inner, CLEAN);
  };

  const pickArgs = (call: CallView, sink: CompiledSink): PickedArg[] => {
    if (sink.spec.pick) return sink.spec.pick(call, q);
    const out: PickedArg[] = [];
    for (const ref of sink.spec.args ?? [0]) {
      if (typeof ref === 'number') {
        const a = call.args[ref];
        if (a) out.push({ node: a });
      } else if (ref === 'receiver') {
        if (call.receiver) out.push({ node: call.receiver });
      } else if ('kw' in ref) {
        const a = call.kwargs.get(ref.kw);
        if (a) out.push({ node: a });
      } else {
        for (const a of call.args.slice(ref.rest)) out.push({ node: a });
      }
    }
    return out;
  };

  const recordHit = (hit: SinkHit) => {
    const key = `${nodeKey(hit.node)}|${hit.sink.detector.id}|${hit.label.origin.kind}:${hit.label.origin.paramIndex ?? ''}:${hit.label.origin.line}:${hit.label.origin.column}:${hit.label.origin.tool ?? ''}`;
    const prev = hits.get(key);
    if (!prev || hit.label.steps.length < prev.label.steps.length) hits.set(key, hit);
  };

  const { templates, addTemplate, applyTemplate, paramArgs, paramTaint, tailTaint } = createCallTemplates({
    file,
    fn,
    lang,
    host,
    q,
    env,
    evalNode,
    pickArgs,
    recordHit,
  });

  /** `validate_branch(branch)` returned normally: the caller's variable is validated from here on. */
  const validateArgument = (args: SyntaxNode[], clears: Validation['clears']) => {
    for (const a of args) {
      const member = adapter.member(a);
      if (member && adapter.isIdentifier(member.object) && clears === 'all') {
        env.set(
          member.object.text,
          addSafeField(readVar(member.object.text, member.object), member.property),
        );
      } else if (adapter.isIdentifier(a)) {
        env.set(a.text, sanitize(readVar(a.text, a), clears));
      }
    }
  };

  const evalCall = (node: SyntaxNode): Taint => {
    const raw = adapter.call(node);
    if (!raw) return CLEAN;
    const rawCallee = rawPath(raw.calleeNode, adapter);
    const callee = canonicalPath(rawCallee, file, lookupDef);
    const call: CallView = {
      node,
      language: lang,
      callee,
      rawCallee,
      args: raw.args,
      kwargs: raw.kwargs,
      receiver: raw.receiver,
      isNew: raw.isNew,
    };
    const receiverTaint = raw.receiver ? evalNode(raw.receiver) : CLEAN;
    const fnArgs: SyntaxNode[] = [];
    let argsTaint: Taint = CLEAN;
    for (const a of [...raw.args, ...raw.kwargs.values()]) {
      if (adapter.functionTypes.has(a.type)) fnArgs.push(a);
      else argsTaint = union(argsTaint, evalNode(a));
    }
    for (const f of fnArgs) walkClosure(f, union(receiverTaint, argsTaint));
    host.onCall?.(call, { file: file.path, language: lang, q, tool: undefined, at: node });

    const directSinks = host.rules.sinks(lang, callee);
    const templated = directSinks.length > 0 ? addTemplate(call, file) : new Set<number>();
    for (const sink of directSinks) {
      if (sink.spec.when && !sink.spec.when(call, q)) continue;
      for (const picked of pickArgs(call, sink)) {
        for (const label of liveFor(evalNode(picked.node), sink.sinkKind)) {
          // A parameter passed through unchanged is judged at each call site, through the template.
          if (label.origin.kind === 'param' && templated.has(picked.node.id)) continue;
          recordHit({
            sink,
            file,
            node,
            label,
            at: node,
            ...(picked.note ? { note: picked.note } : {}),
            ...(picked.argvTail ? { argvTail: true } : {}),
          });
        }
      }
    }

    const targets = host.resolveCall(file, call);
    let result: Taint = CLEAN;
    let summarized = false;
    for (const target of targets) {
      const summary = host.summaryOf(target);
      if (!summary) continue;
      summarized = true;
      const callStep = (i: number) =>
        stepAt(
          file,
          node,
          'call',
          `passed to ${target.name ?? 'function'}() as ${target.params[i]?.name ?? `#${i}`}`,
        );
      for (const s of summary.sinks) {
        const bound = s.argvTail
          ? tailTaint(paramArgs(call, target, s.paramIndex))
          : paramTaint(call, target, s.paramIndex);
        for (const label of liveFor(bound, s.sink.sinkKind)) {
          if (s.sanitized.includes(s.sink.sinkKind)) continue;
          recordHit({
            sink: s.sink,
            file: s.file,
            node: s.node,
            at: node,
            label: { ...label, steps: [...label.steps, callStep(s.paramIndex), ...s.steps] },
            ...(s.note ? { note: s.note } : {}),
          });
        }
      }
      for (const t of summary.templates) applyTemplate(t, call, target, callStep);
      for (const v of summary.validates ?? [])
        validateArgument(paramArgs(call, target, v.paramIndex), v.clears);
      for (const r of summary.returns) {
        let t = withStep(
          paramTaint(call, target, r.paramIndex),
          stepAt(file, node, 'return', `returned by ${target.name ?? 'function'}()`),
        );
        if (r.sanitized.length > 0) t = sanitize(t, r.sanitized);
        result = union(result, t);
      }
      result = union(result, taintOf(summary.returnSources));
    }

    const clears = host.rules.sanitizer(lang, callee);
    const source = host.rules.source(lang, callee, 'call');
    const method = rawCallee.includes('.') ? (rawCallee.split('.').pop() ?? '') : '';
    if (clears === 'all') return CLEAN;
    // `obj.get(k)` resolved only by method name may be dict.get rather than the project's `get`:
    // keep the library-call propagation as well, so a wrong edge never loses taint.
    const head = rawCallee.split(/[.(]/)[0] ?? '';
    const byNameOnly =
      summarized && raw.receiver !== null && !/^(this|self|cls)$/.test(head) && !file.imports.has(head);
    if (!summarized || byNameOnly) {
      let recv = receiverTaint;
      // `args.get("count")`, `request.GetString("path", "")`: a field read through a method.
      const key = raw.args[0] ? adapter.stringValue(raw.args[0]) : null;
      if (key !== null) recv = dropField(recv, key);
      // `COMMANDS.get(name, default)`, `map.get(k)`: like `COMMANDS[name]`, the key only chooses.
      const lookup = method === 'get' && raw.receiver !== null && lang !== 'go' && !file.imports.has(head);
      const valueArgs = lookup ? union(...raw.args.slice(1).map((a) => evalNode(a))) : argsTaint;
      result = union(result, recv, valueArgs);
      if (
        raw.receiver &&
        adapter.isIdentifier(raw.receiver) &&
        MUTATORS[lang].includes(method) &&
        argsTaint.size > 0
      ) {
        const name = raw.receiver.text;
        mutated.add(name);
        env.set(name, union(env.get(name) ?? readVar(name, raw.receiver), argsTaint));
      }
    }
    // A read is attacker-influenced twice: as a source of its own, and through what selects it (the path).
    if (source) result = union(result, sourceTaint(source.kind, source.note, node));
    return clears ? sanitize(result, clears) : result;
  };

  function evalNode(node: SyntaxNode): Taint {
    const key = nodeKey(node);
    const cached = memo.get(key);
    if (cached) return cached;
    host.checkBudget();
    const t = evalUncached(node);
    memo.set(key, t);
    return t;
  }

  function evalUncached(node: SyntaxNode): Taint {
    if (adapter.functionTypes.has(node.type)) {
      // Also analysed as its own function; here for the variables it captures.
      walkNestedDefinition(node);
      return CLEAN;
    }
    if (adapter.call(node)) return evalCall(node);
    const assigned = assign(node);
    if (assigned) return assigned;
    if (adapter.isIdentifier(node)) return readVar(node.text, node);
    if (adapter.isLiteral(node)) return CLEAN;
    const member = adapter.member(node);
    if (member) {
      const path = canonicalPath(rawPath(node, adapter), file, lookupDef);
      const spec = host.rules.source(lang, path, 'member');
      if (spec) return sourceTaint(spec.kind, spec.note, node);
      const objectTaint = evalNode(member.object);
      // A response's status or size carries none of its content (and none of the caller's input).
      if (RESPONSE_METADATA.has(member.property) && isFetchedOnly(objectTaint)) return CLEAN;
      return dropField(objectTaint, member.property);
    }
    const indexed = INDEXING[node.type];
    if (indexed) {
      // A lookup returns an element of the container; a tainted key only chooses which one.
      const object = node.childForFieldName(indexed.object);
      const index = node.childForFieldName(indexed.index);
      if (index) evalNode(index);
      return object ? evalNode(object) : CLEAN;
    }
    if (node.type === 'keyed_element' || node.type === 'pair') {
      const value = node.childForFieldName('value') ?? node.namedChildren[1];
      return value ? evalNode(value) : CLEAN;
    }
    if (node.type === 'keyword_argument') {
      const value = node.childForFieldName('value');
      return value ? evalNode(value) : CLEAN;
    }
    const children = node.namedChildren;
    if (COMPREHENSIONS.has(node.type)) {
      // Bind the loop variables before evaluating the element expression.
      children.sort((a, b) => Number(b.type === 'for_in_clause') - Number(a.type === 'for_in_clause'));
    }
    const loop = adapter.forBinding(node);
    if (loop) {
      const it = evalNode(loop.iterable);
      for (const t of loop.targets) bind(t, it, loop.iterable, false);
      return it;
    }
    let t: Taint = CLEAN;
    for (const c of children) t = union(t, evalNode(c));
    return t;
  }

  const { applyGuard } = createGuardApplication({
    file,
    fn,
    lang,
    host,
    env,
    lookupDef,
    readVar,
    walk: (node) => walk(node),
  });

  function walk(node: SyntaxNode): void {
    host.checkBudget();
    if (adapter.functionTypes.has(node.type)) {
      walkNestedDefinition(node);
      return;
    }
    if (
      node.type === 'decorated_definition' ||
      node.type === 'class_definition' ||
      node.type === 'class_declaration'
    ) {
      for (const c of node.namedChildren) walk(c);
      return;
    }
    if (adapter.call(node) || adapter.assignment(node)) {
      evalNode(node);
      return;
    }
    const ret = adapter.returnValue(node);
    if (ret !== undefined) {
      if (ret) {
        const t = evalNode(ret);
        if (depth === 0) returns = union(returns, withStep(t, stepAt(file, node, 'return', 'returned')));
      }
      return;
    }
    const loop = adapter.forBinding(node);
    if (loop) {
      evalNode(node);
      for (const c of node.namedChildren) {
        if (c.id !== loop.iterable.id && !loop.targets.some((t) => t.id === c.id)) walk(c);
      }
      return;
    }
    const ifParts = adapter.ifParts(node);
    if (ifParts) {
      const init = node.childForFieldName('initializer');
      if (init) walk(init);
      evalNode(ifParts.condition);
      const guard = applyGuard(node, ifParts.condition, ifParts.consequence);
      for (const c of node.namedChildren) {
        if (c.id === ifParts.condition.id || c.id === init?.id) continue;
        if (guard?.walked && c.id === ifParts.consequence.id) continue;
        walk(c);
      }
      if (guard && fn !== null && depth === 0 && node.parent?.id === adapter.functionBody(fn)?.id) {
        // A guard at the top of the body validates the caller's argument for every later statement.
        const before = new Map([...paramIndexOf.keys()].map((n) => [n, env.get(n)]));
        guard.after();
        recordValidations(before);
      } else {
        guard?.after();
      }
      return;
    }
    if (adapter.member(node) || adapter.isIdentifier(node)) {
      evalNode(node);
      return;
    }
    for (const c of node.namedChildren) walk(c);
  }

  const body = fn ? adapter.functionBody(fn) : file.root;
  if (body) {
    const loopKey = `loop:${body.id}`;
    let hasLoop = file.memo.get(loopKey);
    if (hasLoop === undefined) {
      hasLoop = body.descendantsOfType(LOOPS).length > 0;
      file.memo.set(loopKey, hasLoop);
    }
    const exprBody = fn !== null && body.type !== 'block' && body.type !== 'statement_block';
    for (let pass = 0; pass < (hasLoop ? 2 : 1); pass++) {
      memo = new Map();
      if (exprBody) {
        const t = evalNode(body);
        returns = union(returns, t);
      } else {
        walk(body);
      }
    }
  }
  return {
    returns,
    hits: [...hits.values()],
    defs,
    env,
    templates: [...templates.values()],
    validates: [...validations.values()],
  };
}
