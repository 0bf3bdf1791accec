/** What is selected for editing: an object by id, or a relation by index. */
export type Selection = { kind: 'object'; id: string } | { kind: 'relation'; index: number };
