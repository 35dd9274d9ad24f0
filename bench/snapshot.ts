// A still copy of the project for the run. `wrangler dev` watches its sources and reloads
// (closing every socket) when a file changes; the benchmark runs the Worker from a copy so
// edits made meanwhile in the work tree neither reload the server nor mix two versions
// into one set of figures. The copy holds every file git sees (tracked, or new and not
// ignored) and links node_modules.
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";

export interface Snapshot {
  dir: string;
  /** What was copied: a commit, or the work tree on top of one. */
  source: string;
  remove(): void;
}

const git = (...args: string[]) => execFileSync("git", args, { encoding: "utf8", maxBuffer: 64 * 2 ** 20 }).trim();

/** Copies the work tree (rev undefined) or a git revision into a temporary directory. */
export function snapshot(rev?: string): Snapshot {
  const dir = mkdtempSync(join(tmpdir(), "edge-chat-bench-src-"));
  let source: string;
  if (rev) {
    const commit = git("rev-parse", "--short", rev);
    execFileSync("tar", ["-x", "-C", dir], {
      input: execFileSync("git", ["archive", "--format=tar", commit], { maxBuffer: 256 * 2 ** 20 }),
    });
    source = `commit ${commit}`;
  } else {
    for (const f of git("ls-files", "--cached", "--others", "--exclude-standard", "-z").split("\0")) {
      if (!f || !existsSync(f)) continue;
      mkdirSync(join(dir, dirname(f)), { recursive: true });
      cpSync(f, join(dir, f));
    }
    const head = git("rev-parse", "--short", "HEAD");
    // The benchmark's own files and the docs it writes do not change the Worker.
    const dirty = git("status", "--porcelain", "--", ".", ":!bench", ":!docs").split("\n").filter(Boolean).length;
    source = dirty ? `work tree: commit ${head} + ${dirty} uncommitted change(s) outside bench/ and docs/` : `work tree: commit ${head}`;
  }
  symlinkSync(resolve("node_modules"), join(dir, "node_modules"), "dir");
  return { dir, source, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
