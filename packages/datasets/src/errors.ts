/**
 * Bad input to a dataset operation (a missing file, an unreadable manifest, an output folder
 * prepared with other settings). Its message is written for users: the CLI prints it without
 * a stack trace.
 */
export class DatasetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DatasetError';
  }
}
