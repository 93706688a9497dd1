// One error type for everything a generator rejects, so callers (CLI, tests, the
// design-space explorer) can tell "this configuration cannot be built" apart from a bug.
export class GenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GenError';
  }
}
