// The boxes an image was drawn in, as outlines over it. Vector (not painted into the 64×64
// canvas), so that outlines and labels stay sharp at the canvas's CSS size.
import type { ComponentProps } from 'preact';
import type { SceneGraph } from '@sgdiff/scene-graph';
import { labelStyle } from '../editor/label-style.js';
import { ImageCanvas } from './ImageCanvas.js';
import { layoutBoxes } from './layout-boxes.js';

/** An image with, where `layout` is given, its boxes outlined over it. */
export function FramedImage(props: ComponentProps<typeof ImageCanvas> & { layout?: SceneGraph }) {
  const { layout, ...image } = props;
  return (
    <div class="frame">
      <ImageCanvas {...image} />
      {layout && <LayoutBoxes layout={layout} />}
    </div>
  );
}

export function LayoutBoxes(props: { layout: SceneGraph }) {
  const boxes = layoutBoxes(props.layout);
  return (
    <svg
      class="layout-boxes"
      viewBox="0 0 100 100"
      preserveAspectRatio="none"
      aria-hidden="true"
      data-testid="layout-boxes"
      data-boxes={boxes.length}
    >
      {boxes.map((b) => {
        const colour = labelStyle(b.label).fill;
        return (
          <g key={b.id}>
            <rect
              x={b.x}
              y={b.y}
              width={b.w}
              height={b.h}
              fill="none"
              stroke={colour}
              stroke-dasharray="2.5 1.5"
              vector-effect="non-scaling-stroke"
            />
            <text x={b.x + 1} y={Math.max(b.y + 4.5, 4.5)} fill={colour}>
              {b.label}
            </text>
          </g>
        );
      })}
    </svg>
  );
}
