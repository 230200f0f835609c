import { useEffect, useRef, useState } from 'react';
import { Labeled } from './Labeled';
import { api, enc } from '../api';
import {
  allActions,
  branchesOf,
  checkName,
  containerOf,
  Definition,
  getAt,
  getStep,
  isTrigger,
  JsonObject,
  moveStep,
  renameStep,
  RUN_AFTER_STATUSES,
  runAfterOf,
  setAt,
  setRunAfter,
  setStep,
  StepRef,
  stepPointer,
} from '../model/definition';
import { Field, schemaFor } from '../model/schema';
import { FieldCtx, FieldView } from './Fields';
import { TypeIcon, typeLabel } from './icons';

export function StepPanel(props: {
  def: Definition;
  stepRef: StepRef;
  saved: boolean;
  wf: string;
  errors: { message: string; path: string[] }[];
  onChange(def: Definition, ref?: StepRef): void;
  onDelete(ref: StepRef): void;
  onClose(): void;
}) {
  const { def, stepRef: ref } = props;
  const step = getStep(def, ref);
  const trigger = isTrigger(ref);
  const schema = step ? schemaFor(trigger ? 'trigger' : 'action', step) : undefined;
  const [added, setAdded] = useState<Set<string>>(new Set());
  const [menu, setMenu] = useState(false);
  const [name, setName] = useState(ref.name);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const headingRef = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    setName(ref.name);
    setAdded(new Set());
    setConfirmDelete(false);
  }, [ref.name, ref.container.join('/')]);
  useEffect(() => {
    headingRef.current?.focus();
  }, [stepPointer(ref)]);
  if (!step) return null;

  const nameError = checkName(def, ref, name);
  const commitName = () => {
    if (name === ref.name || nameError) return;
    props.onChange(renameStep(def, ref, name), { container: ref.container, name });
  };
  const serverErrors = new Map<string, string[]>();
  for (const e of props.errors) {
    const k = e.path.join('/');
    serverErrors.set(k, [...(serverErrors.get(k) ?? []), e.message]);
  }
  const ctx: FieldCtx = {
    def,
    ref,
    step,
    onChange: (s) => props.onChange(setStep(def, ref, s)),
    serverErrors,
    showRequired: true,
  };
  const fields = schema?.fields ?? [];
  const visible = (f: Field) => !f.advanced || added.has(f.id) || getAt(step, f.path) !== undefined;
  const hidden = fields.filter((f) => !visible(f));
  const shownAdvanced = fields.filter((f) => f.advanced && visible(f));
  const addParam = (f: Field) => {
    setAdded(new Set([...added, f.id]));
    if (getAt(step, f.path) === undefined && f.initial !== undefined) props.onChange(setStep(def, ref, setAt(step, f.path, f.initial)));
    setMenu(false);
  };
  const removeParam = (f: Field) => {
    const next = new Set(added);
    next.delete(f.id);
    setAdded(next);
    props.onChange(setStep(def, ref, setAt(step, f.path, undefined)));
  };
  // Errors whose pointer is not a form field are shown at the top.
  const known = new Set<string>();
  for (const f of fields) {
    known.add(f.path.join('/'));
    for (const p of f.fields ?? []) known.add(p.path.join('/'));
  }
  const general = props.errors.filter((e) => !known.has(e.path.join('/')));

  return (
    <aside className="panel" aria-labelledby="panel-title">
      <div className="panel-head">
        <TypeIcon type={String(step.type ?? '')} />
        <div className="panel-title-wrap">
          <h2 id="panel-title" tabIndex={-1} ref={headingRef}>
            {ref.name.replace(/_/g, ' ')}
          </h2>
          <div className="muted small">
            {trigger ? 'Trigger' : 'Action'} · {schema?.title ?? typeLabel(String(step.type ?? ''))}
          </div>
        </div>
        <button type="button" className="icon-btn" aria-label="Close the step panel" onClick={props.onClose}>
          ×
        </button>
      </div>
      <div className="panel-body">
        {general.length > 0 && (
          <div className="notice error" role="alert">
            {general.map((e, i) => (
              <div key={i}>
                {e.path.length ? <code>{e.path.join('/')}</code> : null} {e.message}
              </div>
            ))}
          </div>
        )}
        <div className="field">
          <label className="label" htmlFor="step-name">
            Step name
          </label>
          <input
            id="step-name"
            value={name}
            onChange={(e) => setName(e.target.value.replace(/\s/g, '_'))}
            onBlur={commitName}
            onKeyDown={(e) => {
              if (e.key === 'Enter') commitName();
              if (e.key === 'Escape') setName(ref.name);
            }}
            aria-invalid={!!nameError}
            aria-describedby="step-name-err"
          />
          <div id="step-name-err" className="field-error" aria-live="polite">
            {nameError}
          </div>
        </div>

        {trigger && ['request', 'httpwebhook'].includes(String(step.type).toLowerCase()) && (
          <CallbackUrl wf={props.wf} trigger={ref.name} saved={props.saved} />
        )}

        {schema ? (
          <>
            {fields.filter((f) => !f.advanced).map((f) => (
              <FieldView key={f.id} field={f} ctx={ctx} />
            ))}
            {shownAdvanced.map((f) => (
              <FieldView key={f.id} field={f} ctx={ctx} onRemove={() => removeParam(f)} />
            ))}
            {hidden.length > 0 && (
              <div className="add-param">
                <button type="button" className="btn small" aria-expanded={menu} aria-controls="add-param-menu" onClick={() => setMenu(!menu)}>
                  Add new parameter
                </button>
                {menu && (
                  <ul id="add-param-menu" className="param-menu" aria-label="Optional parameters">
                    {hidden.map((f) => (
                      <li key={f.id}>
                        <label>
                          <input type="checkbox" checked={false} onChange={() => addParam(f)} />
                          {f.label}
                        </label>
                      </li>
                    ))}
                  </ul>
                )}
              </div>
            )}
          </>
        ) : (
          <RawStep step={step} onChange={(s) => props.onChange(setStep(def, ref, s))} />
        )}

        {!trigger && <RunAfterEditor def={def} stepRef={ref} onChange={props.onChange} errors={props.errors} />}

        {!trigger && <MoveControl def={def} stepRef={ref} onChange={props.onChange} />}

        <div className="danger-zone">
          {!confirmDelete ? (
            <button type="button" className="btn danger" onClick={() => setConfirmDelete(true)}>
              Delete {trigger ? 'trigger' : 'step'}
            </button>
          ) : (
            <div className="confirm" role="group" aria-label="Confirm delete">
              <span>Delete “{ref.name}”{containerOf(def, ref.container)[ref.name]?.actions ? ' and the actions inside it' : ''}?</span>
              <button type="button" className="btn danger solid" onClick={() => props.onDelete(ref)}>
                Delete
              </button>
              <button type="button" className="btn" onClick={() => setConfirmDelete(false)}>
                Keep
              </button>
            </div>
          )}
        </div>
      </div>
    </aside>
  );
}

function RawStep({ step, onChange }: { step: JsonObject; onChange(s: JsonObject): void }) {
  const [text, setText] = useState(JSON.stringify(step, null, 2));
  const [err, setErr] = useState<string | null>(null);
  return (
    <div className="field">
      <label className="label" htmlFor="raw-step">
        Step JSON
      </label>
      <p className="muted small">This step type has no form; edit its JSON.</p>
      <textarea id="raw-step" className="mono" rows={12} value={text} spellCheck={false} onChange={(e) => {
        setText(e.target.value);
        try {
          const v = JSON.parse(e.target.value);
          setErr(null);
          onChange(v);
        } catch (x) {
          setErr((x as Error).message);
        }
      }} />
      <div className="field-error">{err}</div>
    </div>
  );
}

function CallbackUrl({ wf, trigger, saved }: { wf: string; trigger: string; saved: boolean }) {
  const [url, setUrl] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [copied, setCopied] = useState(false);
  const load = async () => {
    try {
      const r = await api<{ value: string }>('POST', `/workflows/${enc(wf)}/triggers/${enc(trigger)}/listCallbackUrl`, {});
      setUrl(r.value);
      setError(null);
    } catch (e) {
      setError((e as Error).message);
    }
  };
  useEffect(() => {
    if (saved) load();
    else setUrl(null);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [wf, trigger, saved]);
  return (
    <div className="field callback">
      <label className="label" htmlFor="trigger-callback-url">
        Callback URL
      </label>
      {saved ? (
        <div className="copy-row">
          <input id="trigger-callback-url" readOnly value={url ?? ''} className="mono" placeholder={error ?? 'Loading…'} />
          <CopyButton text={url ?? ''} label="Copy the callback URL" copied={copied} setCopied={setCopied} />
        </div>
      ) : (
        <p className="muted small">Save the workflow to get its signed callback URL.</p>
      )}
      {error && <div className="field-error">{error}</div>}
    </div>
  );
}

export function CopyButton({ text, label, copied, setCopied }: { text: string; label: string; copied: boolean; setCopied(b: boolean): void }) {
  const [failed, setFailed] = useState(false);
  return (
    <button
      type="button"
      className="btn small"
      aria-label={label}
      disabled={!text}
      onClick={async () => {
        const ok = await copyText(text);
        setFailed(!ok);
        setCopied(ok);
        setTimeout(() => {
          setCopied(false);
          setFailed(false);
        }, 1500);
      }}
    >
      {copied ? 'Copied' : failed ? 'Copy failed' : 'Copy'}
    </button>
  );
}

/** The clipboard API where the page may use it (https, localhost), else the older
 * select-and-copy. */
async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const area = document.createElement('textarea');
    area.value = text;
    area.setAttribute('readonly', '');
    area.style.position = 'fixed';
    area.style.opacity = '0';
    document.body.appendChild(area);
    area.select();
    const ok = document.execCommand('copy');
    area.remove();
    return ok;
  }
}

function RunAfterEditor({ def, stepRef: ref, onChange, errors }: { def: Definition; stepRef: StepRef; onChange(d: Definition): void; errors: { message: string; path: string[] }[] }) {
  const step = getStep(def, ref)!;
  const ra = runAfterOf(step);
  const siblings = Object.keys(containerOf(def, ref.container)).filter((n) => n !== ref.name && ra[n] === undefined);
  const set = (next: { [n: string]: string[] }) => onChange(setRunAfter(def, ref, next));
  const raErrors = errors.filter((e) => e.path[0] === 'runAfter');
  return (
    <fieldset className="group run-after">
      <legend>Run after</legend>
      {Object.keys(ra).length === 0 && <p className="muted small">Runs first{ref.container.length > 1 ? ' in its branch' : ', after the trigger'}.</p>}
      {Object.entries(ra).map(([pred, statuses]) => (
        <div key={pred} className="ra-row" role="group" aria-label={`Run after ${pred}`}>
          <div className="ra-name">
            <strong>{pred}</strong>
            <button type="button" className="link-btn" aria-label={`Stop running after ${pred}`} onClick={() => {
              const next = { ...ra };
              delete next[pred];
              set(next);
            }}>
              Remove
            </button>
          </div>
          <div className="ra-statuses">
            {RUN_AFTER_STATUSES.map((s) => (
              <label key={s} className="check">
                <input
                  type="checkbox"
                  checked={statuses.includes(s)}
                  aria-label={`${pred}: ${s}`}
                  onChange={(e) => {
                    const list = e.target.checked ? [...statuses, s] : statuses.filter((x) => x !== s);
                    set({ ...ra, [pred]: RUN_AFTER_STATUSES.filter((x) => list.includes(x)) });
                  }}
                />
                {s === 'TimedOut' ? 'has timed out' : `is ${s.toLowerCase()}`}
              </label>
            ))}
          </div>
          {statuses.length === 0 && <div className="field-error">Choose at least one status.</div>}
        </div>
      ))}
      {siblings.length > 0 && (
        <Labeled label="Also run after" className="field inline">
          <select value="" onChange={(e) => e.target.value && set({ ...ra, [e.target.value]: ['Succeeded'] })}>
            <option value="">Choose a step…</option>
            {siblings.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </Labeled>
      )}
      {raErrors.map((e, i) => (
        <div key={i} className="field-error">
          {e.message}
        </div>
      ))}
    </fieldset>
  );
}

function MoveControl({ def, stepRef: ref, onChange }: { def: Definition; stepRef: StepRef; onChange(d: Definition, r?: StepRef): void }) {
  // Every place an action can go: the top level and each branch of every container,
  // except inside the step itself.
  const self = [...ref.container, ref.name];
  const inside = (path: string[]) => path.length > self.length && self.every((k, i) => path[i] === k);
  const containers: { path: string[]; label: string }[] = [{ path: ['actions'], label: 'Top level' }];
  for (const a of allActions(def)) {
    for (const b of branchesOf(a.step)) {
      const path = [...a.ref.container, a.ref.name, ...b.path];
      if (a.ref.name !== ref.name && !inside(path)) containers.push({ path, label: `${a.ref.name} › ${b.label}` });
    }
  }
  const options: { value: string; label: string }[] = [];
  for (const c of containers) {
    const names = Object.keys(containerOf(def, c.path)).filter((n) => n !== ref.name);
    options.push({ value: JSON.stringify([c.path, null]), label: `${c.label}: at the start` });
    for (const n of names) options.push({ value: JSON.stringify([c.path, n]), label: `${c.label}: after ${n}` });
  }
  if (options.length <= 1) return null;
  return (
    <Labeled label="Move step" className="field">
      <select
        value=""
        onChange={(e) => {
          if (!e.target.value) return;
          const [path, after] = JSON.parse(e.target.value) as [string[], string | null];
          onChange(moveStep(def, ref, path, after), { container: path, name: ref.name });
        }}
      >
        <option value="">Choose where…</option>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </Labeled>
  );
}
