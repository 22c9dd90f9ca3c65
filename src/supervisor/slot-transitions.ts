/**
 * Changes to a job's runner (restart, reload, removal) run one after another per job, so two requests at once
 * never leave two runners for one job; shutdown waits for every change in flight before it stops the runners.
 */
export class SlotTransitions<Slot extends object> {
  private readonly chains = new WeakMap<Slot, Promise<void>>();
  private readonly inFlight = new Set<Promise<void>>();

  run(slot: Slot, work: () => Promise<void>): Promise<void> {
    const next = (this.chains.get(slot) ?? Promise.resolve()).then(work);
    const settled = next.catch(() => undefined);
    this.chains.set(slot, settled);
    this.inFlight.add(settled);
    void settled.then(() => this.inFlight.delete(settled));
    return next;
  }

  /** Resolves once no change is in flight (changes queued meanwhile included). */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all(this.inFlight);
  }
}
