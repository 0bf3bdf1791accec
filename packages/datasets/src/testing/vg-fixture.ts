// Test-only: writes Visual Genome 1.4's JSON layout from a compact description.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeJpeg } from './images.js';

export interface FixtureObject {
  names: string[];
  x?: number;
  y?: number;
  w?: number;
  h?: number;
  attributes?: string[];
}
export interface FixtureImage {
  id: number;
  width?: number;
  height?: number;
  objects: FixtureObject[];
  /** [subject index, predicate, object index] into `objects`. */
  relations: [number, string, number][];
  /** Write no image file for it. */
  noFile?: boolean;
}

export async function writeVgFixture(
  dir: string,
  images: FixtureImage[],
  extra: {
    splits?: Record<string, number[]>;
    objectAliases?: string;
    predicateAliases?: string;
  } = {},
): Promise<void> {
  await mkdir(dir, { recursive: true });
  let objectId = 100;
  let relId = 9000;
  const imageData = [];
  const objects = [];
  const attributes = [];
  const relationships = [];
  for (const im of images) {
    const folder = im.id % 2 ? 'VG_100K' : 'VG_100K_2';
    imageData.push({
      width: im.width ?? 400,
      height: im.height ?? 300,
      url: `https://cs.stanford.edu/people/rak248/${folder}/${im.id}.jpg`,
      coco_id: null,
      flickr_id: null,
      image_id: im.id,
    });
    const ids = im.objects.map(() => objectId++);
    const objs = im.objects.map((o, i) => ({
      object_id: ids[i],
      x: o.x ?? 10 * i,
      y: o.y ?? 0,
      w: o.w ?? 50,
      h: o.h ?? 50,
      names: o.names,
      synsets: [],
      merged_object_ids: [],
    }));
    objects.push({ image_id: im.id, objects: objs });
    attributes.push({
      image_id: im.id,
      attributes: objs.map((o, i) => ({
        ...o,
        ...(im.objects[i].attributes ? { attributes: im.objects[i].attributes } : {}),
      })),
    });
    relationships.push({
      image_id: im.id,
      relationships: im.relations.map(([s, p, o]) => ({
        relationship_id: relId++,
        predicate: p,
        synsets: [],
        subject: { ...objs[s], name: objs[s].names[0] },
        object: { ...objs[o], name: objs[o].names[0] },
      })),
    });
    if (!im.noFile) await writeJpeg(join(dir, folder, `${im.id}.jpg`), 40, 30);
  }
  await writeFile(join(dir, 'image_data.json'), JSON.stringify(imageData));
  await writeFile(join(dir, 'objects.json'), JSON.stringify(objects));
  await writeFile(join(dir, 'attributes.json'), JSON.stringify(attributes));
  await writeFile(join(dir, 'relationships.json'), JSON.stringify(relationships));
  if (extra.splits) await writeFile(join(dir, 'vg_splits.json'), JSON.stringify(extra.splits));
  if (extra.objectAliases) await writeFile(join(dir, 'object_alias.txt'), extra.objectAliases);
  if (extra.predicateAliases)
    await writeFile(join(dir, 'relationship_alias.txt'), extra.predicateAliases);
}
