import { useState } from 'react';
import { Role, searchCatalogue, TypeSchema } from '../model/schema';
import { Dialog } from './Dialog';
import { TypeIcon } from './icons';

/** The catalogue of triggers or actions, with a search box. */
export function Catalogue({ role, onPick, onClose }: { role: Role; onPick(s: TypeSchema): void; onClose(): void }) {
  const [query, setQuery] = useState('');
  const results = searchCatalogue(role, query);
  const title = role === 'trigger' ? 'Add a trigger' : 'Add an action';
  return (
    <Dialog title={title} onClose={onClose} wide>
      <label className="field search">
        <span className="sr-only">Search {role === 'trigger' ? 'triggers' : 'actions'}</span>
        <input
          type="search"
          autoFocus
          placeholder={role === 'trigger' ? 'Search triggers (e.g. http webhook)' : 'Search actions (e.g. http webhook)'}
          aria-label={`Search ${role === 'trigger' ? 'triggers' : 'actions'}`}
          value={query}
          onChange={(e) => setQuery(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && results[0]) onPick(results[0]);
          }}
        />
      </label>
      <p className="muted small" aria-live="polite">
        {results.length} {results.length === 1 ? 'result' : 'results'}
      </p>
      <ul className="catalogue" aria-label={role === 'trigger' ? 'Triggers' : 'Actions'}>
        {results.map((s) => (
          <li key={s.id}>
            <button type="button" className="catalogue-item" onClick={() => onPick(s)} aria-label={`${s.title} ${role}`}>
              <TypeIcon type={s.type} />
              <span>
                <span className="catalogue-title">{s.title}</span>
                <span className="catalogue-desc">{s.description}</span>
              </span>
            </button>
          </li>
        ))}
        {results.length === 0 && <li className="muted">Nothing matches “{query}”.</li>}
      </ul>
    </Dialog>
  );
}
