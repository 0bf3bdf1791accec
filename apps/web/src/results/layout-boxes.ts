// Box geometry for the layout overlay, kept apart from the component so that it is testable.
import type { SceneGraph } from '@sgdiff/scene-graph';

export interface LayoutBox {
  id: string;
  label: string;
  /** Percent of the image, origin top-left. */
  x: number;
  y: number;
  w: number;
  h: number;
}

/** The objects of `layout` that have a box, in percent; full-image stuff bands first. */
export function layoutBoxes(layout: SceneGraph): LayoutBox[] {
  return layout.objects
    .filter((o) => o.box)
    .map((o) => {
      const [x0, y0, x1, y1] = o.box!;
      return {
        id: o.id,
        label: o.label,
        x: x0 * 100,
        y: y0 * 100,
        w: (x1 - x0) * 100,
        h: (y1 - y0) * 100,
      };
    })
    .sort((a, b) => b.w * b.h - a.w * a.h);
}
