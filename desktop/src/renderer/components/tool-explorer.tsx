import { type FormEvent, useEffect, useId, useState } from 'react';
import { type ApiError, api } from '../api.js';
import { Empty, ErrorBox, Loading } from './states.js';

interface JsonSchema {
  type?: string | string[];
  description?: string;
  enum?: unknown[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  default?: unknown;
}
export interface Tool {
  name: string;
  title?: string;
  description?: string;
  inputSchema?: JsonSchema;
}
interface CallResult {
  content: { type: string; text?: string; [k: string]: unknown }[];
  isError?: boolean;
  structuredContent?: unknown;
}

type Kind = 'string' | 'number' | 'integer' | 'boolean' | 'enum' | 'json';
const kindOf = (s: JsonSchema): Kind => {
  if (Array.isArray(s.enum) && s.enum.every((v) => typeof v === 'string')) return 'enum';
  const t = Array.isArray(s.type) ? s.type.find((x) => x !== 'null') : s.type;
  if (t === 'string' || t === 'number' || t === 'integer' || t === 'boolean') return t;
  return 'json'; // objects, arrays, unions: edited as JSON
};

/** Turns the form's strings into the arguments the tool's JSON Schema asks for. */
export function argumentsFrom(schema: JsonSchema | undefined, values: Record<string, string | boolean>) {
  const args: Record<string, unknown> = {};
  for (const [name, prop] of Object.entries(schema?.properties ?? {})) {
    const v = values[name];
    const kind = kindOf(prop);
    if (kind === 'boolean') {
      if (v !== undefined) args[name] = v === true;
      continue;
    }
    if (typeof v !== 'string' || v === '') continue;
    if (kind === 'number' || kind === 'integer') {
      const n = Number(v);
      if (!Number.isFinite(n) || (kind === 'integer' && !Number.isInteger(n)))
        throw new Error(`${name} must be ${kind === 'integer' ? 'an integer' : 'a number'}`);
      args[name] = n;
    } else if (kind === 'json') {
      try {
        args[name] = JSON.parse(v);
      } catch {
        throw new Error(`${name} is not valid JSON`);
      }
    } else args[name] = v;
  }
  return args;
}

function Field({
  name,
  schema,
  required,
  value,
  onChange,
}: {
  name: string;
  schema: JsonSchema;
  required: boolean;
  value: string | boolean | undefined;
  onChange: (v: string | boolean) => void;
}) {
  const id = useId();
  const kind = kindOf(schema);
  const help = schema.description ? <span className="muted">{schema.description}</span> : null;
  const label = (
    <>
      {name}
      {required ? ' (required)' : ''} <span className="muted">{kind === 'json' ? 'JSON' : kind}</span>
    </>
  );
  if (kind === 'boolean') {
    return (
      <label htmlFor={id} className="check">
        <input
          id={id}
          type="checkbox"
          checked={value === true}
          onChange={(e) => onChange(e.target.checked)}
        />{' '}
        {label} {help}
      </label>
    );
  }
  return (
    <label htmlFor={id}>
      {label}
      {kind === 'enum' ? (
        <select
          id={id}
          value={String(value ?? '')}
          required={required}
          onChange={(e) => onChange(e.target.value)}
        >
          <option value="">—</option>
          {(schema.enum as string[]).map((v) => (
            <option key={v} value={v}>
              {v}
            </option>
          ))}
        </select>
      ) : kind === 'json' ? (
        <textarea
          id={id}
          value={String(value ?? '')}
          required={required}
          placeholder={schema.type === 'array' ? '[ … ]' : '{ … }'}
          onChange={(e) => onChange(e.target.value)}
        />
      ) : (
        <input
          id={id}
          type={kind === 'string' ? 'text' : 'number'}
          step={kind === 'integer' ? 1 : 'any'}
          value={String(value ?? '')}
          required={required}
          onChange={(e) => onChange(e.target.value)}
        />
      )}
      {help}
    </label>
  );
}

/** Lists the running server's tools, builds a form from the chosen tool's input schema, calls it. */
export function ToolExplorer({ runId }: { runId: string }) {
  const [tools, setTools] = useState<Tool[] | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [chosen, setChosen] = useState<string>('');
  const [values, setValues] = useState<Record<string, string | boolean>>({});
  const [result, setResult] = useState<CallResult | null>(null);
  const [callError, setCallError] = useState<Error | null>(null);
  const [busy, setBusy] = useState(false);
  const selectId = useId();

  useEffect(() => {
    setTools(null);
    setError(null);
    api<{ tools: Tool[] }>(`/api/v1/runs/${runId}/tools`).then(
      (r) => {
        setTools(r.tools);
        setChosen(r.tools[0]?.name ?? '');
      },
      (e: ApiError) => setError(e),
    );
  }, [runId]);

  if (error) return <ErrorBox error={error} />;
  if (!tools) return <Loading what="tools" />;
  if (tools.length === 0) return <Empty>This server offers no tools.</Empty>;
  const tool = tools.find((t) => t.name === chosen);
  const call = async (e: FormEvent) => {
    e.preventDefault();
    if (!tool) return;
    setResult(null);
    setCallError(null);
    setBusy(true);
    try {
      const args = argumentsFrom(tool.inputSchema, values);
      setResult(
        await api<CallResult>(`/api/v1/runs/${runId}/tools/call`, {
          method: 'POST',
          json: { name: tool.name, arguments: args },
        }),
      );
    } catch (err) {
      setCallError(err as Error);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="form tool-explorer" onSubmit={call} aria-label="Tool explorer">
      <label htmlFor={selectId}>
        Tool
        <select
          id={selectId}
          value={chosen}
          onChange={(e) => {
            setChosen(e.target.value);
            setValues({});
            setResult(null);
            setCallError(null);
          }}
        >
          {tools.map((t) => (
            <option key={t.name} value={t.name}>
              {t.title ?? t.name}
            </option>
          ))}
        </select>
      </label>
      {tool?.description && <p className="muted">{tool.description}</p>}
      {Object.entries(tool?.inputSchema?.properties ?? {}).map(([name, prop]) => (
        <Field
          key={`${chosen}:${name}`}
          name={name}
          schema={prop}
          required={tool?.inputSchema?.required?.includes(name) ?? false}
          value={values[name]}
          onChange={(v) => setValues((old) => ({ ...old, [name]: v }))}
        />
      ))}
      <div className="row">
        <button type="submit" disabled={busy}>
          {busy ? 'Calling…' : `Call ${tool?.name ?? ''}`}
        </button>
      </div>
      {callError && <ErrorBox error={callError} />}
      {result && (
        <div className={`tool-result ${result.isError ? 'is-error' : ''}`} role="status" aria-live="polite">
          <h4>{result.isError ? 'The tool reported an error' : 'Result'}</h4>
          {result.content.map((c, i) =>
            c.type === 'text' ? (
              // biome-ignore lint/suspicious/noArrayIndexKey: content items have no identity
              <pre key={i} className="config">
                {c.text}
              </pre>
            ) : (
              // biome-ignore lint/suspicious/noArrayIndexKey: content items have no identity
              <pre key={i} className="config">
                {JSON.stringify(c, null, 2)}
              </pre>
            ),
          )}
        </div>
      )}
    </form>
  );
}
