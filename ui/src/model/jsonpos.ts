// Where each value of a JSON text is, by JSON pointer: lets the code view put a server
// validation error (which names a pointer) on the text it is about.

export interface Span {
  from: number;
  to: number;
}

/** The span of every value in `text` by its pointer (`''` is the root). Stops quietly at
 * the first syntax error (the caller only asks about text that parsed). */
export function valuePositions(text: string): Map<string, Span> {
  const out = new Map<string, Span>();
  let i = 0;
  const ws = () => {
    while (i < text.length && /\s/.test(text[i])) i++;
  };
  const str = (): string => {
    const start = i;
    i++;
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const value = (ptr: string): void => {
    ws();
    const from = i;
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') i++;
      else
        for (;;) {
          ws();
          const key = str();
          ws();
          i++; // ':'
          value(`${ptr}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`);
          ws();
          if (text[i++] !== ',') break;
        }
    } else if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') i++;
      else
        for (let n = 0; ; n++) {
          value(`${ptr}/${n}`);
          ws();
          if (text[i++] !== ',') break;
        }
    } else if (c === '"') str();
    else while (i < text.length && /[^\s,\]}]/.test(text[i])) i++;
    out.set(ptr, { from, to: i });
  };
  try {
    value('');
  } catch {
    // Partial map on malformed text.
  }
  return out;
}

/** The span for a pointer, or for its nearest ancestor that exists. */
export function spanOf(map: Map<string, Span>, pointer: string): Span | undefined {
  let p = pointer;
  for (;;) {
    const s = map.get(p);
    if (s) return s;
    if (!p) return undefined;
    p = p.slice(0, p.lastIndexOf('/'));
  }
}
