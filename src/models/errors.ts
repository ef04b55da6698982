/**
 * Errors of the model layer. Shape mismatches reuse the ops' `ShapeError` and bad options
 * their `ArgumentError`; a state dict or checkpoint that does not fit is a `CheckpointError`.
 */

/** A state dict, weights file or checkpoint that does not fit the model, or is malformed. */
export class CheckpointError extends Error {
  override name = 'CheckpointError';
}
