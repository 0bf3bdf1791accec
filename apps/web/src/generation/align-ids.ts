// The text editor derives object ids from labels, so relabelling "red circle" to "green circle"
// also renames it (red-circle → green-circle) and every relation it is in. Matched by position,
// the previous layout speaks of the same objects as the edited graph, and keepUntouchedBoxes then
// re-places only what the edit touched, not the renamed object's neighbours.
import type { SceneGraph } from '@sgdiff/scene-graph';

/**
 * `previous` with an object's id replaced by the edited graph's id at the same position, where
 * the old id is gone from `edited` and the new one is not in `previous`. Labels are kept, so a
 * relabelled object still counts as changed.
 */
export function alignIdsByPosition(previous: SceneGraph, edited: SceneGraph): SceneGraph {
  const before = new Set(previous.objects.map((o) => o.id));
  const after = new Set(edited.objects.map((o) => o.id));
  const rename = new Map<string, string>();
  previous.objects.forEach((o, i) => {
    const next = edited.objects[i]?.id;
    if (next !== undefined && !after.has(o.id) && !before.has(next)) rename.set(o.id, next);
  });
  if (rename.size === 0) return previous;
  const id = (x: string) => rename.get(x) ?? x;
  return {
    objects: previous.objects.map((o) => ({ ...o, id: id(o.id) })),
    relations: previous.relations.map((r) => ({
      ...r,
      subject: id(r.subject),
      object: id(r.object),
    })),
  };
}
