// The tree's rules (src/*/README.md): a folder's index.ts is its surface; contract/ and
// platform/ are public in whole; the chat object never imports the user object; the
// client library reaches only the contract's protocol.
import { readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const SRC = resolve(import.meta.dirname, "../../src");
const PUBLIC_WHOLE = new Set(["contract", "platform"]);

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith(".ts") ? [path] : [];
  });
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
    for (const folder of folders) expect(statSafe(join(SRC, folder)) && readFileSync(join(SRC, folder, "README.md"), "utf8").length).toBeGreaterThan(0);
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

  it("keeps the chat object free of the user object, and the client free of the server", () => {
    const bad = all.flatMap(({ file, deps }) => {
      const from = folderOf(file);
      if (from === "chat") return deps.filter((d) => folderOf(d) === "user").map((d) => `${file} -> ${d}`);
      if (from === "client") return deps.filter((d) => folderOf(d) !== "client" && d !== "contract/protocol.ts").map((d) => `${file} -> ${d}`);
      if (from === "contract" || from === "platform") return deps.filter((d) => !PUBLIC_WHOLE.has(folderOf(d))).map((d) => `${file} -> ${d}`);
      return [];
    });
    expect(bad).toEqual([]);
  });
});
