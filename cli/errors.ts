/** An error meant for the user: printed as its message alone, no stack. */
export class UserError extends Error {
  constructor(message: string, public readonly exitCode = 1) {
    super(message);
    this.name = 'UserError';
  }
}
