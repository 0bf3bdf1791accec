/** A box in normalised image coordinates: [x0, y0, x1, y1], origin top-left, y pointing down. */
export type Box = [number, number, number, number];

export interface SceneObject {
  /** Unique within the graph; relations refer to objects by id. */
  id: string;
  /** A vocabulary object name (aliases are resolved to it by the parsers). */
  label: string;
  box?: Box;
  attributes?: string[];
}

export interface Relation {
  subject: string;
  predicate: string;
  object: string;
}

export interface SceneGraph {
  objects: SceneObject[];
  relations: Relation[];
}
