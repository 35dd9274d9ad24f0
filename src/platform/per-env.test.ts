import { describe, expect, it } from "vitest";
import { perEnv } from "./per-env";

describe("perEnv", () => {
  it("makes a value once for each env object, and again for another", () => {
    let made = 0;
    const of = perEnv((env) => ({ n: ++made, env }));
    const a = {} as Env;
    const b = {} as Env;
    const first = of(a);
    expect(of(a)).toBe(first);
    expect(first).toEqual({ n: 1, env: a });
    expect(of(b)).toEqual({ n: 2, env: b });
    expect(of(a)).toBe(first);
    expect(made).toBe(2);
  });
});
