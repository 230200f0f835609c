// A tiny history router: `/` (workflows), `/w/{wf}` (designer), `/w/{wf}/code`,
// `/w/{wf}/runs`, `/w/{wf}/runs/{run}`. The server answers every such path with index.html.

import { useEffect, useState } from 'react';

export type Route =
  | { page: 'list' }
  | { page: 'workflow'; wf: string; tab: 'designer' | 'code' | 'runs'; run?: string };

export function parse(path: string): Route {
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] === 'w' && parts[1]) {
    if (parts[2] === 'runs') return { page: 'workflow', wf: parts[1], tab: 'runs', run: parts[3] };
    if (parts[2] === 'code') return { page: 'workflow', wf: parts[1], tab: 'code' };
    return { page: 'workflow', wf: parts[1], tab: 'designer' };
  }
  return { page: 'list' };
}

export function href(route: Route): string {
  if (route.page === 'list') return '/';
  const base = `/w/${encodeURIComponent(route.wf)}`;
  if (route.tab === 'runs') return route.run ? `${base}/runs/${encodeURIComponent(route.run)}` : `${base}/runs`;
  if (route.tab === 'code') return `${base}/code`;
  return base;
}

type Guard = () => boolean;
let guard: Guard | null = null;

/** While set, navigation asks `guard` first (unsaved changes). */
export function setNavigationGuard(g: Guard | null): void {
  guard = g;
}

/** Asks the guard (if any) whether leaving the current page is fine. */
export function confirmLeave(): boolean {
  return !guard || guard();
}

export function navigate(to: string, opts: { replace?: boolean; force?: boolean } = {}): void {
  if (to === location.pathname) return;
  if (!opts.force && guard && !guard()) return;
  if (opts.replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  window.dispatchEvent(new Event('hookflow:navigate'));
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parse(location.pathname));
  useEffect(() => {
    let current = location.pathname + location.search;
    const on = () => {
      const next = parse(location.pathname);
      const prev = parse(current.split('?')[0]);
      const wfOf = (r: Route) => (r.page === 'workflow' ? r.wf : null);
      // Back/forward away from a workflow with unsaved changes: ask, and stay if told to.
      if (wfOf(prev) !== wfOf(next) && guard && !guard()) {
        history.pushState(null, '', current);
        return;
      }
      current = location.pathname + location.search;
      setRoute(next);
    };
    const onNav = () => {
      current = location.pathname + location.search;
      setRoute(parse(location.pathname));
    };
    window.addEventListener('popstate', on);
    window.addEventListener('hookflow:navigate', onNav);
    return () => {
      window.removeEventListener('popstate', on);
      window.removeEventListener('hookflow:navigate', onNav);
    };
  }, []);
  return route;
}
