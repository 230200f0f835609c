// The management API (CONTRACT §3) with the admin key kept in sessionStorage.

const KEY = 'hookflow.adminKey';

export function adminKey(): string | null {
  return sessionStorage.getItem(KEY);
}

export function setAdminKey(key: string | null): void {
  if (key) sessionStorage.setItem(KEY, key);
  else sessionStorage.removeItem(KEY);
}

export interface ErrorDetail {
  code: string;
  message: string;
  target?: string;
}

export class ApiError extends Error {
  constructor(
    public status: number,
    public code: string,
    message: string,
    public details: ErrorDetail[] = [],
  ) {
    super(message);
  }
}

export async function api<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {};
  const key = adminKey();
  if (key) headers.Authorization = `Bearer ${key}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(`/api${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (e) {
    throw new ApiError(0, 'NetworkError', `The server could not be reached (${String(e)}).`);
  }
  const text = await res.text();
  let json: unknown = undefined;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (res.status === 401 && key) {
    // The key stopped working (the server got another one): back to the sign-in form.
    setAdminKey(null);
    window.dispatchEvent(new Event('hookflow:signedout'));
  }
  if (!res.ok) {
    const err = (json as { error?: { code?: string; message?: string; details?: ErrorDetail[] } } | undefined)?.error;
    throw new ApiError(res.status, err?.code ?? `HTTP${res.status}`, err?.message ?? (text || res.statusText), err?.details ?? []);
  }
  return json as T;
}

export const enc = encodeURIComponent;

export type Status = 'Running' | 'Waiting' | 'Succeeded' | 'Failed' | 'Cancelled' | 'TimedOut' | 'Skipped' | 'Aborted' | string;

export interface Workflow {
  name: string;
  properties: {
    state: 'Enabled' | 'Disabled';
    definition: import('./model/definition').Definition;
    parameters?: Record<string, { value: unknown }>;
    createdTime: string;
    changedTime: string;
    version?: string;
  };
}

export interface Run {
  name: string;
  properties: {
    status: Status;
    startTime: string;
    endTime?: string;
    trigger: { name: string; status: Status; outputs?: unknown };
    outputs?: unknown;
    error?: unknown;
    /** The workflow version the run started on. */
    version?: string;
    /** The same version as Logic Apps names it. */
    workflow?: { name: string };
  };
}

export interface RunAction {
  name: string;
  properties: {
    status: Status;
    code?: string;
    startTime?: string;
    endTime?: string;
    inputs?: unknown;
    outputs?: unknown;
    error?: unknown;
    repetitionIndexes?: { scopeName: string; itemIndex: number }[];
  };
}

export interface TriggerInfo {
  name: string;
  properties: {
    type: string;
    state: string;
    lastExecutionTime?: string;
    subscription?: {
      state: string;
      lastSubscribe?: Exchange;
      lastUnsubscribe?: Exchange;
    };
  };
}

export interface Exchange {
  at: string;
  statusCode?: number;
  body?: unknown;
  error?: string;
}

export interface List<T> {
  value: T[];
  nextLink?: string;
}

export function duration(start?: string, end?: string): string {
  if (!start) return '—';
  const ms = (end ? Date.parse(end) : Date.now()) - Date.parse(start);
  if (!Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const m = Math.floor(ms / 60_000);
  if (m < 60) return `${m} min ${Math.round((ms % 60_000) / 1000)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

export function when(iso?: string): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
}
