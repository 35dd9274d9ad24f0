// Typed events: listeners per event name, each called in turn; one that throws does not stop
// the others or the client (its error is rethrown on its own, where the app sees it).

type Listener = (value: never) => void;

export class Emitter<Events extends object> {
  private readonly listeners = new Map<keyof Events, Set<Listener>>();

  /** Subscribes to a push or a client event; returns the unsubscribe function. */
  on<E extends keyof Events>(event: E, listener: (value: Events[E]) => void): () => void {
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
    }
    set.add(listener);
    return () => this.off(event, listener);
  }

  off<E extends keyof Events>(event: E, listener: (value: Events[E]) => void): void {
    this.listeners.get(event)?.delete(listener);
  }

  protected emit<E extends keyof Events>(event: E, value: Events[E]): void {
    for (const listener of [...(this.listeners.get(event) ?? [])]) {
      try {
        (listener as (v: Events[E]) => void)(value);
      } catch (err) {
        // An app's listener failing must not leave the client half-way through an update.
        queueMicrotask(() => {
          throw err;
        });
      }
    }
  }
}
