// Durable Object stubs, cached per id. Cloudflare's documentation: a stub whose call threw
// may be broken for good, so a caller that saw a call fail drops the stub (`forget`) and the
// next call gets a fresh one.
interface Namespace<S> {
  idFromName(name: string): DurableObjectId;
  get(id: DurableObjectId): S;
}

export class Stubs<S> {
  private cache = new Map<string, S>();

  constructor(private readonly ns: Namespace<S>) {}

  get(name: string): S {
    let stub = this.cache.get(name);
    if (!stub) {
      stub = this.ns.get(this.ns.idFromName(name));
      this.cache.set(name, stub);
    }
    return stub;
  }

  /** After a call on `name`'s stub threw: the next `get` makes a new one. */
  forget(name: string): void {
    this.cache.delete(name);
  }
}
