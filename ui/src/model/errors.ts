// Save errors (400 details with JSON pointers) placed at the steps they belong to.

import { Definition, unescapePointer } from './definition';
import { definitionToGraph } from './graph';

export interface StepError {
  message: string;
  /** The rest of the pointer inside the step, e.g. `['inputs','subscribe','uri']`. */
  path: string[];
}

export interface PlacedErrors {
  /** Every error as the server sent it. */
  all: { message: string; target?: string }[];
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
  for (const d of details) {
    let p = d.target ?? '';
    for (const pre of PREFIXES) if (p.startsWith(pre + '/')) p = p.slice(pre.length);
    const id = ids.find((i) => p === i || p.startsWith(i + '/'));
    if (!id) {
      general.push(d);
      continue;
    }
    const rest = p.slice(id.length).split('/').filter(Boolean).map(unescapePointer);
    byStep.set(id, [...(byStep.get(id) ?? []), { message: d.message, path: rest }]);
  }
  return { all: details, byStep, general };
}
