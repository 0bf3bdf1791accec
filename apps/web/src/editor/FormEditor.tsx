// The list/form editor: objects with their labels, relations as subject–predicate–object rows.
// Every change goes through @sgdiff/scene-graph's edits, so their validation messages show up
// next to the row they concern.
import { useEffect, useRef, useState } from 'preact/hooks';
import {
  addObject,
  addRelation,
  changePredicate,
  relabelObject,
  removeObject,
  removeRelation,
  SceneGraphError,
  type EditResult,
  type SceneGraph,
  type SceneGraphIssue,
  type Vocabulary,
} from '@sgdiff/scene-graph';
import type { Selection } from './selection.js';

export interface FormEditorProps {
  graph: SceneGraph;
  vocab: Vocabulary;
  maxObjects: number;
  selection: Selection | null;
  onSelect: (s: Selection | null) => void;
  /** Changes when the selection came from the graph view: focus moves to the selected row. */
  focusRequest: number;
  onEdit: (r: EditResult) => void;
  /** Grey the form out while the text box holds an invalid graph. */
  stale: boolean;
}

/** `label #n` names, as in the text syntax. */
function displayNames(graph: SceneGraph): Map<string, string> {
  const counts = new Map<string, number>();
  return new Map(
    graph.objects.map((o) => {
      const n = (counts.get(o.label) ?? 0) + 1;
      counts.set(o.label, n);
      return [o.id, n > 1 ? `${o.label} #${n}` : o.label];
    }),
  );
}

function freshId(graph: SceneGraph, label: string): string {
  const base = label.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '') || 'object';
  let id = base;
  for (let k = 2; graph.objects.some((o) => o.id === id); k++) id = `${base}-${k}`;
  return id;
}

function Issues({ issues, id }: { issues: SceneGraphIssue[] | undefined; id: string }) {
  if (!issues?.length) return null;
  return (
    <ul class="issues inline" id={id} role="alert">
      {issues.map((i) => (
        <li class="issue">{i.message}</li>
      ))}
    </ul>
  );
}

export function FormEditor(props: FormEditorProps) {
  const { graph, vocab, selection } = props;
  const names = displayNames(graph);
  // Issues of the last failed edit, keyed by where they belong: `object:<id>`, `relation:<i>`, `add-object`, `add-relation`.
  const [issues, setIssues] = useState<Record<string, SceneGraphIssue[]>>({});
  // Label inputs hold what is typed until it is committed (Enter or leaving the field).
  const [drafts, setDrafts] = useState<Record<string, string>>({});
  const [newLabel, setNewLabel] = useState('');
  const [newRel, setNewRel] = useState({
    subject: '',
    predicate: vocab.predicateNames[0] ?? '',
    object: '',
  });
  const rowRefs = useRef(new Map<string, HTMLElement>());

  useEffect(() => {
    // A new graph (from the text box or an edit) makes earlier drafts and issues moot.
    setDrafts({});
    setIssues({});
  }, [graph]);

  useEffect(() => {
    if (!selection || props.focusRequest === 0) return;
    const key =
      selection.kind === 'object' ? `object:${selection.id}` : `relation:${selection.index}`;
    const row = rowRefs.current.get(key);
    row?.scrollIntoView?.({ block: 'nearest' });
    row?.querySelector<HTMLElement>('input, select')?.focus();
    // Only a new focus request moves focus; `selection` is read as of that request.
  }, [props.focusRequest]);

  const attempt = (where: string, edit: () => EditResult) => {
    try {
      const r = edit();
      setIssues({});
      props.onEdit(r);
      return true;
    } catch (e) {
      const list =
        e instanceof SceneGraphError ? e.issues : [{ path: '', message: (e as Error).message }];
      setIssues({ [where]: list });
      return false;
    }
  };

  const commitLabel = (id: string) => {
    const value = drafts[`object:${id}`];
    const current = graph.objects.find((o) => o.id === id)?.label;
    if (value === undefined) return;
    if (value.trim() === current) {
      setIssues({});
      return;
    }
    attempt(`object:${id}`, () => relabelObject(graph, id, value.trim(), vocab));
  };

  const full = graph.objects.length >= props.maxObjects;
  // The picks of the add-relation row, unless the graph has changed under them.
  const has = (id: string) => graph.objects.some((o) => o.id === id);
  const subject = has(newRel.subject) ? newRel.subject : (graph.objects[0]?.id ?? '');
  const object = has(newRel.object)
    ? newRel.object
    : (graph.objects[1]?.id ?? graph.objects[0]?.id ?? '');

  return (
    <div class={`form-editor${props.stale ? ' stale' : ''}`} data-testid="form-editor">
      <datalist id="object-labels">
        {vocab.objectNames.map((n) => (
          <option value={n} />
        ))}
      </datalist>
      <fieldset>
        <legend>
          Objects ({graph.objects.length} of at most {props.maxObjects})
        </legend>
        <ol class="rows" data-testid="object-rows">
          {graph.objects.map((o) => {
            const key = `object:${o.id}`;
            const selected = selection?.kind === 'object' && selection.id === o.id;
            const errId = `err-${o.id}`;
            return (
              <li
                key={o.id}
                class={`row${selected ? ' selected' : ''}`}
                ref={(el) => {
                  if (el) rowRefs.current.set(key, el);
                  else rowRefs.current.delete(key);
                }}
                data-object-id={o.id}
              >
                <label class="grow">
                  <span class="visually-hidden">Label of {names.get(o.id)}</span>
                  <input
                    type="text"
                    list="object-labels"
                    value={drafts[key] ?? o.label}
                    aria-invalid={issues[key] ? 'true' : undefined}
                    aria-describedby={issues[key] ? errId : undefined}
                    onFocus={() => props.onSelect({ kind: 'object', id: o.id })}
                    onInput={(e) =>
                      setDrafts({ ...drafts, [key]: (e.target as HTMLInputElement).value })
                    }
                    onChange={() => commitLabel(o.id)}
                    onKeyDown={(e) => e.key === 'Enter' && commitLabel(o.id)}
                  />
                </label>
                <button
                  type="button"
                  class="icon"
                  aria-label={`Remove ${names.get(o.id)}`}
                  onClick={() => {
                    props.onSelect(null);
                    attempt(key, () => removeObject(graph, o.id));
                  }}
                >
                  ✕
                </button>
                <Issues issues={issues[key]} id={errId} />
              </li>
            );
          })}
        </ol>
        <form
          class="row add"
          onSubmit={(e) => {
            e.preventDefault();
            const label = newLabel.trim();
            if (
              attempt('add-object', () =>
                addObject(graph, { id: freshId(graph, label), label }, vocab),
              )
            )
              setNewLabel('');
          }}
        >
          <label class="grow">
            <span class="visually-hidden">New object label</span>
            <input
              type="text"
              list="object-labels"
              placeholder="e.g. cyan triangle"
              value={newLabel}
              aria-invalid={issues['add-object'] ? 'true' : undefined}
              aria-describedby={issues['add-object'] ? 'err-add-object' : undefined}
              onInput={(e) => setNewLabel((e.target as HTMLInputElement).value)}
            />
          </label>
          <button type="submit" disabled={full || newLabel.trim() === ''}>
            Add object
          </button>
          <Issues issues={issues['add-object']} id="err-add-object" />
        </form>
      </fieldset>

      <fieldset>
        <legend>Relations ({graph.relations.length})</legend>
        <ol class="rows" data-testid="relation-rows">
          {graph.relations.map((r, i) => {
            const key = `relation:${i}`;
            const selected = selection?.kind === 'relation' && selection.index === i;
            return (
              <li
                key={`${r.subject}-${r.predicate}-${r.object}-${i}`}
                class={`row relation${selected ? ' selected' : ''}`}
                ref={(el) => {
                  if (el) rowRefs.current.set(key, el);
                  else rowRefs.current.delete(key);
                }}
              >
                <span class="subject">{names.get(r.subject)}</span>
                <label>
                  <span class="visually-hidden">Predicate of relation {i + 1}</span>
                  <select
                    value={r.predicate}
                    onFocus={() => props.onSelect({ kind: 'relation', index: i })}
                    onChange={(e) =>
                      attempt(key, () =>
                        changePredicate(graph, i, (e.target as HTMLSelectElement).value, vocab),
                      )
                    }
                  >
                    {vocab.predicateNames.map((p) => (
                      <option value={p}>{p}</option>
                    ))}
                  </select>
                </label>
                <span class="object">{names.get(r.object)}</span>
                <button
                  type="button"
                  class="icon"
                  aria-label={`Remove relation ${names.get(r.subject)} ${r.predicate} ${names.get(r.object)}`}
                  onClick={() => {
                    props.onSelect(null);
                    attempt(key, () => removeRelation(graph, i));
                  }}
                >
                  ✕
                </button>
                <Issues issues={issues[key]} id={`err-rel-${i}`} />
              </li>
            );
          })}
        </ol>
        <form
          class="row add add-relation"
          onSubmit={(e) => {
            e.preventDefault();
            attempt('add-relation', () =>
              addRelation(graph, { subject, predicate: newRel.predicate, object }, vocab),
            );
          }}
        >
          <label>
            <span>Subject</span>
            <select
              value={subject}
              onChange={(e) =>
                setNewRel({ ...newRel, subject: (e.target as HTMLSelectElement).value })
              }
            >
              {graph.objects.map((o) => (
                <option value={o.id}>{names.get(o.id)}</option>
              ))}
            </select>
          </label>
          <label>
            <span>Predicate</span>
            <select
              value={newRel.predicate}
              onChange={(e) =>
                setNewRel({ ...newRel, predicate: (e.target as HTMLSelectElement).value })
              }
            >
              {vocab.predicateNames.map((p) => (
                <option value={p}>{p}</option>
              ))}
            </select>
          </label>
          <label>
            <span>Object</span>
            <select
              value={object}
              onChange={(e) =>
                setNewRel({ ...newRel, object: (e.target as HTMLSelectElement).value })
              }
            >
              {graph.objects.map((o) => (
                <option value={o.id}>{names.get(o.id)}</option>
              ))}
            </select>
          </label>
          <button type="submit" disabled={graph.objects.length === 0}>
            Add relation
          </button>
          <Issues issues={issues['add-relation']} id="err-add-relation" />
        </form>
      </fieldset>
    </div>
  );
}
