// The text box, in the compact syntax (or JSON). Problems are listed right under it, each
// naming its clause.
import type { SceneGraphIssue } from '@sgdiff/scene-graph';
import { clauseOf } from '../state/graph-input.js';

export function TextEditor(props: {
  text: string;
  issues: SceneGraphIssue[];
  onInput: (text: string) => void;
}) {
  const invalid = props.issues.length > 0;
  return (
    <div class="text-editor">
      <label for="graph-text">Scene graph text</label>
      <p class="hint" id="graph-text-hint">
        Clauses like <code>red circle left of blue square</code>, separated by <code>;</code> or new
        lines. Repeated labels: <code>#2</code>.
      </p>
      <textarea
        id="graph-text"
        rows={4}
        spellcheck={false}
        value={props.text}
        aria-invalid={invalid ? 'true' : undefined}
        aria-describedby={invalid ? 'graph-text-hint graph-text-issues' : 'graph-text-hint'}
        onInput={(e) => props.onInput((e.target as HTMLTextAreaElement).value)}
        data-testid="graph-text"
      />
      {invalid && (
        <ul class="issues" id="graph-text-issues" role="alert" data-testid="text-issues">
          {props.issues.map((issue) => {
            const clause = clauseOf(issue);
            return (
              <li class="issue">
                {clause !== undefined ? (
                  <strong>Clause {clause}: </strong>
                ) : issue.path ? (
                  <strong>{issue.path}: </strong>
                ) : null}
                {issue.message}
              </li>
            );
          })}
          <li class="issue-note">The form and the graph show the last valid graph.</li>
        </ul>
      )}
    </div>
  );
}
