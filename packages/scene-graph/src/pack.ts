import { SceneGraphError } from './errors.js';
import type { Box, SceneGraph } from './types.js';
import type { Vocabulary } from './vocabulary.js';

/**
 * A batch of graphs as sg2im-style flat arrays. Each graph gets one `__image__` node (last
 * among its objects, box [0,0,1,1]) and an `__in_image__` triple from each of its objects.
 * Triple indices are batch-global object indices.
 */
export interface PackedGraphs {
  /** objs: [O] object class indices. */
  objs: Int32Array;
  /** triples: [T, 3] rows of (subject, predicate, object), flattened. */
  triples: Int32Array;
  /** objToImg: [O] which graph each object belongs to. */
  objToImg: Int32Array;
  /** tripleToImg: [T] which graph each triple belongs to. */
  tripleToImg: Int32Array;
  /** boxes: [O, 4] normalised x0, y0, x1, y1, flattened; [0,0,1,1] where a box is missing. */
  boxes: Float32Array;
  /** hasBox: [O] 1 where the graph gave a box (the image node counts as boxed). */
  hasBox: Uint8Array;
  numGraphs: number;
  numObjects: number;
  numTriples: number;
}

const FULL_IMAGE: Box = [0, 0, 1, 1];

export function packGraphs(graphs: readonly SceneGraph[], vocab: Vocabulary): PackedGraphs {
  const O = graphs.reduce((n, g) => n + g.objects.length + 1, 0);
  const T = graphs.reduce((n, g) => n + g.relations.length + g.objects.length, 0);
  const out: PackedGraphs = {
    objs: new Int32Array(O),
    triples: new Int32Array(T * 3),
    objToImg: new Int32Array(O),
    tripleToImg: new Int32Array(T),
    boxes: new Float32Array(O * 4),
    hasBox: new Uint8Array(O),
    numGraphs: graphs.length,
    numObjects: O,
    numTriples: T,
  };
  const inImage = vocab.inImageIndex;
  let o = 0;
  let t = 0;
  graphs.forEach((g, gi) => {
    const base = o;
    const local = new Map<string, number>();
    const put = (label: number, box: Box | undefined) => {
      out.objs[o] = label;
      out.objToImg[o] = gi;
      out.boxes.set(box ?? FULL_IMAGE, o * 4);
      out.hasBox[o] = box ? 1 : 0;
      o++;
    };
    for (const obj of g.objects) {
      local.set(obj.id, o);
      put(vocab.objectIndex(obj.label), obj.box);
    }
    const imageNode = o;
    put(vocab.imageIndex, FULL_IMAGE);
    const triple = (s: number, p: number, ob: number) => {
      out.triples.set([s, p, ob], t * 3);
      out.tripleToImg[t++] = gi;
    };
    g.relations.forEach((r, ri) => {
      const s = local.get(r.subject);
      const ob = local.get(r.object);
      if (s === undefined || ob === undefined) {
        throw new SceneGraphError([
          { path: `graphs[${gi}].relations[${ri}]`, message: `refers to a missing object id` },
        ]);
      }
      triple(s, vocab.predicateIndex(r.predicate), ob);
    });
    for (let i = base; i < imageNode; i++) triple(i, inImage, imageNode);
  });
  return out;
}

/**
 * Inverts `packGraphs`: drops the image nodes and `__in_image__` triples. Ids are
 * regenerated as `o0`, `o1`, … per graph, since packing keeps none.
 */
export function unpackGraphs(packed: PackedGraphs, vocab: Vocabulary): SceneGraph[] {
  const graphs: SceneGraph[] = Array.from({ length: packed.numGraphs }, () => ({
    objects: [],
    relations: [],
  }));
  const ids: string[] = [];
  for (let i = 0; i < packed.numObjects; i++) {
    const g = graphs[packed.objToImg[i]];
    const label = packed.objs[i];
    if (label === vocab.imageIndex) continue;
    const id = `o${g.objects.length}`;
    ids[i] = id;
    const box = packed.hasBox[i]
      ? (Array.from(packed.boxes.subarray(i * 4, i * 4 + 4)) as Box)
      : undefined;
    g.objects.push({ id, label: vocab.objectName(label), ...(box ? { box } : {}) });
  }
  for (let t = 0; t < packed.numTriples; t++) {
    const [s, p, o] = packed.triples.subarray(t * 3, t * 3 + 3);
    if (p === vocab.inImageIndex) continue;
    graphs[packed.tripleToImg[t]].relations.push({
      subject: ids[s],
      predicate: vocab.predicateName(p),
      object: ids[o],
    });
  }
  return graphs;
}
