// The scene graph being edited: the text, the parsed graph (the last valid one), the text's
// problems, and what is selected across the text, graph and form views.
import { useCallback, useEffect, useState } from 'preact/hooks';
import {
  formatSceneGraphText,
  type EditResult,
  type SceneGraph,
  type SceneGraphIssue,
  type Vocabulary,
} from '@sgdiff/scene-graph';
import type { Selection } from '../editor/selection.js';
import { readGraphInput } from '../state/graph-input.js';

export function useGraphState(initialText: string, vocab: Vocabulary | null, maxObjects?: number) {
  const [text, setText] = useState(initialText);
  const [graph, setGraph] = useState<SceneGraph | null>(null);
  const [textIssues, setTextIssues] = useState<SceneGraphIssue[]>([]);
  const [selection, setSelection] = useState<Selection | null>(null);
  // Bumped when the graph view selects something, so that the form moves focus to that row
  // (and only then: focus moving inside the form must not be pulled back).
  const [focusRequest, setFocusRequest] = useState(0);

  const selectFromGraph = useCallback((s: Selection) => {
    setSelection(s);
    setFocusRequest((n) => n + 1);
  }, []);

  const onText = useCallback(
    (t: string) => {
      setText(t);
      if (!vocab || maxObjects === undefined) return;
      const r = readGraphInput(t, vocab, maxObjects);
      if (r.ok) {
        setGraph(r.graph);
        setTextIssues([]);
        setSelection(null);
      } else {
        setTextIssues(r.issues);
      }
    },
    [vocab, maxObjects],
  );

  // Parse the initial text once the vocabulary is known.
  useEffect(() => {
    if (vocab) onText(text);
  }, [vocab]);

  const onEdit = useCallback((r: EditResult) => {
    setGraph(r.graph);
    setText(formatSceneGraphText(r.graph));
    setTextIssues([]);
  }, []);

  return {
    text,
    graph,
    textIssues,
    selection,
    setSelection,
    focusRequest,
    selectFromGraph,
    onText,
    onEdit,
    /** The graph shown no longer matches the text (the text has problems). */
    stale: textIssues.length > 0,
  };
}
