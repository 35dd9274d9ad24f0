// What the search index stores and how a query becomes an FTS5 expression, in plain
// TypeScript (tested beside it in Node). The index's tokenizer is `unicode61
// remove_diacritics 2`: it folds case and accents, and splits on everything that is not a
// letter or a digit. Scripts written without spaces (Chinese, Japanese, Thai…) would be one
// token per run of text, so each of their characters is stored as a token of its own and a
// query's run of them is a phrase of consecutive characters: `京都` finds `東京都庁`.
//
// A query is never FTS5 syntax: each of its words goes in double quotes (a quote inside
// doubled), so `"`, `*`, `NEAR(`, `-` and `^` are only characters to look for.

/** Characters of scripts written without spaces: each is one token in the index. */
const SCRIPTS = "\\p{scx=Han}\\p{scx=Hiragana}\\p{scx=Katakana}\\p{scx=Thai}\\p{scx=Lao}\\p{scx=Khmer}\\p{scx=Myanmar}\\p{scx=Bopomofo}";
const UNSPACED = new RegExp(`[${SCRIPTS}]`, "gu");
const UNSPACED_ONE = new RegExp(`[${SCRIPTS}]`, "u");
/** A word's runs of unspaced script (group 1) and of the rest (group 2). */
const RUNS = new RegExp(`([${SCRIPTS}]+)|([^${SCRIPTS}]+)`, "gu");
const WORDY = /[\p{L}\p{N}]/u;

/** The text the index stores for a message's content. */
export function indexText(content: string): string {
  return content.replace(UNSPACED, " $& ");
}

/** A query as an FTS5 expression (every word, any order; the last word also as a prefix), or null: nothing to look for. */
export function matchExpression(query: string): string | null {
  const words = query.split(/\s+/).filter((w) => WORDY.test(w));
  if (!words.length) return null;
  return words
    .map((w, i) => {
      const quoted = `"${indexText(w).replaceAll('"', '""')}"`;
      // The last word may be half typed; a run of unspaced script is matched as it stands.
      return i === words.length - 1 && !UNSPACED_ONE.test(w.at(-1) ?? "") ? `${quoted}*` : quoted;
    })
    .join(" ");
}

/** A snippet is at most this many characters (code points), « and » and … included. */
export const SNIPPET_MAX = 200;
/** How much text a snippet shows before its first match when the message is longer than a snippet. */
const LEAD = 40;

/** Case- and accent-folded, as the index sees it. */
function fold(s: string): string {
  return s.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase();
}

interface Term {
  text: string;
  /** Matches wherever it occurs (unspaced script), else only at the start of a word. */
  anywhere: boolean;
  /** May end inside a word (the query's last word). */
  prefix: boolean;
}

function terms(query: string): Term[] {
  const words = query.split(/\s+/).filter((w) => WORDY.test(w));
  const out: Term[] = [];
  words.forEach((w, i) => {
    const last = i === words.length - 1;
    for (const part of fold(w).split(/[^\p{L}\p{N}]+/u)) {
      if (!part) continue;
      // A word mixing scripts: its unspaced runs match anywhere, the rest as words.
      for (const m of part.matchAll(RUNS))
        out.push(m[1] ? { text: m[1], anywhere: true, prefix: false } : { text: m[2]!, anywhere: false, prefix: last });
    }
  });
  return out;
}

/**
 * The message's content with each match of the query wrapped in « and », cut to at most
 * SNIPPET_MAX characters around the first match (… marks a cut).
 */
export function snippet(content: string, query: string): string {
  const chars = [...content];
  // The folded text, and for each of its code points the character of the content it came from.
  let folded = "";
  const from: number[] = [];
  chars.forEach((c, i) => {
    for (const f of fold(c)) {
      folded += f;
      from.push(i);
    }
  });
  const foldedChars = [...folded];
  const marked = new Array<boolean>(chars.length).fill(false);
  const isWordChar = (i: number) => i >= 0 && i < foldedChars.length && /[\p{L}\p{N}]/u.test(foldedChars[i]!);
  for (const t of terms(query)) {
    const needle = [...t.text];
    for (let i = 0; i + needle.length <= foldedChars.length; i++) {
      if (!needle.every((c, k) => foldedChars[i + k] === c)) continue;
      if (!t.anywhere && (isWordChar(i - 1) || (!t.prefix && isWordChar(i + needle.length)))) continue;
      for (let k = 0; k < needle.length; k++) marked[from[i + k]!] = true;
    }
  }
  const first = marked.indexOf(true);
  const total = chars.length + runs(marked, 0, chars.length) * 2;
  let start = total <= SNIPPET_MAX || first <= LEAD ? 0 : first - LEAD;
  // Start at a word's beginning where one is near.
  if (start > 0) {
    const space = chars.slice(start, first).findIndex((c) => /\s/u.test(c));
    if (space >= 0) start += space + 1;
  }
  let out = start > 0 ? "…" : "";
  let used = [...out].length;
  let i = start;
  for (; i < chars.length; i++) {
    const opens = marked[i] && !marked[i - 1];
    const closes = marked[i] && !marked[i + 1];
    // Room for this character, its marks, and a closing … if more follows.
    const need = 1 + (opens ? 1 : 0) + (marked[i] ? 1 : 0) + (i + 1 < chars.length ? 1 : 0);
    if (used + need > SNIPPET_MAX) break;
    out += (opens ? "«" : "") + chars[i] + (closes ? "»" : "");
    used += 1 + (opens ? 1 : 0) + (closes ? 1 : 0);
  }
  if (i < chars.length) {
    // Cut inside a match: close it.
    if (i > start && marked[i - 1] && marked[i]) out += "»";
    out += "…";
  }
  return out;
}

function runs(marked: boolean[], from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) if (marked[i] && !marked[i - 1]) n++;
  return n;
}
