// Why this file exists: one pair of promises is shared by every record of a group-commit batch, so an
// append allocates no promise of its own. Rejections are pre-handled: a caller who awaits
// only `durable` must not crash the process with an unhandled `visible` rejection.

export class Deferred {
  readonly promise: Promise<void>;
  private resolve_fn!: () => void;
  private reject_fn!: (error: Error) => void;
  settled = false;

  constructor() {
    this.promise = new Promise<void>((resolve, reject) => {
      this.resolve_fn = resolve;
      this.reject_fn = reject;
    });
    this.promise.catch(() => undefined);
  }

  resolve(): void {
    if (this.settled) return;
    this.settled = true;
    this.resolve_fn();
  }

  reject(error: Error): void {
    if (this.settled) return;
    this.settled = true;
    this.reject_fn(error);
  }
}

export const RESOLVED: Promise<void> = Promise.resolve();
