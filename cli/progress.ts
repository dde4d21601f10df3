/* Step-by-step progress on stderr, so stdout stays the app's. */
export class Progress {
  private step = 0;
  private readonly started = Date.now();
  constructor(private readonly total: number, private readonly quiet = false) {}

  next(what: string): void {
    this.step++;
    if (!this.quiet) process.stderr.write(`[${this.step}/${this.total}] ${what}\n`);
  }

  info(text: string): void {
    if (!this.quiet) process.stderr.write(`      ${text}\n`);
  }

  done(what: string): void {
    if (!this.quiet) process.stderr.write(`${what} in ${((Date.now() - this.started) / 1000).toFixed(1)} s\n`);
  }
}
