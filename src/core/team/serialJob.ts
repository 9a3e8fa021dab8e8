// Work the engine worker repeats (a team sync, an OTLP export): one run at a time, started by a
// timer, at once, or now and then as a safety net; a request while a run is on makes one more run
// after it (a short delay later), unless the work says to hold off (a backoff after a failure).

export class SerialJob {
  private running: Promise<void> | undefined;
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly net: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly work: () => Promise<void>,
    private readonly opts: {
      /** The delay of the extra run a request during a run asks for. */
      againAfterMs: number;
      /** The safety net: a run this often, when `wanted`. */
      everyMs: number;
      wanted: () => boolean;
      /** True while runs must wait for their timer (a backoff): requests then start nothing. */
      holding: () => boolean;
    },
  ) {
    this.net = setInterval(() => {
      if (opts.wanted() && !opts.holding()) void this.run();
    }, opts.everyMs);
    this.net.unref?.();
  }

  /** Runs after `ms`, instead of any run already timed. */
  schedule(ms: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.run(), ms);
    this.timer.unref?.();
  }

  /** A run soon (`ms`), unless holding off. */
  request(ms: number): void {
    if (!this.opts.holding()) this.schedule(ms);
  }

  cancel(): void {
    clearTimeout(this.timer);
  }

  /** Runs now; while a run is on, asks for one more after it and resolves with the current one. */
  run(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    if (this.stopped) return Promise.resolve();
    clearTimeout(this.timer);
    this.running = this.work().finally(() => {
      this.running = undefined;
      if (this.again && !this.stopped) {
        this.again = false;
        this.request(this.opts.againAfterMs);
      }
    });
    return this.running;
  }

  /** A run of its own, after the one in progress (Sync Now): resolves when it is done. */
  async runFresh(): Promise<void> {
    this.cancel();
    await this.running?.catch(() => undefined);
    await this.run();
  }

  /** Waits for the run in progress. */
  async idle(): Promise<void> {
    await this.running?.catch(() => undefined);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    clearInterval(this.net);
    await this.idle();
  }
}
