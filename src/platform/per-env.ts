// A value made from the bindings once per env object, which does not change while it lives
// (a Worker's isolate, a Durable Object's life): the settings, the D1 handle, a query
// prepared on it. Every request and every object's start asks for them; making them each
// time showed in the profile of a new user's connect.
export function perEnv<T>(make: (env: Env) => T): (env: Env) => T {
  const made = new WeakMap<Env, T>();
  return (env) => {
    let v = made.get(env);
    if (v === undefined) {
      v = make(env);
      made.set(env, v);
    }
    return v;
  };
}
