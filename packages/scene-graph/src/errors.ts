/** One problem with an input, located by a path such as `objects[2].box` or `clause 3`. */
export interface SceneGraphIssue {
  path: string;
  message: string;
}

/** Thrown by the parsers and edits. Lists every problem found, not only the first. */
export class SceneGraphError extends Error {
  readonly issues: SceneGraphIssue[];

  constructor(issues: SceneGraphIssue[], summary = 'invalid scene graph') {
    super(
      `${summary}:\n${issues.map((i) => `  ${i.path ? `${i.path}: ` : ''}${i.message}`).join('\n')}`,
    );
    this.name = 'SceneGraphError';
    this.issues = issues;
  }
}
