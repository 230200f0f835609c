// The definition as a graph for the canvas: one node per trigger and action, one box per
// branch of a container (If/Switch/Scope/Foreach/Until), one edge per runAfter entry, and
// an automatic layout (dagre per container, sized bottom-up). `graphToDefinition` rebuilds
// the definition from the graph alone, which the round-trip tests check.

import dagre from '@dagrejs/dagre';
import {
  Branch,
  branchesOf,
  ContainerPath,
  Definition,
  getAt,
  isObject,
  JsonObject,
  runAfterOf,
  setAt,
  StepRef,
  stepPointer,
} from './definition';

export const NODE_W = 248;
export const NODE_H = 64;
const PAD = 20;
const BRANCH_HEADER = 30;
const CONTAINER_HEADER = 64;
const ADD_SPACE = 36;
const EMPTY_BRANCH = { width: 200, height: 56 };

export interface GraphNode {
  id: string;
  kind: 'trigger' | 'action' | 'branch';
  name: string;
  type: string;
  /** The branch box (for actions in a container) or the container action (for branch boxes). */
  parentId?: string;
  /** Triggers and actions: the step as written, with `{}` where its branches' actions were. */
  step?: JsonObject;
  ref?: StepRef;
  /** Branch boxes: which branch of the parent. */
  branch?: Branch;
  /** Branch boxes: the container path of their actions. */
  container?: ContainerPath;
  position: { x: number; y: number };
  width: number;
  height: number;
}

export interface GraphEdge {
  id: string;
  source: string;
  target: string;
  /** runAfter statuses; empty for the drawn trigger → first action link. */
  statuses: string[];
  /** Drawn for orientation only (trigger → top-level roots), not a runAfter entry. */
  implicit: boolean;
}

export interface Graph {
  /** The definition without its triggers and actions. */
  meta: JsonObject;
  hasTriggers: boolean;
  hasActions: boolean;
  nodes: GraphNode[];
  edges: GraphEdge[];
  width: number;
  height: number;
}

interface Laid {
  width: number;
  height: number;
  /** Nodes relative to the laid-out box's origin. */
  nodes: GraphNode[];
  edges: GraphEdge[];
}

function branchId(parent: string, key: string): string {
  return `${parent}#${key}`;
}

/** Lays out one map of actions (and, at the top, the trigger above them). */
function layoutContainer(
  def: Definition,
  container: ContainerPath,
  map: { [name: string]: JsonObject },
  parentId: string | undefined,
  trigger?: GraphNode,
): Laid {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: 'TB', nodesep: 36, ranksep: 72, marginx: 0, marginy: 0 });
  g.setDefaultEdgeLabel(() => ({}));
  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];
  const inner: GraphNode[] = [];
  const sizes = new Map<string, { width: number; height: number; children: GraphNode[] }>();

  if (trigger) g.setNode(trigger.id, { width: trigger.width, height: trigger.height });

  const names = Object.keys(map);
  for (const name of names) {
    const raw = map[name];
    if (!isObject(raw)) continue;
    const ref: StepRef = { container, name };
    const id = stepPointer(ref);
    const branches = branchesOf(raw);
    let step: JsonObject = raw;
    const children: GraphNode[] = [];
    let width = NODE_W;
    let height = NODE_H;
    if (branches.length) {
      let x = PAD;
      let maxH = 0;
      const boxes: { node: GraphNode; laid: Laid }[] = [];
      for (const b of branches) {
        const actions = nestedMap(raw, b.path);
        if (getAt(raw, b.path) !== undefined) step = setAt(step, b.path, {});
        const bid = branchId(id, b.key);
        const laid = Object.keys(actions).length
          ? layoutContainer(def, [...container, name, ...b.path], actions, bid)
          : { ...EMPTY_BRANCH, nodes: [], edges: [] };
        const bw = Math.max(laid.width + 2 * PAD, 220);
        const bh = BRANCH_HEADER + PAD + laid.height + ADD_SPACE;
        const node: GraphNode = {
          id: bid,
          kind: 'branch',
          name: b.label,
          type: 'branch',
          parentId: id,
          branch: b,
          container: [...container, name, ...b.path],
          position: { x, y: CONTAINER_HEADER },
          width: bw,
          height: bh,
        };
        // Centre the branch's content horizontally.
        const dx = (bw - laid.width) / 2;
        for (const n of laid.nodes) {
          if (n.parentId === bid) n.position = { x: n.position.x + dx, y: n.position.y + BRANCH_HEADER + PAD };
        }
        boxes.push({ node, laid });
        x += bw + PAD;
        maxH = Math.max(maxH, bh);
      }
      for (const { node, laid } of boxes) {
        node.height = maxH;
        children.push(node, ...laid.nodes);
        edges.push(...laid.edges);
      }
      width = Math.max(x, NODE_W + 2 * PAD);
      height = CONTAINER_HEADER + maxH + PAD;
    }
    const node: GraphNode = {
      id,
      kind: 'action',
      name,
      type: String(raw.type ?? ''),
      parentId,
      step,
      ref,
      position: { x: 0, y: 0 },
      width,
      height,
    };
    nodes.push(node);
    inner.push(...children);
    sizes.set(id, { width, height, children });
    g.setNode(id, { width, height });
  }

  for (const name of names) {
    const raw = map[name];
    if (!isObject(raw)) continue;
    const target = stepPointer({ container, name });
    const ra = runAfterOf(raw);
    const preds = Object.keys(ra);
    for (const pred of preds) {
      if (!isObject(map[pred])) continue;
      const source = stepPointer({ container, name: pred });
      edges.push({ id: `${source}->${target}`, source, target, statuses: ra[pred], implicit: false });
      g.setEdge(source, target);
    }
    if (preds.length === 0 && trigger) {
      edges.push({ id: `${trigger.id}->${target}`, source: trigger.id, target, statuses: [], implicit: true });
      g.setEdge(trigger.id, target);
    }
  }

  dagre.layout(g);
  let minX = Infinity;
  let minY = Infinity;
  let maxX = 0;
  let maxY = 0;
  const placed = trigger ? [trigger, ...nodes] : nodes;
  // dagre centres the nodes of a rank on one line; top-align them instead, so edges from
  // the rank above bend above the tallest node (a container) rather than through it.
  const rankHalf = new Map<number, number>();
  for (const n of placed) {
    const y = Math.round(g.node(n.id).y);
    rankHalf.set(y, Math.max(rankHalf.get(y) ?? 0, n.height / 2));
  }
  for (const n of placed) {
    const p = g.node(n.id);
    n.position = { x: p.x - n.width / 2, y: Math.round(p.y) - (rankHalf.get(Math.round(p.y)) ?? n.height / 2) };
    minX = Math.min(minX, n.position.x);
    minY = Math.min(minY, n.position.y);
  }
  for (const n of placed) {
    n.position = { x: n.position.x - minX, y: n.position.y - minY };
    maxX = Math.max(maxX, n.position.x + n.width);
    maxY = Math.max(maxY, n.position.y + n.height);
  }
  return {
    width: placed.length ? maxX : 0,
    height: placed.length ? maxY : 0,
    // Parents before children, as the canvas wants them.
    nodes: [...placed, ...inner],
    edges,
  };
}

function nestedMap(step: JsonObject, path: string[]): { [name: string]: JsonObject } {
  let cur: unknown = step;
  for (const k of path) cur = isObject(cur) ? cur[k] : undefined;
  return (isObject(cur) ? cur : {}) as { [name: string]: JsonObject };
}

export function definitionToGraph(def: Definition): Graph {
  const meta: JsonObject = {};
  for (const [k, v] of Object.entries(def)) meta[k] = k === 'triggers' || k === 'actions' ? {} : v;
  const triggers = isObject(def.triggers) ? def.triggers : {};
  const triggerNodes: GraphNode[] = Object.entries(triggers).map(([name, step]) => ({
    id: stepPointer({ container: ['triggers'], name }),
    kind: 'trigger',
    name,
    type: String((step as JsonObject).type ?? ''),
    step: step as JsonObject,
    ref: { container: ['triggers'], name },
    position: { x: 0, y: 0 },
    width: NODE_W,
    height: NODE_H,
  }));
  const actions = isObject(def.actions) ? (def.actions as { [n: string]: JsonObject }) : {};
  const laid = layoutContainer(def, ['actions'], actions, undefined, triggerNodes[0]);
  // Further triggers (rare) stand beside the first.
  let x = laid.width + 40;
  for (const t of triggerNodes.slice(1)) {
    t.position = { x, y: 0 };
    x += NODE_W + 40;
  }
  return {
    meta,
    hasTriggers: triggerNodes.length > 0,
    hasActions: Object.keys(actions).length > 0,
    nodes: [...laid.nodes.filter((n) => n !== triggerNodes[0]), ...triggerNodes].sort(
      (a, b) => order(a) - order(b),
    ),
    edges: laid.edges,
    width: Math.max(x - 40, laid.width),
    height: laid.height,
  };
}

// Triggers first, then top-level actions, then nested ones (a stable sort keeps the rest).
function order(n: GraphNode): number {
  return n.kind === 'trigger' ? 0 : n.parentId ? 2 : 1;
}

/** Rebuilds the definition from the graph: steps from nodes, branches from branch boxes,
 * runAfter from edges. */
export function graphToDefinition(graph: Graph): Definition {
  const children = new Map<string | undefined, GraphNode[]>();
  for (const n of graph.nodes) {
    const list = children.get(n.parentId) ?? [];
    list.push(n);
    children.set(n.parentId, list);
  }
  const incoming = new Map<string, GraphEdge[]>();
  for (const e of graph.edges) {
    if (e.implicit) continue;
    const list = incoming.get(e.target) ?? [];
    list.push(e);
    incoming.set(e.target, list);
  }
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));

  const buildMap = (parent: string | undefined): { [name: string]: JsonObject } => {
    const out: { [name: string]: JsonObject } = {};
    for (const n of children.get(parent) ?? []) {
      if (n.kind !== 'action' || !n.step) continue;
      let step = n.step;
      for (const b of children.get(n.id) ?? []) {
        if (b.kind !== 'branch' || !b.branch) continue;
        const map = buildMap(b.id);
        if (Object.keys(map).length || getAt(step, b.branch.path) !== undefined) {
          step = setAt(step, b.branch.path, map);
        }
      }
      const edges = incoming.get(n.id) ?? [];
      if (edges.length || step.runAfter !== undefined) {
        const ra: JsonObject = {};
        for (const e of edges) ra[byId.get(e.source)?.name ?? e.source] = e.statuses;
        step = { ...step, runAfter: ra };
      }
      out[n.name] = step;
    }
    return out;
  };

  const def: JsonObject = {};
  const triggers: JsonObject = {};
  for (const n of graph.nodes) if (n.kind === 'trigger' && n.step) triggers[n.name] = n.step;
  for (const [k, v] of Object.entries(graph.meta)) {
    if (k === 'triggers') def[k] = triggers;
    else if (k === 'actions') def[k] = buildMap(undefined);
    else def[k] = v;
  }
  if (!('triggers' in def) && Object.keys(triggers).length) def.triggers = triggers;
  if (!('actions' in def)) {
    const a = buildMap(undefined);
    if (Object.keys(a).length) def.actions = a;
  }
  return def as Definition;
}
