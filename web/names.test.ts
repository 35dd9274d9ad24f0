import { describe, expect, it } from "vitest";
import { initials, nameHue } from "./names";

describe("initials and colours from a name", () => {
  it("tells numbered and two-word names apart", () => {
    const numbered = Array.from({ length: 19 }, (_, i) => initials(`pal${i + 1}`));
    expect(new Set(numbered).size).toBe(19);
    expect(numbered.slice(0, 2)).toEqual(["P1", "P2"]);
    expect(initials("ann_lee")).toEqual("AL");
    expect(initials("bob")).toEqual("BO");
    expect(initials("__")).toEqual("?");
  });

  it("picks the same hue for the same name", () => {
    expect(nameHue("ann")).toBe(nameHue("ann"));
    expect(nameHue("ann")).toBeGreaterThanOrEqual(0);
    expect(nameHue("ann")).toBeLessThan(360);
  });
});
