import { RegistryError } from '../errors.js';

/** Counts publishes being received; past the limit a new one is refused rather than queued. */
export class PublishSlots {
  private inUse = 0;

  constructor(private readonly capacity: number) {}

  get used(): number {
    return this.inUse;
  }

  /** Takes a slot or throws `REG_ERR_TOO_MANY_PUBLISHES`; the returned function frees it (once). */
  acquire(): () => void {
    if (this.inUse >= this.capacity) throw new RegistryError('REG_ERR_TOO_MANY_PUBLISHES');
    this.inUse += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.inUse -= 1;
    };
  }
}
