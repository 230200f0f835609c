import { FormEvent, useEffect, useState } from 'react';
import { adminKey, api, ApiError, setAdminKey } from './api';
import { confirmLeave, navigate, useRoute } from './router';
import { WorkflowList } from './pages/WorkflowList';
import { WorkflowPage } from './pages/WorkflowPage';

export function App() {
  const [key, setKey] = useState(adminKey());
  const route = useRoute();
  useEffect(() => {
    const out = () => setKey(null);
    window.addEventListener('hookflow:signedout', out);
    return () => window.removeEventListener('hookflow:signedout', out);
  }, []);
  if (!key) return <SignIn onSignedIn={setKey} />;
  return (
    <div className="app">
      <header className="topbar">
        <a
          className="brand"
          href="/"
          onClick={(e) => {
            e.preventDefault();
            navigate('/');
          }}
        >
          <span className="logo" aria-hidden="true">⟳</span> hookflow
        </a>
        {route.page === 'workflow' && (
          <nav aria-label="Breadcrumb" className="crumbs">
            <span aria-hidden="true">/</span>
            <span>{route.wf}</span>
          </nav>
        )}
        <span className="spacer" />
        <button
          type="button"
          className="btn ghost"
          onClick={() => {
            if (!confirmLeave()) return;
            setAdminKey(null);
            setKey(null);
          }}
        >
          Sign out
        </button>
      </header>
      <main className="content">
        {route.page === 'list' ? <WorkflowList /> : <WorkflowPage key={route.wf} route={route} />}
      </main>
    </div>
  );
}

function SignIn({ onSignedIn }: { onSignedIn: (key: string) => void }) {
  const [value, setValue] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setAdminKey(value.trim());
    try {
      await api('GET', '/workflows?$top=1');
      onSignedIn(value.trim());
    } catch (err) {
      setAdminKey(null);
      setError(err instanceof ApiError && err.status === 401 ? 'That admin key is not right.' : String((err as Error).message));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main className="signin">
      <form className="card signin-card" onSubmit={submit} aria-labelledby="signin-title">
        <h1 id="signin-title">
          <span className="logo" aria-hidden="true">⟳</span> hookflow
        </h1>
        <p className="muted">Enter the admin key that <code>hookflow serve</code> printed (or was given with <code>--admin-key</code>). It is kept for this browser tab only.</p>
        <label className="field">
          <span className="label">Admin key</span>
          <input type="password" autoFocus autoComplete="current-password" value={value} onChange={(e) => setValue(e.target.value)} required />
        </label>
        {error && <p className="error" role="alert">{error}</p>}
        <button className="btn primary" type="submit" disabled={busy || !value.trim()}>
          {busy ? 'Checking…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
