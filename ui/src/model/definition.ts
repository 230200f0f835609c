// The workflow definition as the designer edits it: plain JSON (the same object the code
// view shows and Save sends), plus pure operations on it. The canvas graph is derived
// from it (graph.ts); nothing here knows about React.

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface Definition extends JsonObject {
  triggers: { [name: string]: JsonObject };
  actions: { [name: string]: JsonObject };
}

export const RUN_AFTER_STATUSES = ['Succeeded', 'Failed', 'Skipped', 'TimedOut'] as const;

export const SCHEMA_URL =
  'https://schema.management.azure.com/providers/Microsoft.Logic/schemas/2016-06-01/workflowdefinition.json#';

export function blankDefinition(): Definition {
  return {
    $schema: SCHEMA_URL,
    contentVersion: '1.0.0.0',
    parameters: {},
    triggers: {},
    actions: {},
    outputs: {},
  };
}

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Where a map of actions lives: the keys from the definition root to the map itself,
 * e.g. `['actions']`, `['actions','Check','else','actions']`,
 * `['actions','Route','cases','Case_1','actions']`. */
export type ContainerPath = string[];

/** A step: a trigger (`['triggers', name]`) or an action (container path + name). */
export interface StepRef {
  container: ContainerPath;
  name: string;
}

export function stepPointer(ref: StepRef): string {
  return '/' + [...ref.container, ref.name].map(escapePointer).join('/');
}

export function escapePointer(s: string): string {
  return s.replace(/~/g, '~0').replace(/\//g, '~1');
}

export function unescapePointer(s: string): string {
  return s.replace(/~1/g, '/').replace(/~0/g, '~');
}

export function isTrigger(ref: StepRef): boolean {
  return ref.container.length === 1 && ref.container[0] === 'triggers';
}

export function getAt(root: Json, path: string[]): Json | undefined {
  let cur: Json | undefined = root;
  for (const key of path) {
    if (Array.isArray(cur)) cur = cur[Number(key)];
    else if (isObject(cur)) cur = cur[key];
    else return undefined;
  }
  return cur;
}

/** A copy of `root` with the value at `path` replaced (`undefined` deletes it). Objects on
 * the way are copied, created when missing; key order is kept. */
export function setAt<T extends Json>(root: T, path: string[], value: Json | undefined): T {
  if (path.length === 0) return value as T;
  const [key, ...rest] = path;
  if (Array.isArray(root) && /^\d+$/.test(key)) {
    const arr = [...root];
    const i = Number(key);
    if (rest.length === 0) {
      if (value === undefined) arr.splice(i, 1);
      else arr[i] = value;
    } else arr[i] = setAt((arr[i] ?? {}) as Json, rest, value);
    return arr as unknown as T;
  }
  const obj: JsonObject = isObject(root) ? { ...root } : {};
  if (rest.length === 0) {
    if (value === undefined) delete obj[key];
    else obj[key] = value;
  } else {
    const child = setAt((obj[key] ?? {}) as Json, rest, value);
    obj[key] = child;
  }
  return obj as T;
}

export function containerOf(def: Definition, container: ContainerPath): { [name: string]: JsonObject } {
  const v = getAt(def, container);
  return (isObject(v) ? v : {}) as { [name: string]: JsonObject };
}

export function getStep(def: Definition, ref: StepRef): JsonObject | undefined {
  const v = containerOf(def, ref.container)[ref.name];
  return isObject(v) ? v : undefined;
}

export function setStep(def: Definition, ref: StepRef, step: JsonObject): Definition {
  return setAt(def, [...ref.container, ref.name], step);
}

/** The branches (maps of actions) an action contains, in display order. */
export interface Branch {
  /** Path from the action to its actions map, e.g. `['else','actions']`. */
  path: string[];
  label: string;
  key: string;
}

export function branchesOf(step: JsonObject): Branch[] {
  const type = String(step.type ?? '');
  switch (type.toLowerCase()) {
    case 'if':
      return [
        { path: ['actions'], label: 'True', key: 'actions' },
        { path: ['else', 'actions'], label: 'False', key: 'else' },
      ];
    case 'switch': {
      const cases = isObject(step.cases) ? Object.keys(step.cases) : [];
      return [
        ...cases.map((c) => ({ path: ['cases', c, 'actions'], label: c, key: 'case:' + c })),
        { path: ['default', 'actions'], label: 'Default', key: 'default' },
      ];
    }
    case 'scope':
    case 'foreach':
    case 'until':
      return [{ path: ['actions'], label: type.toLowerCase() === 'scope' ? 'Actions' : 'Loop body', key: 'actions' }];
    default:
      return [];
  }
}

export function isContainerType(type: string): boolean {
  return ['if', 'switch', 'scope', 'foreach', 'until'].includes(type.toLowerCase());
}

/** Every action of the definition, depth first in document order. */
export function allActions(def: Definition): { ref: StepRef; step: JsonObject }[] {
  const out: { ref: StepRef; step: JsonObject }[] = [];
  const walk = (container: ContainerPath) => {
    const map = containerOf(def, container);
    for (const [name, step] of Object.entries(map)) {
      if (!isObject(step)) continue;
      out.push({ ref: { container, name }, step });
      for (const b of branchesOf(step)) walk([...container, name, ...b.path]);
    }
  };
  walk(['actions']);
  return out;
}

export function allStepNames(def: Definition): Set<string> {
  const names = new Set<string>(Object.keys(def.triggers ?? {}));
  for (const a of allActions(def)) names.add(a.ref.name);
  return names;
}

export function runAfterOf(step: JsonObject): { [name: string]: string[] } {
  const ra = step.runAfter;
  if (!isObject(ra)) return {};
  const out: { [name: string]: string[] } = {};
  for (const [k, v] of Object.entries(ra)) out[k] = Array.isArray(v) ? v.map(String) : [];
  return out;
}

/** A name not used by any step: `base`, `base_2`, `base_3`… */
export function uniqueName(def: Definition, base: string): string {
  const names = allStepNames(def);
  const clean = base.replace(/\s+/g, '_');
  if (!names.has(clean)) return clean;
  for (let i = 2; ; i++) if (!names.has(`${clean}_${i}`)) return `${clean}_${i}`;
}

/** Why `name` cannot be the new name of `ref`, or null when it can. */
export function checkName(def: Definition, ref: StepRef, name: string): string | null {
  if (!name.trim()) return 'A step needs a name.';
  if (name.length > 80) return 'Step names are at most 80 characters.';
  if (/[<>%&\\?/#]/.test(name)) return 'Step names cannot contain < > % & \\ ? / #.';
  if (name !== ref.name && allStepNames(def).has(name)) return `Another step is already named "${name}".`;
  return null;
}

function renameKey<T>(map: { [k: string]: T }, from: string, to: string): { [k: string]: T } {
  const out: { [k: string]: T } = {};
  for (const [k, v] of Object.entries(map)) out[k === from ? to : k] = v;
  return out;
}

/** Renames a step: its key keeps its position, siblings' runAfter and expressions that
 * name it (`body('X')`, `outputs('X')`, `actions('X')`…) follow. */
export function renameStep(def: Definition, ref: StepRef, to: string): Definition {
  if (to === ref.name) return def;
  const map = containerOf(def, ref.container);
  let next = setAt(def, ref.container, renameKey(map, ref.name, to));
  if (!isTrigger(ref)) {
    const renamed = containerOf(next, ref.container);
    const fixed: { [name: string]: JsonObject } = {};
    for (const [k, step] of Object.entries(renamed)) {
      const ra = step.runAfter;
      fixed[k] = isObject(ra) && ra[ref.name] !== undefined
        ? { ...step, runAfter: renameKey(ra, ref.name, to) }
        : step;
    }
    next = setAt(next, ref.container, fixed);
  }
  const fn = isTrigger(ref) ? '(?:trigger\\w*)' : '(?:body|outputs|actions|action|result|items|iterationIndexes)';
  const pattern = new RegExp(`(${fn}\\(\\s*')${escapeRegExp(ref.name.replace(/'/g, "''"))}('\\s*\\))`, 'g');
  return rewriteStrings(next, (s) => s.replace(pattern, `$1${to.replace(/'/g, "''")}$2`)) as Definition;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function rewriteStrings(v: Json, f: (s: string) => string): Json {
  if (typeof v === 'string') return f(v);
  if (Array.isArray(v)) return v.map((x) => rewriteStrings(x, f));
  if (isObject(v)) {
    const out: JsonObject = {};
    for (const [k, x] of Object.entries(v)) out[k] = rewriteStrings(x, f);
    return out;
  }
  return v;
}

/** Deletes a step. Siblings that ran after it now run after what it ran after. */
export function deleteStep(def: Definition, ref: StepRef): Definition {
  const map = containerOf(def, ref.container);
  const removed = map[ref.name];
  const inherited = removed ? runAfterOf(removed) : {};
  const out: { [name: string]: JsonObject } = {};
  for (const [k, step] of Object.entries(map)) {
    if (k === ref.name) continue;
    const ra = runAfterOf(step);
    if (ra[ref.name] !== undefined) {
      const next: { [n: string]: string[] } = {};
      for (const [p, s] of Object.entries(ra)) {
        if (p === ref.name) Object.assign(next, inherited);
        else next[p] = s;
      }
      out[k] = { ...step, runAfter: next };
    } else out[k] = step;
  }
  return setAt(def, ref.container, out);
}

/** Adds `step` named `name` to `container`, after `after` (or at the start when null):
 * it runs after `after` succeeded, and the steps that ran after `after` succeeded now run
 * after it — inserting it between them. */
export function insertStep(
  def: Definition,
  container: ContainerPath,
  after: string | null,
  name: string,
  step: JsonObject,
): Definition {
  if (container[0] === 'triggers') {
    return setAt(def, ['triggers'], { [name]: step });
  }
  const map = containerOf(def, container);
  const out: { [n: string]: JsonObject } = {};
  const newStep: JsonObject = { ...step, runAfter: after ? { [after]: ['Succeeded'] } : {} };
  let placed = false;
  const entries = Object.entries(map);
  if (after === null) {
    out[name] = newStep;
    placed = true;
  }
  for (const [k, s] of entries) {
    const ra = runAfterOf(s);
    const isSuccessor = after === null ? Object.keys(ra).length === 0 : ra[after] !== undefined &&
      ra[after].length === 1 && ra[after][0] === 'Succeeded';
    if (isSuccessor && k !== name) {
      const next: { [n: string]: string[] } = {};
      if (after === null) next[name] = ['Succeeded'];
      for (const [p, st] of Object.entries(ra)) next[p === after ? name : p] = st;
      out[k] = { ...s, runAfter: next };
    } else out[k] = s;
    if (!placed && k === after) {
      out[name] = newStep;
      placed = true;
    }
  }
  if (!placed) out[name] = newStep;
  return setAt(def, container, out);
}

/** Adds `step` between `after` (null: the trigger) and `before` in `container`: it takes
 * over `before`'s dependency on `after` (with its statuses), and `before` runs after it. */
export function insertBetween(
  def: Definition,
  container: ContainerPath,
  after: string | null,
  before: string,
  name: string,
  step: JsonObject,
): Definition {
  const map = containerOf(def, container);
  const target = map[before];
  if (!target) return insertStep(def, container, after, name, step);
  const ra = runAfterOf(target);
  const statuses = after !== null && ra[after] ? ra[after] : ['Succeeded'];
  const out: { [n: string]: JsonObject } = {};
  for (const [k, s] of Object.entries(map)) {
    if (k === before) {
      out[name] = { ...step, runAfter: after !== null ? { [after]: statuses } : {} };
      const next: { [n: string]: string[] } = {};
      if (after === null) next[name] = ['Succeeded'];
      for (const [p, st] of Object.entries(ra)) next[p === after ? name : p] = p === after ? ['Succeeded'] : st;
      out[k] = { ...s, runAfter: next };
    } else out[k] = s;
  }
  return setAt(def, container, out);
}

/** The sibling with no successor that comes last: where "New step" appends. */
export function lastStepIn(def: Definition, container: ContainerPath): string | null {
  const map = containerOf(def, container);
  const names = Object.keys(map);
  if (names.length === 0) return null;
  const hasSuccessor = new Set<string>();
  for (const s of Object.values(map)) for (const p of Object.keys(runAfterOf(s))) hasSuccessor.add(p);
  const leaves = names.filter((n) => !hasSuccessor.has(n));
  return leaves.length ? leaves[leaves.length - 1] : names[names.length - 1];
}

/** Moves an action to run after `after` in `container` (possibly another container). */
export function moveStep(
  def: Definition,
  ref: StepRef,
  container: ContainerPath,
  after: string | null,
): Definition {
  const step = getStep(def, ref);
  if (!step) return def;
  const target = [...container];
  const self = [...ref.container, ref.name];
  if (target.length >= self.length && self.every((k, i) => target[i] === k)) return def; // into itself
  const without = deleteStep(def, ref);
  const { runAfter: _ignored, ...rest } = step;
  void _ignored;
  return insertStep(without, container, after, ref.name, rest as JsonObject);
}

export function setRunAfter(def: Definition, ref: StepRef, runAfter: { [n: string]: string[] }): Definition {
  const step = getStep(def, ref);
  if (!step) return def;
  return setStep(def, ref, { ...step, runAfter });
}

/** The steps whose outputs `ref` may use: the trigger and every action that surely ran
 * before it (its runAfter ancestors, and theirs, and the containers around it). */
export function predecessorsOf(def: Definition, ref: StepRef): StepRef[] {
  const out: StepRef[] = [];
  const seen = new Set<string>();
  const visitContainer = (container: ContainerPath, start: string) => {
    const map = containerOf(def, container);
    const stack = Object.keys(runAfterOf(map[start] ?? {}));
    while (stack.length) {
      const n = stack.pop()!;
      if (seen.has(n) || !map[n]) continue;
      seen.add(n);
      out.push({ container, name: n });
      stack.push(...Object.keys(runAfterOf(map[n])));
    }
  };
  if (isTrigger(ref)) return out;
  visitContainer(ref.container, ref.name);
  // The containers around the step ran (started) before it: their predecessors count too,
  // and so do their own outputs for loops (`items('Loop')`).
  let parent = parentOf(def, ref);
  while (parent) {
    out.push(parent);
    visitContainer(parent.container, parent.name);
    parent = parentOf(def, parent);
  }
  return out;
}

/** The container action holding `ref`, or null at the top level. */
export function parentOf(def: Definition, ref: StepRef): StepRef | null {
  if (ref.container.length <= 1) return null;
  const key = ref.container.join('\u0000');
  for (const a of allActions(def)) {
    for (const b of branchesOf(a.step)) {
      if ([...a.ref.container, a.ref.name, ...b.path].join('\u0000') === key) return a.ref;
    }
  }
  return null;
}
