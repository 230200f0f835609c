import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { api, ApiError, enc, Workflow } from '../api';
import { Canvas } from '../components/Canvas';
import { Catalogue } from '../components/Catalogue';
import { CodeView } from '../components/CodeView';
import { StepPanel } from '../components/StepPanel';
import { blankDefinition, ContainerPath, Definition, deleteStep, getStep, insertBetween, insertStep, lastStepIn, moveStep, StepRef, stepPointer, uniqueName } from '../model/definition';
import { NO_ERRORS, notSavedTitle, placeErrors, PlacedErrors, remainingErrors } from '../model/errors';
import { Role, TypeSchema } from '../model/schema';
import { href, navigate, Route, setNavigationGuard } from '../router';
import { RunsPage } from './Runs';

type WfRoute = Extract<Route, { page: 'workflow' }>;

interface SaveNotice {
  kind: 'ok' | 'error';
  title: string;
  text?: string;
  /** A refused save's validation errors: the title counts the ones still standing. */
  validation?: boolean;
}

export function WorkflowPage({ route }: { route: WfRoute }) {
  const wfName = route.wf;
  const [wf, setWf] = useState<Workflow | null>(null);
  const [loaded, setLoaded] = useState(false);
  const [def, setDef] = useState<Definition>(blankDefinition());
  const [savedText, setSavedText] = useState<string | null>(null);
  const [selected, setSelected] = useState<StepRef | null>(null);
  const [catalogue, setCatalogue] = useState<{ role: Role; container: ContainerPath; after: string | null; before?: string } | null>(null);
  const [saveErrors, setErrors] = useState<PlacedErrors>(NO_ERRORS);
  const [notice, setNotice] = useState<SaveNotice | null>(null);
  const [saving, setSaving] = useState(false);
  const [codeError, setCodeError] = useState<string | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    if (new URLSearchParams(location.search).has('new')) {
      // Created in the list and not saved yet: nothing to load.
      setLoaded(true);
      return;
    }
    api<Workflow>('GET', `/workflows/${enc(wfName)}`)
      .then((w) => {
        if (!live) return;
        setWf(w);
        const d = w.properties.definition ?? blankDefinition();
        setDef(d);
        setSavedText(JSON.stringify(d));
        setLoaded(true);
      })
      .catch((e) => {
        if (!live) return;
        if (e instanceof ApiError && e.status === 404) {
          setWf(null);
          setSavedText(null);
          setLoaded(true);
        } else setLoadError((e as Error).message);
      });
    return () => {
      live = false;
    };
  }, [wfName]);

  const dirty = loaded && (savedText === null || JSON.stringify(def) !== savedText);
  const dirtyRef = useRef(dirty);
  dirtyRef.current = dirty;
  useEffect(() => {
    const before = (e: BeforeUnloadEvent) => {
      if (dirtyRef.current) {
        e.preventDefault();
        e.returnValue = '';
      }
    };
    window.addEventListener('beforeunload', before);
    setNavigationGuard(() => {
      if (!dirtyRef.current) return true;
      const ok = window.confirm('This workflow has unsaved changes. Leave and discard them?');
      if (ok) setNavigationGuard(null);
      return ok;
    });
    return () => {
      window.removeEventListener('beforeunload', before);
      setNavigationGuard(null);
    };
  }, []);

  const update = useCallback((d: Definition, ref?: StepRef) => {
    setDef(d);
    if (ref) setSelected(ref);
  }, []);

  const openCatalogue = useCallback((role: Role, container: ContainerPath, after: string | null, before?: string) => {
    setCatalogue({ role, container, after, before });
  }, []);

  const pick = (s: TypeSchema) => {
    if (!catalogue) return;
    const name = uniqueName(def, s.name);
    const next = catalogue.before
      ? insertBetween(def, catalogue.container, catalogue.after, catalogue.before, name, s.template())
      : insertStep(def, catalogue.container, catalogue.after, name, s.template());
    setDef(next);
    setSelected({ container: catalogue.role === 'trigger' ? ['triggers'] : catalogue.container, name });
    setCatalogue(null);
  };

  const save = async () => {
    setSaving(true);
    setNotice(null);
    try {
      const body = {
        properties: {
          definition: def,
          parameters: wf?.properties.parameters ?? {},
          state: wf?.properties.state ?? 'Enabled',
        },
      };
      const saved = await api<Workflow>('PUT', `/workflows/${enc(wfName)}`, body);
      setWf(saved);
      setSavedText(JSON.stringify(def));
      setErrors(NO_ERRORS);
      setNotice({ kind: 'ok', title: `Saved ${wfName}.` });
      if (location.search) history.replaceState(null, '', location.pathname);
    } catch (e) {
      if (e instanceof ApiError && e.status === 400) {
        const placed = placeErrors(def, e.details.length ? e.details : [{ message: e.message }]);
        setErrors(placed);
        const first = [...placed.byStep.keys()][0];
        setNotice({
          kind: 'error',
          title: notSavedTitle(placed.all.length),
          text: placed.general.map((g) => g.message).join(' ') || undefined,
          validation: true,
        });
        if (first) {
          const ref = refFromId(def, first);
          if (ref) setSelected(ref);
        }
      } else if (e instanceof ApiError && e.code === 'WebhookSubscribeFailed') {
        setNotice({ kind: 'error', title: `The webhook service refused the subscription, so the workflow was not saved${wf ? ' (the previous version stays active)' : ''}.`, text: e.message });
      } else {
        setNotice({ kind: 'error', title: 'The workflow was not saved.', text: (e as Error).message });
      }
    } finally {
      setSaving(false);
    }
  };

  // Leaving the code view with JSON that does not parse keeps the last valid definition.
  useEffect(() => {
    if (route.tab !== 'code') setCodeError(null);
  }, [route.tab]);

  // Success notes fade on their own; errors stay until dismissed or fixed.
  useEffect(() => {
    if (notice?.kind !== 'ok') return;
    const t = setTimeout(() => setNotice(null), 4000);
    return () => clearTimeout(t);
  }, [notice]);

  const toggleState = async () => {
    if (!wf) return;
    const enable = wf.properties.state !== 'Enabled';
    setNotice(null);
    try {
      await api('POST', `/workflows/${enc(wfName)}/${enable ? 'enable' : 'disable'}`);
      const fresh = await api<Workflow>('GET', `/workflows/${enc(wfName)}`);
      setWf(fresh);
      setNotice({ kind: 'ok', title: `${wfName} ${enable ? 'enabled' : 'disabled'}.` });
    } catch (e) {
      setNotice({ kind: 'error', title: `${wfName} could not be ${enable ? 'enabled' : 'disabled'}.`, text: (e as Error).message });
    }
  };

  // Edits since the refused save may have removed the steps its errors were about.
  const errors = useMemo(() => remainingErrors(saveErrors, def), [saveErrors, def]);
  const fixed = notice?.validation === true && errors.all.length === 0;
  useEffect(() => {
    if (!fixed) return;
    setNotice(null);
    setErrors(NO_ERRORS);
  }, [fixed]);
  const shownNotice = notice?.validation ? (fixed ? null : { ...notice, title: notSavedTitle(errors.all.length) }) : notice;

  const errorsFor = useMemo(() => {
    const m = new Map<string, string[]>();
    for (const [k, v] of errors.byStep) m.set(k, v.map((e) => e.message));
    return m;
  }, [errors]);

  const tab = (t: 'designer' | 'code' | 'runs') => navigate(href({ page: 'workflow', wf: wfName, tab: t }), { force: true });
  const selectedId = selected ? stepPointer(selected) : null;
  const selectedValid = selected && getStep(def, selected) ? selected : null;

  if (loadError) return <p className="notice error" role="alert">{loadError}</p>;
  if (!loaded) return <p className="muted page">Loading…</p>;

  return (
    <div className="workflow">
      <div className="wf-bar">
        <div className="wf-title">
          <h1>{wfName}</h1>
          {wf ? <span className={`pill ${wf.properties.state === 'Enabled' ? 'on' : 'off'}`}>{wf.properties.state}</span> : <span className="pill new">New</span>}
          {dirty && <span className="unsaved" role="status">Unsaved changes</span>}
        </div>
        <div
          className="tabs"
          role="tablist"
          aria-label="Workflow views"
          onKeyDown={(e) => {
            // Arrow keys move between the tabs (the ARIA tabs pattern).
            const order = ['designer', 'code', 'runs'] as const;
            const i = order.indexOf(route.tab);
            const next = e.key === 'ArrowRight' ? order[(i + 1) % 3] : e.key === 'ArrowLeft' ? order[(i + 2) % 3] : null;
            if (!next) return;
            e.preventDefault();
            tab(next);
            setTimeout(() => document.getElementById(`tab-${next}`)?.focus(), 0);
          }}
        >
          {(['designer', 'code', 'runs'] as const).map((t) => (
            <button key={t} id={`tab-${t}`} type="button" role="tab" aria-selected={route.tab === t} tabIndex={route.tab === t ? 0 : -1} className={route.tab === t ? 'tab active' : 'tab'} onClick={() => tab(t)}>
              {t === 'designer' ? 'Designer' : t === 'code' ? 'Code view' : 'Run history'}
            </button>
          ))}
        </div>
        <div className="wf-actions">
          {route.tab === 'designer' && def.triggers && Object.keys(def.triggers).length > 0 && (
            <button type="button" className="btn" onClick={() => openCatalogue('action', ['actions'], lastStepIn(def, ['actions']))}>
              + New step
            </button>
          )}
          {wf && (
            <button type="button" className="btn" onClick={toggleState} aria-label={`${wf.properties.state === 'Enabled' ? 'Disable' : 'Enable'} the workflow`}>
              {wf.properties.state === 'Enabled' ? 'Disable' : 'Enable'}
            </button>
          )}
          <button type="button" className="btn primary" onClick={save} disabled={saving || !!codeError || (!dirty && !!wf)}>
            {saving ? 'Saving…' : 'Save'}
          </button>
        </div>
      </div>
      {shownNotice && (
        <div className={shownNotice.kind === 'ok' ? 'notice ok' : 'notice error'} role={shownNotice.kind === 'ok' ? 'status' : 'alert'}>
          <strong>{shownNotice.title}</strong>
          {shownNotice.text && <div className="notice-text">{shownNotice.text}</div>}
          {errors.byStep.size > 0 && (
            <ul className="error-steps">
              {[...errors.byStep.entries()].map(([id, list]) => {
                const ref = refFromId(def, id);
                // Steps removed since the save have nothing to point at.
                if (!ref) return null;
                return (
                  <li key={id}>
                    <button type="button" className="link-btn" onClick={() => (tab('designer'), setSelected(ref))}>
                      {ref.name}
                    </button>
                    : {list.map((e) => e.message).join(' ')}
                  </li>
                );
              })}
            </ul>
          )}
          <button type="button" className="icon-btn notice-close" aria-label="Dismiss" onClick={() => setNotice(null)}>
            ×
          </button>
        </div>
      )}
      {route.tab === 'runs' && !wf ? (
        <div className="page">
          <div className="empty card">
            <h2>No runs yet</h2>
            <p className="muted">Save the workflow; its runs show here as soon as its trigger fires.</p>
          </div>
        </div>
      ) : route.tab === 'runs' ? (
        <RunsPage wf={wfName} def={savedText ? (JSON.parse(savedText) as Definition) : def} version={wf?.properties.version} run={route.run} />
      ) : route.tab === 'code' ? (
        <CodeView def={def} onChange={setDef} onValidity={setCodeError} problems={errors.all} />
      ) : (
        <div className="designer">
          <Canvas def={def} mode="edit" selected={selectedId} errors={errorsFor} onSelect={setSelected} onAdd={openCatalogue} onMove={(ref, container, after) => {
            const next = moveStep(def, ref, container, after);
            if (next !== def) {
              setDef(next);
              setSelected({ container, name: ref.name });
            }
          }} />
          {selectedValid && (
            <StepPanel
              key={stepPointer(selectedValid)}
              def={def}
              stepRef={selectedValid}
              wf={wfName}
              saved={!!wf && !dirty}
              errors={errors.byStep.get(stepPointer(selectedValid)) ?? []}
              onChange={update}
              onDelete={(ref) => {
                if (ref.container[0] === 'triggers') {
                  const t = { ...def.triggers };
                  delete t[ref.name];
                  setDef({ ...def, triggers: t });
                } else setDef(deleteStep(def, ref));
                setSelected(null);
              }}
              onClose={() => setSelected(null)}
            />
          )}
        </div>
      )}
      {catalogue && <Catalogue role={catalogue.role} onPick={pick} onClose={() => setCatalogue(null)} />}
    </div>
  );
}

function refFromId(def: Definition, id: string): StepRef | null {
  const parts = id.split('/').filter(Boolean).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (parts.length < 2) return null;
  const ref = { container: parts.slice(0, -1), name: parts[parts.length - 1] };
  return getStep(def, ref) ? ref : null;
}
