import { createContext, memo, useCallback, useContext, useEffect, useMemo, useRef, useState } from 'react';
import {
  applyNodeChanges,
  Background,
  BaseEdge,
  Controls,
  Edge,
  EdgeLabelRenderer,
  EdgeProps,
  getSmoothStepPath,
  Handle,
  Node,
  NodeChange,
  NodeProps,
  Position,
  ReactFlow,
  ReactFlowInstance,
  ReactFlowProvider,
  useReactFlow,
} from '@xyflow/react';
import { ContainerPath, Definition, lastStepIn, StepRef } from '../model/definition';
import { definitionToGraph, GraphNode } from '../model/graph';
import { TypeIcon, typeLabel } from './icons';

export interface StepRunInfo {
  status: string;
  duration?: string;
  waiting?: boolean;
}

interface CanvasCtx {
  mode: 'edit' | 'run';
  def: Definition;
  selected: string | null;
  errors: Map<string, string[]>;
  run: Map<string, StepRunInfo>;
  onSelect(ref: StepRef): void;
  onAdd(role: 'trigger' | 'action', container: ContainerPath, after: string | null, before?: string): void;
  /** Steps with an outgoing edge: their "+" sits on the edge instead of below them. */
  hasSuccessor: Set<string>;
}

const Ctx = createContext<CanvasCtx | null>(null);

type StepData = { g: GraphNode };

function useCtx(): CanvasCtx {
  const c = useContext(Ctx);
  if (!c) throw new Error('Canvas context missing');
  return c;
}

/** Keeps a keyboard-focused control on screen: pans (at the current zoom) when it is out of view. */
function useReveal() {
  const rf = useReactFlow();
  return (e: React.FocusEvent<HTMLElement>) => {
    const el = e.currentTarget;
    const pane = el.closest('.react-flow')?.getBoundingClientRect();
    const box = el.getBoundingClientRect();
    if (!pane) return;
    const inside = box.top >= pane.top && box.bottom <= pane.bottom && box.left >= pane.left && box.right <= pane.right;
    if (inside) return;
    const { x, y, zoom } = rf.getViewport();
    const dx = pane.left + pane.width / 2 - (box.left + box.width / 2);
    const dy = pane.top + pane.height / 2 - (box.top + box.height / 2);
    rf.setViewport({ x: x + dx, y: y + dy, zoom }, { duration: 150 });
  };
}

const StepNode = memo(function StepNode({ data }: NodeProps<Node<StepData>>) {
  const ctx = useCtx();
  const reveal = useReveal();
  const g = data.g;
  const ref = g.ref!;
  const errs = ctx.errors.get(g.id) ?? [];
  const run = ctx.run.get(g.id);
  const container = g.height > 64;
  const cls = [
    'step',
    container ? 'container' : '',
    g.kind,
    ctx.selected === g.id ? 'selected' : '',
    errs.length ? 'has-error' : '',
    run ? `run-${run.status.toLowerCase()}` : '',
    ctx.mode === 'run' && !run && g.kind === 'action' ? 'run-notrun' : '',
  ]
    .filter(Boolean)
    .join(' ');
  const status = run ? `, ${run.status}${run.duration ? ` in ${run.duration}` : ''}` : '';
  return (
    <div className={cls} data-step={g.name}>
      <Handle type="target" position={Position.Top} isConnectable={false} className="handle" />
      <button
        type="button"
        className="step-head"
        onFocus={reveal}
        onClick={() => ctx.onSelect(ref)}
        aria-label={`${g.kind === 'trigger' ? 'Trigger' : 'Step'} ${g.name} (${typeLabel(g.type)})${status}${errs.length ? ', has errors' : ''}`}
        aria-pressed={ctx.selected === g.id}
      >
        <TypeIcon type={g.type} />
        <span className="step-text">
          <span className="step-name">{g.name.replace(/_/g, ' ')}</span>
          <span className="step-type">
            {g.kind === 'trigger' ? 'Trigger · ' : ''}
            {typeLabel(g.type)}
          </span>
        </span>
        {errs.length > 0 && (
          <span className="step-flag error" title={errs.join('\n')} aria-hidden="true">
            !
          </span>
        )}
        {run && (
          <span className={`step-status status-${run.status.toLowerCase()}`} aria-hidden="true">
            {run.status}
            {run.duration ? ` · ${run.duration}` : ''}
          </span>
        )}
      </button>
      <Handle type="source" position={Position.Bottom} isConnectable={false} className="handle" />
      {ctx.mode === 'edit' && !ctx.hasSuccessor.has(g.id) && (
        <button
          type="button"
          className="add-after"
          onFocus={reveal}
          aria-label={g.kind === 'trigger' ? 'Insert a new step after the trigger' : `Insert a new step after ${g.name}`}
          title="Insert a new step"
          onClick={() => ctx.onAdd('action', g.kind === 'trigger' ? ['actions'] : ref.container, g.kind === 'trigger' ? null : ref.name)}
        >
          +
        </button>
      )}
    </div>
  );
});

const BranchNode = memo(function BranchNode({ data }: NodeProps<Node<StepData>>) {
  const ctx = useCtx();
  const g = data.g;
  const empty = !ctx.def || lastStepIn(ctx.def, g.container!) === null;
  return (
    <div className={`branch branch-${g.branch?.key.split(':')[0]}`}>
      <div className="branch-label">{g.name}</div>
      {ctx.mode === 'edit' && empty && (
        <button
          type="button"
          className="btn small branch-add empty"
          aria-label={`Add an action to ${g.name} of ${g.parentId?.split('/').pop()}`}
          onClick={() => ctx.onAdd('action', g.container!, lastStepIn(ctx.def, g.container!))}
        >
          + Add an action
        </button>
      )}
      {ctx.mode === 'run' && empty && <div className="muted small branch-empty">No actions</div>}
    </div>
  );
});

type EdgeData = { label?: string; container: ContainerPath; after: string | null; before: string; sourceName: string };

/** A runAfter edge: its statuses when not just Succeeded, and a "+" that inserts a step
 * between its two ends. */
function InsertEdge(props: EdgeProps<Edge<EdgeData>>) {
  const ctx = useCtx();
  const reveal = useReveal();
  const [path, x, y] = getSmoothStepPath({
    sourceX: props.sourceX,
    sourceY: props.sourceY,
    targetX: props.targetX,
    targetY: props.targetY,
    sourcePosition: props.sourcePosition,
    targetPosition: props.targetPosition,
  });
  const d = props.data!;
  return (
    <>
      <BaseEdge id={props.id} path={path} className={d.label ? 'labelled' : undefined} />
      <EdgeLabelRenderer>
        {d.label && (
          <div className="edge-label" style={{ transform: `translate(-50%, -50%) translate(${x}px, ${y + (ctx.mode === 'edit' ? 12 : 0)}px)` }}>
            {d.label}
          </div>
        )}
        {ctx.mode === 'edit' && (
          <button
            type="button"
            className="edge-add nodrag nopan"
            style={{ transform: `translate(-50%, -50%) translate(${x}px, ${d.label ? y - 12 : y}px)` }}
            aria-label={`Insert a new step between ${d.sourceName} and ${d.before}`}
            title="Insert a new step"
            onFocus={reveal}
            onClick={() => ctx.onAdd('action', d.container, d.after, d.before)}
          >
            +
          </button>
        )}
      </EdgeLabelRenderer>
    </>
  );
}

const nodeTypes = { step: StepNode, branch: BranchNode };
const edgeTypes = { insert: InsertEdge };

/** Fits the graph to the width, between 60 % and 100 % zoom, top-aligned: a long workflow
 * starts readable at its trigger and scrolls down, rather than shrinking to a thumbnail. */
function Fit({ signature, width, height, host }: { signature: string; width: number; height: number; host: React.RefObject<HTMLDivElement> }) {
  const rf = useReactFlow();
  useEffect(() => {
    const t = setTimeout(() => {
      const box = host.current?.getBoundingClientRect();
      if (!box || !width) return;
      const pad = 40;
      const fit = Math.min((box.width - 2 * pad) / width, (box.height - 2 * pad) / Math.max(height, 1));
      const zoom = Math.max(0.6, Math.min(1, fit));
      const x = (box.width - width * zoom) / 2;
      const y = height * zoom + 2 * pad <= box.height ? (box.height - height * zoom) / 2 : pad;
      rf.setViewport({ x, y, zoom });
    }, 30);
    return () => clearTimeout(t);
  }, [signature, rf, width, height, host]);
  return null;
}

export function Canvas(props: {
  def: Definition;
  mode: 'edit' | 'run';
  selected: string | null;
  errors?: Map<string, string[]>;
  run?: Map<string, StepRunInfo>;
  onSelect(ref: StepRef): void;
  onAdd?(role: 'trigger' | 'action', container: ContainerPath, after: string | null, before?: string): void;
  /** Drag and drop: put `ref` after `after` in `container` (null: at its start). */
  onMove?(ref: StepRef, container: ContainerPath, after: string | null): void;
}) {
  const graph = useMemo(() => definitionToGraph(props.def), [props.def]);
  const nodes: Node<StepData>[] = useMemo(
    () =>
      graph.nodes.map((g) => ({
        id: g.id,
        type: g.kind === 'branch' ? 'branch' : 'step',
        position: g.position,
        parentId: g.parentId,
        data: { g },
        style: { width: g.width, height: g.height },
        width: g.width,
        height: g.height,
        draggable: props.mode === 'edit' && g.kind === 'action' && !!props.onMove,
        selectable: false,
        focusable: false,
        zIndex: g.kind === 'branch' ? 0 : 1,
      })),
    [graph],
  );
  // Nodes follow the layout; while one is dragged its position is local until the drop
  // moves the step in the definition (and the layout places it again).
  const [shown, setShown] = useState(nodes);
  useEffect(() => setShown(nodes), [nodes]);
  const onNodesChange = useCallback((changes: NodeChange<Node<StepData>>[]) => {
    setShown((ns) => applyNodeChanges(changes, ns));
  }, []);
  const onNodeDragStop = useCallback(
    (_: unknown, node: Node<StepData>) => {
      const g = node.data.g;
      const rf = rfRef.current;
      if (!rf || !g.ref || !props.onMove) return setShown(nodes);
      const self = g.id;
      const hits = rf
        .getIntersectingNodes(node)
        .map((n) => (n as Node<StepData>).data.g)
        .filter((h) => h.id !== self && !h.id.startsWith(self + '/') && !h.id.startsWith(self + '#') && h.kind !== 'trigger');
      // The innermost hit: a step (drop after it) or an empty part of a branch (drop at its end).
      const step = hits.filter((h) => h.kind === 'action' && h.height <= 64).pop() ?? hits.filter((h) => h.kind === 'action').pop();
      const branch = hits.filter((h) => h.kind === 'branch').pop();
      if (step?.ref && (!branch || step.parentId === branch.id || !step.parentId)) {
        props.onMove(g.ref, step.ref.container, step.ref.name);
      } else if (branch?.container) {
        props.onMove(g.ref, branch.container, lastStepIn(props.def, branch.container));
      }
      setShown(nodes);
    },
    [nodes, props],
  );
  const rfRef = useRef<ReactFlowInstance<Node<StepData>, Edge<EdgeData>> | null>(null);
  const edges: Edge<EdgeData>[] = useMemo(() => {
    const byId = new Map(graph.nodes.map((n) => [n.id, n]));
    return graph.edges.map((e) => {
      const plain = e.implicit || (e.statuses.length === 1 && e.statuses[0].toLowerCase() === 'succeeded');
      const source = byId.get(e.source);
      const target = byId.get(e.target)!;
      return {
        id: e.id,
        source: e.source,
        target: e.target,
        type: 'insert',
        focusable: false,
        zIndex: 1,
        data: {
          label: plain ? undefined : e.statuses.length ? e.statuses.join(', ') : 'Succeeded',
          container: target.ref!.container,
          after: source?.kind === 'trigger' ? null : (source?.name ?? null),
          before: target.name,
          sourceName: source?.kind === 'trigger' ? 'the trigger' : (source?.name ?? ''),
        },
      };
    });
  }, [graph]);
  const hasSuccessor = useMemo(() => new Set(graph.edges.map((e) => e.source)), [graph]);
  const ctx: CanvasCtx = {
    mode: props.mode,
    def: props.def,
    selected: props.selected,
    errors: props.errors ?? new Map(),
    run: props.run ?? new Map(),
    onSelect: props.onSelect,
    onAdd: props.onAdd ?? (() => undefined),
    hasSuccessor,
  };
  // Refit when the steps change or the side panel opens or closes (the canvas resizes).
  const signature = graph.nodes.map((n) => n.id).join('|') + (props.selected ? '|panel' : '');
  const host = useRef<HTMLDivElement>(null);
  return (
    <Ctx.Provider value={ctx}>
      <ReactFlowProvider>
        <div className="canvas" ref={host} aria-label={props.mode === 'edit' ? 'Workflow designer canvas' : 'Run graph'} role="region">
          <ReactFlow
            nodes={shown}
            onNodesChange={onNodesChange}
            onNodeDragStop={onNodeDragStop}
            onInit={(i) => (rfRef.current = i)}
            nodeDragThreshold={6}
            edges={edges}
            nodeTypes={nodeTypes}
            edgeTypes={edgeTypes}
            nodesDraggable={props.mode === 'edit' && !!props.onMove}
            nodesConnectable={false}
            elementsSelectable={false}
            nodesFocusable={false}
            edgesFocusable={false}
            panOnScroll
            zoomOnPinch
            minZoom={0.2}
            maxZoom={1.5}
            deleteKeyCode={null}
          >
            <Background gap={20} size={1} color="#d6dbe4" />
            <Controls showInteractive={false} position="bottom-left" />
            <Fit signature={signature} width={graph.width} height={graph.height} host={host} />
          </ReactFlow>
          {props.mode === 'edit' && !graph.hasTriggers && (
            <div className="canvas-empty">
              <div className="card empty-card">
                <h2>Start with a trigger</h2>
                <p className="muted">A trigger is the event that starts every run: a request, a webhook callback, a schedule.</p>
                <button type="button" className="btn primary" onClick={() => props.onAdd?.('trigger', ['triggers'], null)}>
                  Add a trigger
                </button>
              </div>
            </div>
          )}
        </div>
      </ReactFlowProvider>
    </Ctx.Provider>
  );
}
