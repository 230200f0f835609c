// Where a waiting webhook action's callback URL is in what the API returns.

/** The callback URL of a waiting webhook action: the engine puts it where the definition
 * called listCallbackUrl(), so it is found in the evaluated subscribe inputs. */
export function findCallbackUrl(inputs: unknown, run: string, action: string): string | null {
  const needle = `/runs/${run}/actions/${encodeURIComponent(action)}/run`;
  const needle2 = `/runs/${run}/actions/${action}/run`;
  let found: string | null = null;
  const walk = (v: unknown) => {
    if (found) return;
    if (typeof v === 'string') {
      for (const n of [needle, needle2]) {
        const at = v.indexOf(n);
        if (at < 0) continue;
        // From the nearest "http" before the path to the first character a URL cannot hold.
        const start = v.lastIndexOf('http', at);
        if (start < 0) continue;
        const rest = v.slice(start);
        found = rest.slice(0, rest.search(/[\s"'<>]|$/));
        return;
      }
    } else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(inputs);
  return found;
}
