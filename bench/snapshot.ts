// A still copy of the Worker's source for the run. `wrangler dev` watches its sources and
// reloads (closing every socket) when a file changes; the benchmark runs from a copy so
// edits made meanwhile in the work tree neither reload the server nor mix two versions
// into one set of figures.
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const PATHS = ["wrangler.toml", "package.json", "src", "public", "migrations"];

export interface Snapshot {
  dir: string;
  /** What was copied: a commit, or the work tree on top of one. */
  source: string;
  remove(): void;
}

const git = (...args: string[]) => execFileSync("git", args, { encoding: "utf8" }).trim();

/** Copies the work tree (rev undefined) or a git revision into a temporary directory. */
export function snapshot(rev?: string): Snapshot {
  const dir = mkdtempSync(join(tmpdir(), "edge-chat-bench-src-"));
  let source: string;
  if (rev) {
    const commit = git("rev-parse", "--short", rev);
    const tar = execFileSync("git", ["archive", "--format=tar", commit, ...PATHS.filter((p) => git("ls-tree", commit, p) !== "")]);
    execFileSync("tar", ["-x", "-C", dir], { input: tar });
    source = `commit ${commit}`;
  } else {
    for (const p of PATHS) if (existsSync(p)) cpSync(p, join(dir, p), { recursive: true });
    const head = git("rev-parse", "--short", "HEAD");
    const dirty = git("status", "--porcelain", "--", ...PATHS).split("\n").filter(Boolean).length;
    source = dirty ? `work tree: commit ${head} + ${dirty} uncommitted change(s) in ${PATHS.join(", ")}` : `work tree: commit ${head}`;
  }
  mkdirSync(join(dir, "public"), { recursive: true });
  symlinkSync(resolve("node_modules"), join(dir, "node_modules"), "dir");
  return { dir, source, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
