import { useEffect, useRef, useState } from 'react';
import { basicSetup, EditorView } from 'codemirror';
import { json } from '@codemirror/lang-json';
import { Diagnostic, lintGutter, setDiagnostics } from '@codemirror/lint';
import { Definition, isObject } from '../model/definition';
import { spanOf, valuePositions } from '../model/jsonpos';

/** The definition as JSON in CodeMirror. Edits that parse to a definition update the
 * workflow at once; canvas edits replace the text when it would parse differently. */
export function CodeView({
  def,
  onChange,
  onValidity,
  problems = [],
}: {
  def: Definition;
  onChange(d: Definition): void;
  onValidity(error: string | null): void;
  /** The last save's validation errors, shown on the text their pointer names. */
  problems?: { message: string; target?: string }[];
}) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const latest = useRef({ onChange, onValidity });
  latest.current = { onChange, onValidity };
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const v = new EditorView({
      doc: JSON.stringify(def, null, 2),
      parent: host.current!,
      extensions: [
        basicSetup,
        json(),
        lintGutter(),
        EditorView.contentAttributes.of({ 'aria-label': 'Workflow definition JSON' }),
        EditorView.updateListener.of((u) => {
          if (!u.docChanged) return;
          const text = u.state.doc.toString();
          try {
            const parsed = JSON.parse(text);
            if (!isObject(parsed)) throw new Error('The definition must be a JSON object.');
            setError(null);
            latest.current.onValidity(null);
            latest.current.onChange(parsed as Definition);
          } catch (e) {
            const msg = (e as Error).message;
            setError(msg);
            latest.current.onValidity(msg);
          }
        }),
      ],
    });
    view.current = v;
    return () => {
      v.destroy();
      view.current = null;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  useEffect(() => {
    const v = view.current;
    if (!v) return;
    const text = v.state.doc.toString();
    let same = false;
    try {
      same = JSON.stringify(JSON.parse(text)) === JSON.stringify(def);
    } catch {
      same = false;
    }
    if (!same && !error) {
      v.dispatch({ changes: { from: 0, to: text.length, insert: JSON.stringify(def, null, 2) } });
    }
  }, [def, error]);

  useEffect(() => {
    const v = view.current;
    if (!v) return;
    const text = v.state.doc.toString();
    const map = valuePositions(text);
    const diagnostics: Diagnostic[] = [];
    for (const p of problems) {
      let ptr = p.target ?? '';
      for (const pre of ['/properties/definition', '/definition']) if (ptr.startsWith(pre + '/')) ptr = ptr.slice(pre.length);
      const span = spanOf(map, ptr);
      if (span) diagnostics.push({ from: span.from, to: span.to, severity: 'error', message: p.message });
    }
    v.dispatch(setDiagnostics(v.state, diagnostics));
  }, [problems, def]);

  return (
    <div className="code-view">
      <div className="code-host" ref={host} />
      <div className={error ? 'code-status error' : 'code-status'} role="status">
        {error ? `JSON error: ${error} — the canvas keeps the last valid definition.` : 'Valid JSON · kept in sync with the designer'}
      </div>
    </div>
  );
}
