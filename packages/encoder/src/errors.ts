/** Bad input to the encoder: labels outside the model's vocabulary, empty graphs, wrong shapes. */
export class EncoderError extends Error {
  override readonly name = 'EncoderError';
  constructor(message: string) {
    super(message);
  }
}
