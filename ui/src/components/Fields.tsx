import { useEffect, useId, useRef, useState } from 'react';
import { Labeled } from './Labeled';
import { Definition, getAt, isObject, Json, JsonObject, setAt, StepRef } from '../model/definition';
import { checkValue, dynamicContent, insertDynamic } from '../model/expr';
import { AUTH_TYPES, Field, RETRY_TYPES, schemaFromSample } from '../model/schema';

export interface FieldCtx {
  def: Definition;
  ref: StepRef;
  step: JsonObject;
  onChange(step: JsonObject): void;
  /** Server validation messages by field path (joined with '/'). */
  serverErrors: Map<string, string[]>;
  showRequired: boolean;
}

export function FieldView({ field, ctx, onRemove }: { field: Field; ctx: FieldCtx; onRemove?: () => void }) {
  const value = getAt(ctx.step, field.path);
  const set = (v: Json | undefined) => ctx.onChange(setAt(ctx.step, field.path, v));
  const id = useId();
  const errId = `${id}-err`;
  const server = ctx.serverErrors.get(field.path.join('/')) ?? [];
  const missing = ctx.showRequired && field.required && (value === undefined || value === null || value === '');
  const problems = [...(missing ? [`${field.label} is required.`] : []), ...server];

  if (field.kind === 'group') {
    return (
      <fieldset className="group">
        <legend>{field.label}</legend>
        {onRemove && (
          <button type="button" className="icon-btn remove-param" aria-label={`Remove ${field.label}`} onClick={onRemove}>
            ×
          </button>
        )}
        {field.help && <p className="muted small">{field.help}</p>}
        {(field.fields ?? []).map((f) => (
          <FieldView key={f.id} field={f} ctx={ctx} />
        ))}
      </fieldset>
    );
  }

  let control: JSX.Element;
  switch (field.kind) {
    case 'select':
      control = (
        <select id={id} value={value === undefined || value === null ? '' : String(value)} onChange={(e) => set(e.target.value === '' && !field.required ? undefined : e.target.value)} aria-describedby={errId} aria-invalid={problems.length > 0} aria-required={field.required}>
          {!field.required && !(field.options ?? []).includes('') && <option value="">(none)</option>}
          {field.required && (value === undefined || value === '') && <option value="">Choose…</option>}
          {(field.options ?? []).map((o) => (
            <option key={o} value={o}>
              {o === '' ? '(any)' : o}
            </option>
          ))}
          {typeof value === 'string' && value !== '' && !(field.options ?? []).includes(value) && <option value={value}>{value}</option>}
        </select>
      );
      break;
    case 'text':
    case 'duration':
      control = (
        <input id={id} type="text" value={value === undefined || value === null ? '' : String(value)} placeholder={field.placeholder} onChange={(e) => set(e.target.value)} aria-describedby={errId} aria-invalid={problems.length > 0} aria-required={field.required} />
      );
      if (field.kind === 'duration' && typeof value === 'string' && value && !/^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$/.test(value)) {
        problems.push('Use an ISO 8601 duration such as PT30S, PT1H or P1D.');
      }
      break;
    case 'number':
      control = (
        <input
          id={id}
          type="text"
          inputMode="numeric"
          value={value === undefined || value === null ? '' : String(value)}
          placeholder={field.placeholder}
          onChange={(e) => {
            const t = e.target.value;
            set(t === '' ? undefined : /^-?\d+(\.\d+)?$/.test(t) ? Number(t) : t);
          }}
          aria-describedby={errId}
          aria-invalid={problems.length > 0}
          aria-required={field.required}
        />
      );
      if (typeof value === 'string') {
        const e = value.startsWith('@') ? checkValue(value) : { message: 'Enter a number or an expression starting with @.' };
        if (e) problems.push(e.message);
      }
      break;
    case 'expression':
      return <ExpressionField field={field} ctx={ctx} id={id} problems={problems} />;
    case 'json':
      return <JsonField field={field} ctx={ctx} id={id} problems={problems} />;
    case 'schema':
      return <SchemaField field={field} ctx={ctx} id={id} problems={problems} />;
    case 'headers':
      control = <HeadersEditor label={field.label} value={isObject(value) ? value : {}} onChange={set} />;
      break;
    case 'auth':
      control = <AuthEditor value={isObject(value) ? value : {}} onChange={set} />;
      break;
    case 'retry':
      control = <RetryEditor value={isObject(value) ? value : {}} onChange={set} />;
      break;
    case 'condition':
      control = <ConditionBuilder value={value} onChange={set} ctx={ctx} field={field} />;
      break;
    case 'cases':
      control = <CasesEditor value={isObject(value) ? value : {}} onChange={set} />;
      break;
    default:
      control = <span>Unsupported field</span>;
  }
  const compound = ['headers', 'auth', 'retry', 'condition', 'cases'].includes(field.kind);
  return (
    <div className="field">
      {compound ? (
        <div className="label-row">
          <span className="label" id={`${id}-label`}>
            {field.label}
            {field.required && <span className="req" aria-hidden="true"> *</span>}
          </span>
          {onRemove && <RemoveButton label={field.label} onRemove={onRemove} />}
        </div>
      ) : (
        <div className="label-row">
          <span>
            <label className="label" htmlFor={id}>
              {field.label}
            </label>
            {field.required && <span className="req" aria-hidden="true"> *</span>}
          </span>
          {onRemove && <RemoveButton label={field.label} onRemove={onRemove} />}
        </div>
      )}
      {compound ? (
        <div role="group" aria-labelledby={`${id}-label`}>
          {control}
        </div>
      ) : (
        control
      )}
      {field.help && <p className="muted small">{field.help}</p>}
      <Problems id={errId} problems={problems} />
    </div>
  );
}

function RemoveButton({ label, onRemove }: { label: string; onRemove: () => void }) {
  return (
    <button type="button" className="link-btn" aria-label={`Remove ${label}`} onClick={onRemove}>
      Remove
    </button>
  );
}

function Problems({ id, problems }: { id: string; problems: string[] }) {
  return (
    <div id={id} className="field-error" aria-live="polite">
      {problems.map((p, i) => (
        <div key={i}>{p}</div>
      ))}
    </div>
  );
}

function FieldLabel({ field, id, extra }: { field: Field; id: string; extra?: JSX.Element }) {
  return (
    <div className="label-row">
      <span>
        <label className="label" htmlFor={id}>
          {field.label}
        </label>
        {field.required && <span className="req" aria-hidden="true"> *</span>}
      </span>
      {extra}
    </div>
  );
}

function DynamicPicker({ ctx, field, onInsert, compact }: { ctx: FieldCtx; field: Field; onInsert(expr: string): void; compact?: boolean }) {
  const [open, setOpen] = useState(false);
  const ref = useRef<HTMLDivElement>(null);
  const items = dynamicContent(ctx.def, ctx.ref, !!field.callbackUrl);
  useEffect(() => {
    if (!open) return;
    const close = (e: MouseEvent) => {
      if (ref.current && !ref.current.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener('mousedown', close);
    return () => document.removeEventListener('mousedown', close);
  }, [open]);
  useEffect(() => {
    if (open) ref.current?.querySelector<HTMLButtonElement>('[role=menuitem]')?.focus();
  }, [open]);
  if (!items.length) return null;
  const groups = [...new Set(items.map((i) => i.group))];
  const close = () => {
    setOpen(false);
    ref.current?.querySelector<HTMLButtonElement>('button')?.focus();
  };
  return (
    <div
      className="picker"
      ref={ref}
      onKeyDown={(e) => {
        if (!open) return;
        const items = [...(ref.current?.querySelectorAll<HTMLButtonElement>('[role=menuitem]') ?? [])];
        const i = items.indexOf(document.activeElement as HTMLButtonElement);
        if (e.key === 'Escape') {
          e.stopPropagation();
          close();
        } else if (e.key === 'ArrowDown' && items.length) {
          e.preventDefault();
          items[(i + 1) % items.length].focus();
        } else if (e.key === 'ArrowUp' && items.length) {
          e.preventDefault();
          items[(i - 1 + items.length) % items.length].focus();
        }
      }}
    >
      <button type="button" className="link-btn" aria-expanded={open} aria-label={`Insert dynamic content into ${field.label}`} title="Insert dynamic content" onClick={() => setOpen(!open)}>
        {compact ? '⚡' : '⚡ Dynamic content'}
      </button>
      {open && (
        <div className="popover" role="menu" aria-label={`Dynamic content for ${field.label}`}>
          {groups.map((g) => (
            <div key={g} className="popover-group">
              <div className="popover-title">{g}</div>
              {items
                .filter((i) => i.group === g)
                .map((i) => (
                  <button
                    key={i.expr}
                    type="button"
                    role="menuitem"
                    className="popover-item"
                    onClick={() => {
                      onInsert(i.expr);
                      close();
                    }}
                  >
                    <span>{i.label}</span>
                    <code>{i.expr}</code>
                  </button>
                ))}
            </div>
          ))}
        </div>
      )}
    </div>
  );
}

function ExpressionField({ field, ctx, id, problems }: { field: Field; ctx: FieldCtx; id: string; problems: string[] }) {
  const value = getAt(ctx.step, field.path);
  const text = value === undefined || value === null ? '' : typeof value === 'string' ? value : JSON.stringify(value);
  const set = (v: string) => ctx.onChange(setAt(ctx.step, field.path, v));
  const e = checkValue(text);
  const all = [...problems, ...(e ? [`Expression error at ${e.at + 1}: ${e.message}`] : [])];
  if (!field.callbackUrl && /listCallbackUrl\s*\(/i.test(text)) all.push('listCallbackUrl() is only valid in the subscribe and unsubscribe inputs of an HTTP Webhook.');
  const errId = `${id}-err`;
  return (
    <div className="field">
      <FieldLabel field={field} id={id} extra={<DynamicPicker ctx={ctx} field={field} onInsert={(x) => set(insertDynamic(text, x))} />} />
      <input id={id} type="text" className={text.includes('@') ? 'mono' : ''} value={text} placeholder={field.placeholder} onChange={(ev) => set(ev.target.value)} aria-describedby={errId} aria-invalid={all.length > 0} aria-required={field.required} />
      {field.help && <p className="muted small">{field.help}</p>}
      <Problems id={errId} problems={all} />
    </div>
  );
}

function toText(v: Json | undefined): string {
  if (v === undefined) return '';
  if (typeof v === 'string') return v;
  return JSON.stringify(v, null, 2);
}

function fromText(t: string): Json | undefined {
  if (t.trim() === '') return undefined;
  const s = t.trim();
  if (/^[[{"]/.test(s) || /^(true|false|null|-?\d+(\.\d+)?)$/.test(s)) {
    try {
      return JSON.parse(s) as Json;
    } catch {
      return t;
    }
  }
  return t;
}

function stringsIn(v: Json | undefined, out: string[] = []): string[] {
  if (typeof v === 'string') out.push(v);
  else if (Array.isArray(v)) v.forEach((x) => stringsIn(x, out));
  else if (isObject(v)) Object.values(v).forEach((x) => stringsIn(x, out));
  return out;
}

function JsonField({ field, ctx, id, problems }: { field: Field; ctx: FieldCtx; id: string; problems: string[] }) {
  const value = getAt(ctx.step, field.path);
  const [text, setText] = useState(toText(value));
  const last = useRef(value);
  useEffect(() => {
    if (JSON.stringify(last.current) !== JSON.stringify(value)) {
      setText(toText(value));
      last.current = value;
    }
  }, [value]);
  const onText = (t: string) => {
    setText(t);
    const v = fromText(t);
    last.current = v;
    ctx.onChange(setAt(ctx.step, field.path, v));
  };
  const all = [...problems];
  const s = text.trim();
  if (/^[[{]/.test(s)) {
    try {
      JSON.parse(s);
    } catch (e) {
      all.push(`Not valid JSON yet: ${(e as Error).message}`);
    }
  }
  for (const str of stringsIn(value)) {
    const e = checkValue(str);
    if (e) {
      all.push(`Expression error in "${str.length > 40 ? str.slice(0, 40) + '…' : str}": ${e.message}`);
      break;
    }
  }
  const errId = `${id}-err`;
  return (
    <div className="field">
      <FieldLabel field={field} id={id} extra={<DynamicPicker ctx={ctx} field={field} onInsert={(x) => onText(s ? `${text}@{${x}}` : `@${x}`)} />} />
      <textarea id={id} className="mono" rows={Math.min(12, Math.max(3, text.split('\n').length))} value={text} placeholder={field.placeholder} onChange={(e) => onText(e.target.value)} aria-describedby={errId} aria-invalid={all.length > 0} aria-required={field.required} spellCheck={false} />
      <Problems id={errId} problems={all} />
    </div>
  );
}

function SchemaField({ field, ctx, id, problems }: { field: Field; ctx: FieldCtx; id: string; problems: string[] }) {
  const [sampling, setSampling] = useState(false);
  const [sample, setSample] = useState('');
  const [sampleError, setSampleError] = useState<string | null>(null);
  const generate = () => {
    try {
      const parsed = JSON.parse(sample) as Json;
      ctx.onChange(setAt(ctx.step, field.path, schemaFromSample(parsed)));
      setSampling(false);
      setSample('');
      setSampleError(null);
    } catch (e) {
      setSampleError(`The sample is not JSON: ${(e as Error).message}`);
    }
  };
  return (
    <div className="schema-field">
      <JsonField field={field} ctx={ctx} id={id} problems={problems} />
      {!sampling ? (
        <button type="button" className="link-btn" onClick={() => setSampling(true)}>
          Use sample payload to generate schema
        </button>
      ) : (
        <div className="sample card inset">
          <label className="label" htmlFor={`${id}-sample`}>
            Sample JSON payload
          </label>
          <textarea id={`${id}-sample`} className="mono" rows={5} value={sample} onChange={(e) => setSample(e.target.value)} placeholder='{ "name": "Ada", "amount": 12 }' spellCheck={false} />
          {sampleError && (
            <p className="field-error" role="alert">
              {sampleError}
            </p>
          )}
          <div className="row">
            <button type="button" className="btn small primary" onClick={generate}>
              Done
            </button>
            <button type="button" className="btn small" onClick={() => setSampling(false)}>
              Cancel
            </button>
          </div>
        </div>
      )}
    </div>
  );
}

function HeadersEditor({ label, value, onChange }: { label: string; value: JsonObject; onChange(v: Json): void }) {
  const entries = Object.entries(value);
  const rows = [...entries, ['', ''] as [string, Json]];
  const update = (i: number, k: string, v: string) => {
    const next: JsonObject = {};
    rows.forEach(([rk, rv], j) => {
      const key = j === i ? k : rk;
      const val = j === i ? v : rv;
      if (key) next[key] = val;
    });
    onChange(next);
  };
  return (
    <div className="kv">
      {rows.map(([k, v], i) => (
        <div className="kv-row" key={i}>
          <input aria-label={`${label} key ${i + 1}`} placeholder="Key" value={k} onChange={(e) => update(i, e.target.value, typeof v === 'string' ? v : JSON.stringify(v))} />
          <input aria-label={`${label} value ${i + 1}`} placeholder="Value" value={typeof v === 'string' ? v : JSON.stringify(v)} onChange={(e) => update(i, k, e.target.value)} disabled={!k} />
        </div>
      ))}
    </div>
  );
}

function AuthEditor({ value, onChange }: { value: JsonObject; onChange(v: Json): void }) {
  const type = String(value.type ?? 'Basic');
  const spec = AUTH_TYPES.find((a) => a.type.toLowerCase() === type.toLowerCase()) ?? AUTH_TYPES[0];
  return (
    <div className="sub-form">
      <Labeled label="Authentication type" className="field">
        <select value={spec.type} onChange={(e) => onChange({ type: e.target.value })}>
          {AUTH_TYPES.map((a) => (
            <option key={a.type} value={a.type}>
              {a.label}
            </option>
          ))}
        </select>
      </Labeled>
      {spec.fields.map((f) => (
        <Labeled label={f.label} className="field" key={f.key}>
          <input type={f.secret ? 'password' : 'text'} autoComplete="off" value={typeof value[f.key] === 'string' ? (value[f.key] as string) : ''} onChange={(e) => onChange({ ...value, type: spec.type, [f.key]: e.target.value })} />
        </Labeled>
      ))}
    </div>
  );
}

function RetryEditor({ value, onChange }: { value: JsonObject; onChange(v: Json): void }) {
  const type = String(value.type ?? 'fixed').toLowerCase();
  return (
    <div className="sub-form">
      <Labeled label="Retry type" className="field">
        <select value={type} onChange={(e) => onChange(e.target.value === 'none' ? { type: 'none' } : { ...value, type: e.target.value })}>
          {RETRY_TYPES.map((t) => (
            <option key={t} value={t}>
              {t[0].toUpperCase() + t.slice(1)}
            </option>
          ))}
        </select>
      </Labeled>
      {type !== 'none' && (
        <div className="row">
          <Labeled label="Count" className="field">
            <input inputMode="numeric" value={String(value.count ?? '')} onChange={(e) => onChange({ ...value, count: /^\d+$/.test(e.target.value) ? Number(e.target.value) : e.target.value })} />
          </Labeled>
          <Labeled label="Interval" className="field">
            <input value={String(value.interval ?? '')} placeholder="PT10S" onChange={(e) => onChange({ ...value, interval: e.target.value })} />
          </Labeled>
        </div>
      )}
      {type === 'exponential' && (
        <div className="row">
          <Labeled label="Minimum interval" className="field">
            <input value={String(value.minimumInterval ?? '')} placeholder="PT5S" onChange={(e) => onChange({ ...value, minimumInterval: e.target.value })} />
          </Labeled>
          <Labeled label="Maximum interval" className="field">
            <input value={String(value.maximumInterval ?? '')} placeholder="PT1H" onChange={(e) => onChange({ ...value, maximumInterval: e.target.value })} />
          </Labeled>
        </div>
      )}
    </div>
  );
}

const OPERATORS: { op: string; label: string; not?: boolean }[] = [
  { op: 'equals', label: 'is equal to' },
  { op: 'equals', label: 'is not equal to', not: true },
  { op: 'greater', label: 'is greater than' },
  { op: 'greaterOrEquals', label: 'is greater than or equal to' },
  { op: 'less', label: 'is less than' },
  { op: 'lessOrEquals', label: 'is less than or equal to' },
  { op: 'contains', label: 'contains' },
  { op: 'contains', label: 'does not contain', not: true },
  { op: 'startsWith', label: 'starts with' },
  { op: 'endsWith', label: 'ends with' },
];

interface Row {
  op: string;
  not: boolean;
  left: Json;
  right: Json;
}

function parseRow(v: Json): Row | null {
  let not = false;
  let x = v;
  if (isObject(x) && Object.keys(x).length === 1 && isObject(x.not)) {
    not = true;
    x = x.not;
  }
  if (!isObject(x) || Object.keys(x).length !== 1) return null;
  const op = Object.keys(x)[0];
  const args = x[op];
  if (!OPERATORS.some((o) => o.op === op) || !Array.isArray(args) || args.length !== 2) return null;
  return { op, not, left: args[0], right: args[1] };
}

function rowJson(r: Row): Json {
  const inner = { [r.op]: [r.left, r.right] };
  return r.not ? { not: inner } : inner;
}

function operandText(v: Json): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function operandValue(t: string): Json {
  if (/^(true|false|null|-?\d+(\.\d+)?)$/.test(t.trim())) return JSON.parse(t.trim()) as Json;
  return t;
}

function ConditionBuilder({ value, onChange, ctx, field }: { value: Json | undefined; onChange(v: Json): void; ctx: FieldCtx; field: Field }) {
  const group = isObject(value) && Object.keys(value).length === 1 && (Array.isArray(value.and) || Array.isArray(value.or)) ? (Array.isArray(value.and) ? 'and' : 'or') : null;
  const items = group && isObject(value) ? (value[group] as Json[]) : null;
  const rows = items?.map(parseRow) ?? null;
  const [raw, setRaw] = useState(false);
  if (!rows || rows.some((r) => r === null) || raw) {
    return (
      <div className="sub-form">
        <p className="muted small">This condition is edited as JSON (an expression string, or and/or/not of comparisons).</p>
        <textarea className="mono" aria-label="Condition JSON" rows={6} defaultValue={toText(value)} onChange={(e) => {
          const v = fromText(e.target.value);
          if (v !== undefined) onChange(v);
        }} spellCheck={false} />
        {raw && (
          <button type="button" className="link-btn" onClick={() => setRaw(false)}>
            Back to the builder
          </button>
        )}
      </div>
    );
  }
  const typed = rows as Row[];
  const emit = (next: Row[], g = group!) => onChange({ [g]: next.map(rowJson) });
  const setOperand = (i: number, side: 'left' | 'right', text: string) =>
    emit(typed.map((x, j) => (j === i ? { ...x, [side]: operandValue(text) } : x)));
  return (
    <div className="condition">
      <div className="row">
        <label className="inline">
          <span className="sr-only">Combine comparisons with</span>
          <select aria-label="Combine comparisons with" value={group!} onChange={(e) => emit(typed, e.target.value)}>
            <option value="and">And — all must hold</option>
            <option value="or">Or — any may hold</option>
          </select>
        </label>
      </div>
      {typed.map((r, i) => {
        const opIndex = OPERATORS.findIndex((o) => o.op === r.op && !!o.not === r.not);
        return (
          <div className="cond-row" key={i}>
            <div className="cond-left">
              <input aria-label={`Comparison ${i + 1} left value`} className="mono" placeholder="Choose a value" value={operandText(r.left)} onChange={(e) => setOperand(i, 'left', e.target.value)} />
              <DynamicPicker compact ctx={ctx} field={{ ...field, label: `comparison ${i + 1} left value` }} onInsert={(x) => setOperand(i, 'left', insertDynamic(operandText(r.left), x))} />
            </div>
            <select aria-label={`Comparison ${i + 1} operator`} value={opIndex} onChange={(e) => {
              const o = OPERATORS[Number(e.target.value)];
              emit(typed.map((x, j) => (j === i ? { ...x, op: o.op, not: !!o.not } : x)));
            }}>
              {OPERATORS.map((o, k) => (
                <option key={k} value={k}>
                  {o.label}
                </option>
              ))}
            </select>
            <input aria-label={`Comparison ${i + 1} right value`} className="mono" placeholder="Choose a value" value={operandText(r.right)} onChange={(e) => setOperand(i, 'right', e.target.value)} />
            <button type="button" className="icon-btn" aria-label={`Remove comparison ${i + 1}`} onClick={() => emit(typed.filter((_, j) => j !== i))} disabled={typed.length === 1}>
              ×
            </button>
            {[r.left, r.right].map((v, k) => {
              const e = typeof v === 'string' ? checkValue(v) : null;
              return e ? (
                <div key={k} className="field-error cond-error" role="alert">
                  Comparison {i + 1} {k === 0 ? 'left' : 'right'} value: {e.message}
                </div>
              ) : null;
            })}
          </div>
        );
      })}
      <div className="row">
        <button type="button" className="btn small" onClick={() => emit([...typed, { op: 'equals', not: false, left: '', right: '' }])}>
          + Add comparison
        </button>
        <button type="button" className="link-btn" onClick={() => setRaw(true)}>
          Edit as JSON
        </button>
      </div>
    </div>
  );
}

function CasesEditor({ value, onChange }: { value: JsonObject; onChange(v: Json): void }) {
  const entries = Object.entries(value);
  const renameCase = (from: string, to: string) => {
    if (!to || (to !== from && value[to] !== undefined)) return;
    const next: JsonObject = {};
    for (const [k, v] of entries) next[k === from ? to : k] = v;
    onChange(next);
  };
  return (
    <div className="cases">
      {entries.map(([name, c], i) => (
        <div className="case-row" key={i}>
          <Labeled label={`Case ${i + 1} name`} className="field">
            <input defaultValue={name} onBlur={(e) => renameCase(name, e.target.value.trim().replace(/\s+/g, '_'))} />
          </Labeled>
          <Labeled label={`Case ${i + 1} equals`} className="field">
            <input className="mono" value={isObject(c) ? operandText(c.case ?? '') : ''} onChange={(e) => onChange({ ...value, [name]: { ...(isObject(c) ? c : {}), case: operandValue(e.target.value) } })} />
          </Labeled>
          <button type="button" className="icon-btn" aria-label={`Remove case ${name}`} onClick={() => {
            const next = { ...value };
            delete next[name];
            onChange(next);
          }}>
            ×
          </button>
        </div>
      ))}
      <button type="button" className="btn small" onClick={() => {
        let n = entries.length + 1;
        while (value[`Case_${n}`] !== undefined) n++;
        onChange({ ...value, [`Case_${n}`]: { case: '', actions: {} } });
      }}>
        + Add case
      </button>
    </div>
  );
}
