// Mentions in a message's text, without the DOM (mention-text.test.ts): the "@name" being
// typed at the caret, the names a text mentions, and where a large group's member page
// starts for a prefix.

/** Usernames a send or edit may mention (the contract's MAX_MENTIONS). */
const MOST = 50;

/** The name typed after an "@" that starts a word and ends at the caret ("" right after the "@"), else null. */
export function mentionAt(text: string, caret: number): string | null {
  return /(?:^|[^\w@])@([\w.-]{0,32})$/.exec(text.slice(0, caret))?.[1] ?? null;
}

/**
 * Every "@name" in the text (not an e-mail address's "@"). A name that ends a sentence
 * ("@ann.") is sent without the stop too: the server keeps only the members among them.
 */
export function mentionsIn(text: string): string[] {
  const names = new Set<string>();
  for (const [, name = ""] of text.matchAll(/(?:^|[^\w@])@([\w.-]{3,32})/g)) {
    names.add(name);
    const bare = name.replace(/[.-]+$/, "");
    if (bare.length >= 3) names.add(bare);
  }
  return [...names].slice(0, MOST);
}

/**
 * getMembers' `after` that starts its page at the first name beginning with `prefix`:
 * members are ordered by lower-cased name, and no name's character sorts after "~".
 */
export function pageAfter(prefix: string): string | undefined {
  const p = prefix.toLowerCase();
  if (!p) return undefined;
  return `${p.slice(0, -1)}${String.fromCharCode(p.charCodeAt(p.length - 1) - 1)}~`;
}
