// Draws a laid-out resource graph as SVG: one box per object with its kind badge, name, health
// and sync status; edges from owner to owned. Selecting a node is the caller's business.
import { type KeyboardEvent, useMemo, useState } from 'react';
import { StatusIcon } from '../components/StatusIcon.tsx';
import { healthLook, syncLook } from '../components/status.ts';
import { kindBadge, kindCategory } from './kinds.ts';
import { DEFAULT_LAYOUT, layoutGraph, type PositionedNode } from './layout.ts';
import type { Graph, GraphNode } from './model.ts';

const { nodeWidth: W, nodeHeight: H } = DEFAULT_LAYOUT;
const NAME_CHARS = 22;
const KIND_CHARS = 30;
const ZOOMS = [0.5, 0.67, 0.8, 1, 1.25, 1.5];

export function ResourceGraph({
  graph,
  selected,
  highlighted,
  onSelect,
}: {
  graph: Graph;
  selected: string | undefined;
  /** Ids shown at full strength; the others are dimmed. Undefined: all. */
  highlighted: Set<string> | undefined;
  onSelect: (node: GraphNode) => void;
}) {
  const layout = useMemo(() => layoutGraph(graph), [graph]);
  const [zoomIndex, setZoomIndex] = useState(ZOOMS.indexOf(1));
  const zoom = ZOOMS[zoomIndex];
  const dim = (id: string) => highlighted !== undefined && !highlighted.has(id);
  return (
    <div className="graph-wrap">
      <div className="zoom-controls">
        <button
          type="button"
          className="icon-button"
          aria-label="Zoom out"
          disabled={zoomIndex === 0}
          onClick={() => setZoomIndex((i) => Math.max(0, i - 1))}
        >
          −
        </button>
        <span className="muted">{Math.round(zoom * 100)}%</span>
        <button
          type="button"
          className="icon-button"
          aria-label="Zoom in"
          disabled={zoomIndex === ZOOMS.length - 1}
          onClick={() => setZoomIndex((i) => Math.min(ZOOMS.length - 1, i + 1))}
        >
          +
        </button>
      </div>
      <div className="graph-scroll">
        <svg
          className="graph"
          width={layout.width * zoom}
          height={layout.height * zoom}
          viewBox={`0 0 ${layout.width} ${layout.height}`}
          role="img"
          aria-label="Resource tree"
        >
          <g className="edges">
            {layout.edges.map((e) => (
              <path
                key={`${e.from}>${e.to}`}
                d={e.path}
                className={[
                  'edge',
                  selected === e.from || selected === e.to ? 'edge-selected' : '',
                  dim(e.from) || dim(e.to) ? 'dim' : '',
                ].join(' ')}
              />
            ))}
          </g>
          {layout.nodes.map((p) => (
            <Node
              key={p.node.id}
              p={p}
              selected={selected === p.node.id}
              dim={dim(p.node.id)}
              onSelect={onSelect}
            />
          ))}
        </svg>
      </div>
    </div>
  );
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Keeps both ends: generated names (pods) differ in their suffix. */
function truncateMiddle(text: string, max: number): string {
  if (text.length <= max) return text;
  const head = Math.ceil((max - 1) / 2);
  return `${text.slice(0, head)}…${text.slice(text.length - (max - 1 - head))}`;
}

function Node({
  p,
  selected,
  dim,
  onSelect,
}: {
  p: PositionedNode;
  selected: boolean;
  dim: boolean;
  onSelect: (node: GraphNode) => void;
}) {
  const { node } = p;
  const health = node.health?.status;
  const hl = healthLook(health);
  const sl = syncLook(node.sync);
  const badge = kindBadge(node.kind);
  const label = [node.kind, node.name, health, node.sync, node.hook ? 'hook' : ''].filter(Boolean).join(', ');
  const onKey = (e: KeyboardEvent) => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      onSelect(node);
    }
  };
  return (
    // biome-ignore lint/a11y/useSemanticElements: an SVG group cannot be a <button>
    <g
      className={[
        'node',
        `cat-${kindCategory(node.kind)}`,
        selected ? 'selected' : '',
        dim ? 'dim' : '',
      ].join(' ')}
      transform={`translate(${p.x},${p.y})`}
      role="button"
      tabIndex={0}
      aria-label={label}
      aria-pressed={selected}
      data-kind={node.kind}
      data-name={node.name}
      data-health={health ?? ''}
      data-sync={node.sync ?? ''}
      onClick={() => onSelect(node)}
      onKeyDown={onKey}
    >
      <title>{`${node.kind} ${node.namespace ? `${node.namespace}/` : ''}${node.name}${node.health?.message ? `\n${node.health.message}` : ''}`}</title>
      <rect className="node-box" width={W} height={H} rx={8} />
      <rect className={`node-strip tone-${hl.tone}`} width={4} height={H - 16} x={0} y={8} rx={2} />
      <circle className="kind-circle" cx={32} cy={H / 2} r={19} />
      <text
        className="kind-badge"
        x={32}
        y={H / 2 + 4}
        textAnchor="middle"
        fontSize={badge.length > 4 ? 8.5 : badge.length > 3 ? 9.5 : undefined}
      >
        {badge}
      </text>
      <text className="node-kind" x={60} y={20}>
        {truncate(`${node.kind}${!node.root && node.namespace ? ` · ${node.namespace}` : ''}`, KIND_CHARS)}
      </text>
      <text className="node-name" x={60} y={37}>
        {truncateMiddle(node.name, NAME_CHARS)}
      </text>
      {(health || node.root) && (
        <g className={`node-status tone-${hl.tone}`}>
          <StatusIcon name={hl.icon} size={12} x={60} y={44} />
          <text x={76} y={54}>
            {health ?? 'Unknown'}
          </text>
        </g>
      )}
      {node.sync && (
        <g className={`node-status tone-${sl.tone}`}>
          <StatusIcon name={sl.icon} size={12} x={health || node.root ? 150 : 60} y={44} />
          <text x={health || node.root ? 166 : 76} y={54}>
            {node.sync}
          </text>
        </g>
      )}
      {node.hook && (
        <g className="hook-tag">
          <rect x={W - 44} y={6} width={38} height={16} rx={8} />
          <text x={W - 25} y={18} textAnchor="middle">
            hook
          </text>
        </g>
      )}
    </g>
  );
}
