/** Placeholder: the web demo is not implemented yet (see the README status table). */
export const PLACEHOLDER = true;
