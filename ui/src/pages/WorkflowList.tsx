import { FormEvent, useCallback, useEffect, useState } from 'react';
import { Labeled } from '../components/Labeled';
import { api, ApiError, enc, List, Run, TriggerInfo, when, Workflow } from '../api';
import { Dialog, StatusBadge } from '../components/Dialog';
import { navigate } from '../router';
import { typeLabel } from '../components/icons';

interface Row {
  wf: Workflow;
  lastRun?: Run;
}

export function WorkflowList() {
  const [rows, setRows] = useState<Row[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);
  const [deleting, setDeleting] = useState<string | null>(null);
  const [notice, setNotice] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  const [busy, setBusy] = useState<string | null>(null);

  const load = useCallback(async () => {
    try {
      const list = await api<List<Workflow>>('GET', '/workflows');
      const withRuns = await Promise.all(
        list.value.map(async (wf) => {
          try {
            const runs = await api<List<Run>>('GET', `/workflows/${enc(wf.name)}/runs?$top=1`);
            return { wf, lastRun: runs.value[0] };
          } catch {
            return { wf };
          }
        }),
      );
      setRows(withRuns);
      setError(null);
    } catch (e) {
      setError((e as Error).message);
    }
  }, []);

  useEffect(() => {
    load();
    const t = setInterval(load, 3000);
    return () => clearInterval(t);
  }, [load]);

  const toggle = async (wf: Workflow) => {
    const enable = wf.properties.state !== 'Enabled';
    setBusy(wf.name);
    setNotice(null);
    try {
      await api('POST', `/workflows/${enc(wf.name)}/${enable ? 'enable' : 'disable'}`);
      const triggers = await api<List<TriggerInfo>>('GET', `/workflows/${enc(wf.name)}/triggers`).catch(() => ({ value: [] }));
      const subs = triggers.value
        .filter((t) => t.properties.subscription)
        .map((t) => {
          const s = t.properties.subscription!;
          const ex = enable ? s.lastSubscribe : s.lastUnsubscribe;
          const answer = ex ? (ex.statusCode ? `HTTP ${ex.statusCode}` : ex.error ?? 'no answer') : 'not called';
          return `${t.name}: ${s.state} (${enable ? 'subscribe' : 'unsubscribe'}: ${answer})`;
        });
      setNotice({ kind: 'ok', text: `${wf.name} ${enable ? 'enabled' : 'disabled'}.${subs.length ? ' Webhook ' + subs.join('; ') : ''}` });
    } catch (e) {
      setNotice({ kind: 'error', text: `${wf.name} could not be ${enable ? 'enabled' : 'disabled'}: ${(e as Error).message}` });
    } finally {
      setBusy(null);
      load();
    }
  };

  const remove = async (name: string) => {
    setDeleting(null);
    try {
      await api('DELETE', `/workflows/${enc(name)}`);
      setNotice({ kind: 'ok', text: `${name} deleted.` });
    } catch (e) {
      setNotice({ kind: 'error', text: `${name} could not be deleted: ${(e as Error).message}` });
    }
    load();
  };

  return (
    <section className="page" aria-labelledby="wf-title">
      <div className="page-head">
        <h1 id="wf-title">Workflows</h1>
        <button type="button" className="btn primary" onClick={() => setCreating(true)}>
          New workflow
        </button>
      </div>
      {notice && (
        <p className={notice.kind === 'ok' ? 'notice' : 'notice error'} role="status">
          {notice.text}
        </p>
      )}
      {error && <p className="notice error" role="alert">{error}</p>}
      {rows === null ? (
        <p className="muted">Loading…</p>
      ) : rows.length === 0 ? (
        <div className="empty card">
          <h2>No workflows yet</h2>
          <p className="muted">Create one and design it here, or deploy a definition with <code>hookflow deploy</code>.</p>
          <button type="button" className="btn primary" onClick={() => setCreating(true)}>
            Create a workflow
          </button>
        </div>
      ) : (
        <div className="card table-card">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">State</th>
                <th scope="col">Trigger</th>
                <th scope="col">Last run</th>
                <th scope="col">Last run started</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map(({ wf, lastRun }) => {
                const triggers = Object.values(wf.properties.definition?.triggers ?? {});
                const type = triggers.map((t) => typeLabel(String(t.type))).join(', ') || '—';
                return (
                  <tr key={wf.name}>
                    <td>
                      <a
                        href={`/w/${enc(wf.name)}`}
                        className="strong"
                        onClick={(e) => {
                          e.preventDefault();
                          navigate(`/w/${enc(wf.name)}`);
                        }}
                      >
                        {wf.name}
                      </a>
                    </td>
                    <td>
                      <span className={`pill ${wf.properties.state === 'Enabled' ? 'on' : 'off'}`}>{wf.properties.state}</span>
                    </td>
                    <td>{type}</td>
                    <td>{lastRun ? <StatusBadge status={lastRun.properties.status} /> : <span className="muted">No runs</span>}</td>
                    <td>{lastRun ? when(lastRun.properties.startTime) : '—'}</td>
                    <td className="row-actions">
                      <button type="button" className="btn small" onClick={() => navigate(`/w/${enc(wf.name)}/runs`)} aria-label={`Runs of ${wf.name}`}>
                        Runs
                      </button>
                      <button
                        type="button"
                        className="btn small"
                        disabled={busy === wf.name}
                        onClick={() => toggle(wf)}
                        aria-label={`${wf.properties.state === 'Enabled' ? 'Disable' : 'Enable'} ${wf.name}`}
                      >
                        {wf.properties.state === 'Enabled' ? 'Disable' : 'Enable'}
                      </button>
                      <button type="button" className="btn small danger" onClick={() => setDeleting(wf.name)} aria-label={`Delete ${wf.name}`}>
                        Delete
                      </button>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {creating && <CreateDialog existing={rows?.map((r) => r.wf.name) ?? []} onClose={() => setCreating(false)} />}
      {deleting && (
        <Dialog title={`Delete ${deleting}?`} onClose={() => setDeleting(null)}>
          <p>
            Deleting <strong>{deleting}</strong> unsubscribes its webhook triggers and cancels its running runs. This cannot be undone.
          </p>
          <div className="dialog-actions">
            <button type="button" className="btn" onClick={() => setDeleting(null)}>
              Cancel
            </button>
            <button type="button" className="btn danger solid" onClick={() => remove(deleting)}>
              Delete workflow
            </button>
          </div>
        </Dialog>
      )}
    </section>
  );
}

function CreateDialog({ existing, onClose }: { existing: string[]; onClose: () => void }) {
  const [name, setName] = useState('');
  const problem = !name
    ? null
    : !/^[\p{L}\p{N}_.()-]{1,80}$/u.test(name)
      ? 'Use letters, digits, "-", "_", ".", "(" and ")" — at most 80.'
      : existing.includes(name)
        ? 'A workflow with this name exists already.'
        : null;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!name || problem) return;
    onClose();
    navigate(`/w/${enc(name)}?new=1`);
  };
  return (
    <Dialog title="New workflow" onClose={onClose}>
      <form onSubmit={submit}>
        <Labeled label="Workflow name" className="field">
          <input
            autoFocus
            value={name}
            onChange={(e) => setName(e.target.value)}
            aria-invalid={!!problem}
            aria-describedby="new-wf-error"
          />
        </Labeled>
        <p id="new-wf-error" className="field-error" role={problem ? 'alert' : undefined}>
          {problem}
        </p>
        <p className="muted small">It is saved when you save it in the designer.</p>
        <div className="dialog-actions">
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn primary" disabled={!name || !!problem}>
            Create
          </button>
        </div>
      </form>
    </Dialog>
  );
}

export { ApiError };
