/** Placeholder: this package is not implemented yet (see the README status table). */
export const PLACEHOLDER = true;
