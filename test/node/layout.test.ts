// The tree's rules (src/*/README.md): a folder's index.ts is its surface; contract/ and
// platform/ are public in whole; the chat object never imports the user object; the
// client library reaches only the contract's protocol; no file imports one that leads back
// to it; no source file is over 450 lines.
import { readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");
const SRC = join(ROOT, "src");
const MAX_LINES = 450;
const PUBLIC_WHOLE = new Set(["contract", "platform"]);

function files(dir: string, ext = /\.ts$/): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path, ext) : ext.test(path) ? [path] : [];
  });
}

/** The import cycles among `all`: each as the files around it, the first repeated at the end. */
function cycles(all: Array<{ file: string; deps: string[] }>): string[][] {
  const deps = new Map(all.map((f) => [f.file, f.deps]));
  const state = new Map<string, "open" | "done">();
  const path: string[] = [];
  const found: string[][] = [];
  const visit = (file: string) => {
    state.set(file, "open");
    path.push(file);
    for (const dep of deps.get(file) ?? []) {
      if (state.get(dep) === "open") found.push([...path.slice(path.indexOf(dep)), dep]);
      else if (!state.has(dep)) visit(dep);
    }
    path.pop();
    state.set(file, "done");
  };
  for (const { file } of all) if (!state.has(file)) visit(file);
  return found;
}

/** Every relative import of a file, resolved to a path under src/ ("user/index.ts"). */
function imports(file: string): string[] {
  const text = readFileSync(file, "utf8");
  return [...text.matchAll(/from\s+"(\.{1,2}\/[^"]+)"/g)].map(([, spec]) => {
    const target = relative(SRC, resolve(dirname(file), spec!));
    return target.includes(".") && !target.endsWith("/") ? target : statSafe(join(SRC, target)) ? `${target}/index.ts` : `${target}.ts`;
  });
}

const statSafe = (p: string) => {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
};

const folderOf = (path: string) => (path.includes("/") ? path.split("/")[0]! : "");

describe("the layout of src/", () => {
  const all = files(SRC).map((f) => ({ file: relative(SRC, f), deps: imports(f) }));

  it("has a README in every folder", () => {
    const folders = new Set(all.map((f) => folderOf(f.file)).filter(Boolean));
    for (const folder of folders)
      expect(statSafe(join(SRC, folder)) && readFileSync(join(SRC, folder, "README.md"), "utf8").length).toBeGreaterThan(0);
  });

  it("reaches another folder only through its surface", () => {
    const breaches: string[] = [];
    for (const { file, deps } of all) {
      const from = folderOf(file);
      for (const dep of deps) {
        const to = folderOf(dep);
        if (to === from || PUBLIC_WHOLE.has(to)) continue;
        if (dep !== `${to}/index.ts` && !(from === "" && dep === "worker/app.ts")) breaches.push(`${file} -> ${dep}`);
      }
    }
    expect(breaches).toEqual([]);
  });

  it("has no import cycle", () => {
    expect(cycles(all).map((c) => c.join(" -> "))).toEqual([]);
  });

  it("finds a cycle where there is one", () => {
    const found = cycles([
      { file: "a.ts", deps: ["b.ts"] },
      { file: "b.ts", deps: ["c.ts"] },
      { file: "c.ts", deps: ["a.ts", "d.ts"] },
      { file: "d.ts", deps: [] },
    ]);
    expect(found).toEqual([["a.ts", "b.ts", "c.ts", "a.ts"]]);
  });

  it(`has no source file over ${MAX_LINES} lines (src/, web/, bench/, scripts/)`, () => {
    const sources = ["src", "web", "bench", "scripts"].flatMap((dir) => files(join(ROOT, dir), /\.(ts|mts|mjs|js)$/));
    const long = sources
      .map((path) => ({ path: relative(ROOT, path), lines: readFileSync(path, "utf8").split("\n").length - 1 }))
      .filter((f) => f.lines > MAX_LINES)
      .map((f) => `${f.path}: ${f.lines} lines`);
    expect(long).toEqual([]);
  });

  it("keeps the chat object free of the user object, and the client free of the server", () => {
    const bad = all.flatMap(({ file, deps }) => {
      const from = folderOf(file);
      if (from === "chat") return deps.filter((d) => folderOf(d) === "user").map((d) => `${file} -> ${d}`);
      if (from === "client")
        return deps.filter((d) => folderOf(d) !== "client" && d !== "contract/protocol.ts").map((d) => `${file} -> ${d}`);
      if (from === "contract" || from === "platform")
        return deps.filter((d) => !PUBLIC_WHOLE.has(folderOf(d))).map((d) => `${file} -> ${d}`);
      return [];
    });
    expect(bad).toEqual([]);
  });
});
