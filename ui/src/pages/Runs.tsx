import { useCallback, useEffect, useMemo, useState } from 'react';
import { api, duration, enc, List, Run, RunAction, when, Workflow } from '../api';
import { Canvas, StepRunInfo } from '../components/Canvas';
import { StatusBadge } from '../components/Dialog';
import { CopyButton } from '../components/StepPanel';
import { TypeIcon, typeLabel } from '../components/icons';
import { allActions, Definition, StepRef, stepPointer } from '../model/definition';
import { definitionToGraph } from '../model/graph';
import { findCallbackUrl } from '../model/callback';
import { navigate } from '../router';
import { runVersion, versionPath } from '../model/version';

const FILTERS = ['All', 'Running', 'Waiting', 'Succeeded', 'Failed', 'Cancelled', 'TimedOut', 'Aborted'];
const ACTIVE = new Set(['Running', 'Waiting', 'Queued', 'Pending']);

/** `def` and `version` are the workflow's current definition and version id. */
export function RunsPage({ wf, def, version, run }: { wf: string; def: Definition; version?: string; run?: string }) {
  return run ? <RunView wf={wf} current={def} currentVersion={version} runName={run} /> : <RunList wf={wf} def={def} />;
}

function RunList({ wf, def }: { wf: string; def: Definition }) {
  const [runs, setRuns] = useState<Run[] | null>(null);
  const [filter, setFilter] = useState('All');
  const [error, setError] = useState<string | null>(null);
  const [firing, setFiring] = useState<string | null>(null);
  // The newest runs first, a page at a time (the list is polled while it is open).
  const [top, setTop] = useState(50);
  const [more, setMore] = useState(false);
  const load = useCallback(async () => {
    try {
      const q = `?$top=${top}` + (filter === 'All' ? '' : `&$filter=${enc(`status eq '${filter}'`)}`);
      const list = await api<List<Run>>('GET', `/workflows/${enc(wf)}/runs${q}`);
      setRuns(list.value);
      setMore(!!list.nextLink);
      setError(null);
    } catch (e) {
      setError((e as Error).message);
    }
  }, [wf, filter, top]);
  useEffect(() => {
    load();
    const t = setInterval(load, 2000);
    return () => clearInterval(t);
  }, [load]);
  const triggers = Object.keys(def.triggers ?? {});
  const fire = async (t: string) => {
    setFiring(null);
    try {
      await api('POST', `/workflows/${enc(wf)}/triggers/${enc(t)}/run`, {});
      load();
    } catch (e) {
      setFiring(`The trigger could not be run: ${(e as Error).message}`);
    }
  };
  return (
    <section className="page runs" aria-labelledby="runs-title">
      <div className="page-head">
        <h2 id="runs-title">Run history</h2>
        <div className="row">
          <label className="inline">
            <span className="label">Status</span>
            <select value={filter} onChange={(e) => setFilter(e.target.value)} aria-label="Filter runs by status">
              {FILTERS.map((f) => (
                <option key={f}>{f}</option>
              ))}
            </select>
          </label>
          {triggers.slice(0, 1).map((t) => (
            <button key={t} type="button" className="btn" onClick={() => fire(t)}>
              Run trigger
            </button>
          ))}
        </div>
      </div>
      {firing && <p className="notice error" role="alert">{firing}</p>}
      {error && <p className="notice error" role="alert">{error}</p>}
      {runs === null ? (
        <p className="muted">Loading…</p>
      ) : runs.length === 0 ? (
        <div className="empty card">
          <h3>No runs{filter !== 'All' ? ` with status ${filter}` : ''}</h3>
          <p className="muted">Runs appear here as soon as the trigger fires.</p>
        </div>
      ) : (
        <div className="card table-card">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Status</th>
                <th scope="col">Start time</th>
                <th scope="col">Duration</th>
                <th scope="col">Run</th>
              </tr>
            </thead>
            <tbody>
              {runs.map((r) => (
                <tr key={r.name} className="clickable" onClick={() => navigate(`/w/${enc(wf)}/runs/${enc(r.name)}`)}>
                  <td>
                    <StatusBadge status={r.properties.status} />
                  </td>
                  <td>{when(r.properties.startTime)}</td>
                  <td>{duration(r.properties.startTime, r.properties.endTime)}</td>
                  <td>
                    <a
                      href={`/w/${enc(wf)}/runs/${enc(r.name)}`}
                      className="mono"
                      onClick={(e) => {
                        e.preventDefault();
                        e.stopPropagation();
                        navigate(`/w/${enc(wf)}/runs/${enc(r.name)}`);
                      }}
                    >
                      {r.name}
                    </a>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {more && (
            <div className="table-more">
              <button type="button" className="btn small" onClick={() => setTop(top + 50)}>
                Show more runs
              </button>
            </div>
          )}
        </div>
      )}
    </section>
  );
}

function RunView({ wf, current, currentVersion, runName }: { wf: string; current: Definition; currentVersion?: string; runName: string }) {
  const [run, setRun] = useState<Run | null>(null);
  // The definition of the version the run started on, read once per version.
  const [ran, setRan] = useState<{ path: string; def: Definition | null } | null>(null);
  const [actions, setActions] = useState<RunAction[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [selected, setSelected] = useState<StepRef | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [resubmitted, setResubmitted] = useState<string | null>(null);
  const load = useCallback(async () => {
    try {
      const [r, a] = await Promise.all([
        api<Run>('GET', `/workflows/${enc(wf)}/runs/${enc(runName)}`),
        api<List<RunAction>>('GET', `/workflows/${enc(wf)}/runs/${enc(runName)}/actions`),
      ]);
      setRun(r);
      setActions(a.value);
      setError(null);
      return ACTIVE.has(r.properties.status);
    } catch (e) {
      setError((e as Error).message);
      return true;
    }
  }, [wf, runName]);
  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout>;
    const tick = async () => {
      const active = await load();
      if (live && active) timer = setTimeout(tick, 1000);
    };
    tick();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [load]);

  const path = run ? versionPath(wf, run) : null;
  useEffect(() => {
    if (!path) return;
    let live = true;
    api<Workflow>('GET', path)
      .then((v) => live && setRan({ path, def: v.properties.definition }))
      .catch(() => live && setRan({ path, def: null }));
    return () => {
      live = false;
    };
  }, [path]);
  // A server that records no version, or a version that cannot be read, leaves the
  // current definition as the best there is.
  const versionLoading = path !== null && ran?.path !== path;
  const versionMissing = path !== null && ran?.path === path && ran.def === null;
  const def = (path !== null && ran?.path === path && ran.def) || current;

  const idByName = useMemo(() => {
    const m = new Map<string, string>();
    for (const n of definitionToGraph(def).nodes) if (n.kind !== 'branch') m.set(n.name, n.id);
    return m;
  }, [def]);
  const byName = useMemo(() => {
    const m = new Map<string, RunAction[]>();
    for (const a of actions) m.set(a.name, [...(m.get(a.name) ?? []), a]);
    return m;
  }, [actions]);
  const info = useMemo(() => {
    const m = new Map<string, StepRunInfo>();
    if (run) {
      const tid = idByName.get(run.properties.trigger.name);
      if (tid) m.set(tid, { status: run.properties.trigger.status });
    }
    for (const [name, list] of byName) {
      const id = idByName.get(name);
      if (!id) continue;
      const a = summary(list);
      m.set(id, { status: a.properties.status, duration: a.properties.startTime ? duration(a.properties.startTime, a.properties.endTime) : undefined });
    }
    return m;
  }, [run, byName, idByName]);

  const cancel = async () => {
    try {
      await api('POST', `/workflows/${enc(wf)}/runs/${enc(runName)}/cancel`);
      setNotice('Cancel requested.');
      load();
    } catch (e) {
      setNotice(`The run could not be cancelled: ${(e as Error).message}`);
    }
  };
  const resubmit = async () => {
    if (!run) return;
    const t = run.properties.trigger.name;
    try {
      const hist = await api<List<{ name: string; properties: { run?: { name: string } } }>>('GET', `/workflows/${enc(wf)}/triggers/${enc(t)}/histories`);
      const h = hist.value.find((x) => x.properties.run?.name === runName);
      if (!h) throw new Error('no trigger history names this run');
      const fired = await api<{ run?: { name: string } }>('POST', `/workflows/${enc(wf)}/triggers/${enc(t)}/histories/${enc(h.name)}/resubmit`);
      setNotice('Resubmitted: a new run started with the same trigger outputs.');
      setResubmitted(fired?.run?.name ?? null);
    } catch (e) {
      setNotice(`The run could not be resubmitted: ${(e as Error).message}`);
    }
  };

  if (error && !run) return <p className="notice error" role="alert">{error}</p>;
  if (!run || versionLoading) return <p className="muted page">Loading…</p>;
  const version = runVersion(run);
  const earlier = !!version && !!currentVersion && version !== currentVersion;
  const active = ACTIVE.has(run.properties.status);
  const selName = selected?.name;
  const isTriggerSel = selected?.container[0] === 'triggers';
  const selActions = selName && !isTriggerSel ? byName.get(selName) ?? [] : [];
  return (
    <div className="run-view">
      <div className="run-bar">
        <button type="button" className="btn ghost" onClick={() => navigate(`/w/${enc(wf)}/runs`)}>
          ← All runs
        </button>
        <div className="run-meta">
          <StatusBadge status={run.properties.status} />
          <span className="mono small">{run.name}</span>
          <span className="muted small">Started {when(run.properties.startTime)} · {duration(run.properties.startTime, run.properties.endTime)}</span>
          {earlier && (
            <span className="pill" title={`Version ${version}; the workflow has changed since. The steps shown are the ones this run had.`}>
              Earlier version
            </span>
          )}
        </div>
        <span className="spacer" />
        <button type="button" className="btn" onClick={cancel} disabled={!active}>
          Cancel run
        </button>
        <button type="button" className="btn" onClick={resubmit}>
          Resubmit
        </button>
      </div>
      {notice && (
        <p className="notice" role="status">
          {notice}{' '}
          {resubmitted && (
            <a
              href={`/w/${enc(wf)}/runs/${enc(resubmitted)}`}
              onClick={(e) => {
                e.preventDefault();
                setNotice(null);
                setResubmitted(null);
                navigate(`/w/${enc(wf)}/runs/${enc(resubmitted)}`);
              }}
            >
              Open the new run
            </a>
          )}
        </p>
      )}
      {versionMissing && <p className="notice">The version this run started on could not be read, so the workflow's current steps are shown.</p>}
      {run.properties.error != null && <pre className="notice error mono">{pretty(run.properties.error)}</pre>}
      <div className="designer">
        <Canvas def={def} mode="run" selected={selected ? stepPointer(selected) : null} run={info} onSelect={setSelected} />
        {selected && (
          <aside className="panel" aria-labelledby="run-panel-title">
            <div className="panel-head">
              <TypeIcon type={String((isTriggerSel ? def.triggers[selected.name] : allActions(def).find((a) => a.ref.name === selected.name)?.step)?.type ?? '')} />
              <div className="panel-title-wrap">
                <h2 id="run-panel-title">{selected.name.replace(/_/g, ' ')}</h2>
                <div className="muted small">{isTriggerSel ? 'Trigger' : typeLabel(String(allActions(def).find((a) => a.ref.name === selected.name)?.step.type ?? ''))}</div>
              </div>
              <button type="button" className="icon-btn" aria-label="Close the run details" onClick={() => setSelected(null)}>
                ×
              </button>
            </div>
            <div className="panel-body">
              {isTriggerSel ? (
                <>
                  <Detail label="Status">
                    <StatusBadge status={run.properties.trigger.status} />
                  </Detail>
                  <JsonBlock label="Outputs" value={run.properties.trigger.outputs} />
                </>
              ) : selActions.length === 0 ? (
                <p className="muted">This step did not run{active ? ' yet' : ''}.</p>
              ) : (
                <ActionDetails wf={wf} run={runName} list={selActions} secure={secureParts(allActions(def).find((a) => a.ref.name === selected.name)?.step)} />
              )}
            </div>
          </aside>
        )}
      </div>
    </div>
  );
}

function summary(list: RunAction[]): RunAction {
  if (list.length === 1) return list[0];
  const order = ['Running', 'Waiting', 'Failed', 'TimedOut', 'Cancelled', 'Aborted', 'Succeeded', 'Skipped'];
  const status = order.find((s) => list.some((a) => a.properties.status === s)) ?? list[0].properties.status;
  const starts = list.map((a) => a.properties.startTime).filter(Boolean) as string[];
  const ends = list.map((a) => a.properties.endTime).filter(Boolean) as string[];
  return {
    name: list[0].name,
    properties: { status, startTime: starts.sort()[0], endTime: ends.length === list.length ? ends.sort().pop() : undefined },
  };
}

/** Which of a step's inputs/outputs its definition secures (`runtimeConfiguration.secureData`). */
function secureParts(step: unknown): Set<string> {
  const props = (step as { runtimeConfiguration?: { secureData?: { properties?: unknown } } } | undefined)?.runtimeConfiguration?.secureData?.properties;
  return new Set(Array.isArray(props) ? props.map((p) => String(p).toLowerCase()) : []);
}

function ActionDetails({ wf, run, list: latest, secure }: { wf: string; run: string; list: RunAction[]; secure: Set<string> }) {
  const [index, setIndex] = useState(0);
  const [copied, setCopied] = useState(false);
  const [reps, setReps] = useState<RunAction[] | null>(null);
  const inLoop = (latest[0].properties.repetitionIndexes ?? []).length > 0;
  const name = latest[0].name;
  const stamp = latest.map((a) => `${a.properties.status}${a.properties.endTime ?? ''}`).join();
  useEffect(() => {
    if (!inLoop) return;
    // Inside a loop the action list holds the latest iteration; the repetitions endpoint
    // has every one.
    api<List<RunAction>>('GET', `/workflows/${enc(wf)}/runs/${enc(run)}/actions/${enc(name)}/repetitions`)
      .then((r) => setReps(r.value))
      .catch(() => setReps(null));
  }, [wf, run, name, inLoop, stamp]);
  const list = reps && reps.length ? reps : latest;
  const a = list[Math.min(index, list.length - 1)];
  const p = a.properties;
  const callback = p.status === 'Waiting' ? findCallbackUrl(p.inputs, run, a.name) : null;
  return (
    <>
      {list.length > 1 && (
        <div className="field">
          <label className="label" htmlFor="run-iteration">
            Iteration ({list.length} in all)
          </label>
          <select id="run-iteration" value={index} onChange={(e) => setIndex(Number(e.target.value))}>
            {list.map((x, i) => (
              <option key={i} value={i}>
                {(x.properties.repetitionIndexes ?? []).map((r) => `${r.scopeName} #${r.itemIndex + 1}`).join(', ') || `#${i + 1}`} — {x.properties.status}
              </option>
            ))}
          </select>
        </div>
      )}
      <div className="details-grid">
        <Detail label="Status">
          <StatusBadge status={p.status} />
        </Detail>
        {p.code && <Detail label="Code">{p.code}</Detail>}
        <Detail label="Start">{when(p.startTime)}</Detail>
        <Detail label="Duration">{duration(p.startTime, p.endTime)}</Detail>
      </div>
      {p.status === 'Waiting' && (
        <div className="notice waiting" role="status">
          <strong>Waiting for a callback.</strong>
          <div className="small">The service calls this URL to resume the run.</div>
          {callback ? (
            <div className="copy-row">
              <input readOnly className="mono" value={callback} aria-label="Callback URL of the waiting action" />
              <CopyButton text={callback} label="Copy the callback URL of the waiting action" copied={copied} setCopied={setCopied} />
            </div>
          ) : (
            <div className="small muted">The callback URL is not in the action's recorded inputs (the subscribe request did not carry listCallbackUrl(), or the inputs are secured).</div>
          )}
        </div>
      )}
      {p.error != null && <JsonBlock label="Error" value={p.error} error />}
      <JsonBlock label="Inputs" value={p.inputs} secured={secure.has('inputs')} />
      <JsonBlock label="Outputs" value={p.outputs} secured={secure.has('outputs')} />
    </>
  );
}

function Detail({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div className="detail">
      <div className="label">{label}</div>
      <div>{children}</div>
    </div>
  );
}

function pretty(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v, null, 2);
}

function JsonBlock({ label, value, error, secured }: { label: string; value: unknown; error?: boolean; secured?: boolean }) {
  const id = `json-${label.toLowerCase()}`;
  return (
    <section className="json-block" aria-labelledby={id}>
      <h3 id={id}>
        {label}
        {secured && <span className="pill secure">Secured</span>}
      </h3>
      {value === undefined || value === null ? (
        <p className="muted small">{secured ? 'Hidden: this step secures its ' + label.toLowerCase() + ' (runtimeConfiguration.secureData).' : 'None'}</p>
      ) : (
        <pre className={error ? 'mono error' : 'mono'} tabIndex={0}>
          {pretty(value)}
        </pre>
      )}
    </section>
  );
}
