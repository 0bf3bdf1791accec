// The graph drawn with d3-force: objects are nodes, relations are arrows labelled with their
// predicate. Clicking (or Enter on) a node or an edge selects it for editing in the form.
import {
  forceX,
  forceY,
  forceCollide,
  forceLink,
  forceManyBody,
  forceSimulation,
  type SimulationNodeDatum,
} from 'd3-force';
import { useMemo, useRef } from 'preact/hooks';
import { inferLayout, type SceneGraph } from '@sgdiff/scene-graph';
import { labelStyle } from './label-style.js';
import type { Selection } from './selection.js';

const W = 360;
const H = 240;
const R = 16;
// Room for the node glyph and its label below it.
const PAD_X = 48;
const PAD_TOP = R + 6;
const PAD_BOTTOM = R + 18;

interface Node extends SimulationNodeDatum {
  id: string;
}

/**
 * Node positions: the centres of `inferLayout`'s boxes pull each node, so that "left of" reads
 * left to right and "above" top to bottom; d3-force then keeps nodes apart and edges short.
 * Runs to rest synchronously, starting from the previous positions.
 */
function layout(
  graph: SceneGraph,
  previous: Map<string, { x: number; y: number }>,
): Map<string, { x: number; y: number }> {
  // Box centres, stretched to fill the view on each axis (inferLayout keeps them near the middle).
  const centres = new Map(
    inferLayout(graph).objects.map((o) => [
      o.id,
      [(o.box![0] + o.box![2]) / 2, (o.box![1] + o.box![3]) / 2],
    ]),
  );
  const span = (axis: 0 | 1) => {
    const v = [...centres.values()].map((c) => c[axis]);
    const lo = Math.min(...v);
    const hi = Math.max(...v);
    return (x: number) => (hi - lo > 1e-6 ? (x - lo) / (hi - lo) : 0.5);
  };
  const sx = span(0);
  const sy = span(1);
  const target = (id: string) => {
    const c = centres.get(id);
    return c
      ? {
          x: PAD_X + sx(c[0]) * (W - 2 * PAD_X),
          y: PAD_TOP + sy(c[1]) * (H - PAD_TOP - PAD_BOTTOM),
        }
      : { x: W / 2, y: H / 2 };
  };
  const nodes: Node[] = graph.objects.map((o) => ({
    id: o.id,
    ...(previous.get(o.id) ?? target(o.id)),
  }));
  const links = graph.relations
    .filter((r) => r.subject !== r.object)
    .map((r) => ({ source: r.subject, target: r.object }));
  const sim = forceSimulation(nodes)
    .force('charge', forceManyBody().strength(-120))
    .force(
      'link',
      forceLink<Node, { source: string; target: string }>(links)
        .id((d) => d.id)
        .distance(90)
        .strength(0.2),
    )
    .force('collide', forceCollide(R * 2.6))
    .force('x', forceX<Node>((d) => target(d.id).x).strength(0.25))
    .force('y', forceY<Node>((d) => target(d.id).y).strength(0.25))
    .stop();
  sim.tick(200);
  const out = new Map<string, { x: number; y: number }>();
  for (const n of nodes) {
    out.set(n.id, {
      x: Math.min(W - PAD_X, Math.max(PAD_X, n.x!)),
      y: Math.min(H - PAD_BOTTOM, Math.max(PAD_TOP, n.y!)),
    });
  }
  return out;
}

function NodeGlyph({ label, selected }: { label: string; selected: boolean }) {
  const { fill, shape } = labelStyle(label);
  const stroke = selected ? '#ff6f00' : '#37474f';
  const sw = selected ? 4 : 1.5;
  if (shape === 'square')
    return (
      <rect
        x={-R * 0.85}
        y={-R * 0.85}
        width={R * 1.7}
        height={R * 1.7}
        fill={fill}
        stroke={stroke}
        stroke-width={sw}
      />
    );
  if (shape === 'triangle')
    return (
      <polygon
        points={`0,${-R} ${R},${R * 0.8} ${-R},${R * 0.8}`}
        fill={fill}
        stroke={stroke}
        stroke-width={sw}
      />
    );
  if (shape === 'stuff')
    return (
      <rect
        x={-R * 1.3}
        y={-R * 0.7}
        width={R * 2.6}
        height={R * 1.4}
        rx={6}
        fill={fill}
        stroke={stroke}
        stroke-width={sw}
      />
    );
  return <circle r={R} fill={fill} stroke={stroke} stroke-width={sw} />;
}

function activate(e: KeyboardEvent, fn: () => void) {
  if (e.key === 'Enter' || e.key === ' ') {
    e.preventDefault();
    fn();
  }
}

export function GraphView(props: {
  graph: SceneGraph;
  selection: Selection | null;
  onSelect: (s: Selection) => void;
  stale: boolean;
}) {
  const { graph, selection, onSelect } = props;
  const positions = useRef(new Map<string, { x: number; y: number }>());
  const pos = useMemo(() => (positions.current = layout(graph, positions.current)), [graph]);
  const names = useMemo(() => {
    const counts = new Map<string, number>();
    return new Map(
      graph.objects.map((o) => {
        const n = (counts.get(o.label) ?? 0) + 1;
        counts.set(o.label, n);
        return [o.id, n > 1 ? `${o.label} #${n}` : o.label];
      }),
    );
  }, [graph]);

  return (
    <svg
      class={`graph-view${props.stale ? ' stale' : ''}`}
      viewBox={`0 0 ${W} ${H}`}
      role="group"
      aria-label={`Scene graph: ${graph.objects.length} objects, ${graph.relations.length} relations`}
      data-testid="graph-view"
    >
      <defs>
        <marker
          id="arrow"
          viewBox="0 0 10 10"
          refX="10"
          refY="5"
          markerWidth="7"
          markerHeight="7"
          orient="auto-start-reverse"
        >
          <path d="M 0 0 L 10 5 L 0 10 z" fill="#546e7a" />
        </marker>
      </defs>
      {graph.relations.map((r, i) => {
        const a = pos.get(r.subject);
        const b = pos.get(r.object);
        if (!a || !b) return null;
        const dx = b.x - a.x;
        const dy = b.y - a.y;
        const len = Math.hypot(dx, dy) || 1;
        // Stop the arrow at the node's edge.
        const x1 = a.x + (dx / len) * R;
        const y1 = a.y + (dy / len) * R;
        const x2 = b.x - (dx / len) * (R + 3);
        const y2 = b.y - (dy / len) * (R + 3);
        const selected = selection?.kind === 'relation' && selection.index === i;
        const select = () => onSelect({ kind: 'relation', index: i });
        const text = `${names.get(r.subject)} ${r.predicate} ${names.get(r.object)}`;
        return (
          <g
            key={`r${i}`}
            class={`edge${selected ? ' selected' : ''}`}
            tabindex={0}
            role="button"
            aria-label={`Relation: ${text}`}
            aria-pressed={selected}
            onClick={select}
            onKeyDown={(e) => activate(e, select)}
          >
            <title>{text}</title>
            <line class="hit" x1={x1} y1={y1} x2={x2} y2={y2} />
            <line class="stroke" x1={x1} y1={y1} x2={x2} y2={y2} marker-end="url(#arrow)" />
            <text x={(a.x + b.x) / 2} y={(a.y + b.y) / 2 - 5} text-anchor="middle">
              {r.predicate}
            </text>
          </g>
        );
      })}
      {graph.objects.map((o) => {
        const p = pos.get(o.id)!;
        const selected = selection?.kind === 'object' && selection.id === o.id;
        const select = () => onSelect({ kind: 'object', id: o.id });
        return (
          <g
            key={o.id}
            class={`node${selected ? ' selected' : ''}`}
            transform={`translate(${p.x},${p.y})`}
            tabindex={0}
            role="button"
            aria-label={`Object: ${names.get(o.id)}`}
            aria-pressed={selected}
            onClick={select}
            onKeyDown={(e) => activate(e, select)}
          >
            <title>{names.get(o.id)}</title>
            <NodeGlyph label={o.label} selected={selected} />
            <text y={R + 12} text-anchor="middle">
              {names.get(o.id)}
            </text>
          </g>
        );
      })}
    </svg>
  );
}
