// Save errors (400 details with JSON pointers) placed at the steps they belong to.

import { Definition, unescapePointer } from './definition';
import { definitionToGraph } from './graph';

export interface StepError {
  message: string;
  /** The rest of the pointer inside the step, e.g. `['inputs','subscribe','uri']`. */
  path: string[];
}

export interface PlacedError {
  message: string;
  target?: string;
  /** The id of the step the error is placed at, when it names one. */
  step?: string;
}

export interface PlacedErrors {
  /** Every error as the server sent it. */
  all: PlacedError[];
  byStep: Map<string, StepError[]>;
  /** Errors that point at no step (the definition as a whole). */
  general: { message: string; target?: string }[];
}

const PREFIXES = ['/properties/definition', '/definition'];

export function placeErrors(def: Definition, details: { message: string; target?: string }[]): PlacedErrors {
  const ids = definitionToGraph(def)
    .nodes.filter((n) => n.kind !== 'branch')
    .map((n) => n.id)
    .sort((a, b) => b.length - a.length);
  const byStep = new Map<string, StepError[]>();
  const general: { message: string; target?: string }[] = [];
  const all: PlacedError[] = [];
  for (const d of details) {
    let p = d.target ?? '';
    for (const pre of PREFIXES) if (p.startsWith(pre + '/')) p = p.slice(pre.length);
    const id = ids.find((i) => p === i || p.startsWith(i + '/'));
    all.push(id ? { ...d, step: id } : d);
    if (!id) {
      general.push(d);
      continue;
    }
    const rest = p.slice(id.length).split('/').filter(Boolean).map(unescapePointer);
    byStep.set(id, [...(byStep.get(id) ?? []), { message: d.message, path: rest }]);
  }
  return { all, byStep, general };
}

export const NO_ERRORS: PlacedErrors = { all: [], byStep: new Map(), general: [] };

/** The errors of a failed save that still point somewhere in `def`. A step removed since
 * (in the designer or the code view) takes its errors with it, so the banner never
 * reports problems nobody can find. Errors about the definition as a whole stay until the
 * next save: only the server can tell whether they are fixed. */
export function remainingErrors(placed: PlacedErrors, def: Definition): PlacedErrors {
  if (placed.byStep.size === 0) return placed;
  const ids = new Set(definitionToGraph(def).nodes.filter((n) => n.kind !== 'branch').map((n) => n.id));
  if ([...placed.byStep.keys()].every((id) => ids.has(id))) return placed;
  return {
    all: placed.all.filter((e) => e.step === undefined || ids.has(e.step)),
    byStep: new Map([...placed.byStep].filter(([id]) => ids.has(id))),
    general: placed.general,
  };
}

/** The banner's title for a save the server refused with `count` validation errors. */
export function notSavedTitle(count: number): string {
  return `The workflow was not saved: ${count} validation ${count === 1 ? 'error' : 'errors'}.`;
}
