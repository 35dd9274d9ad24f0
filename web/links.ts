// Links in a message's text: http, https and mailto only, found in plain text and handed
// back as text and link pieces that the view turns into text nodes and <a> elements. A
// message is never parsed as HTML, so nothing in it can become markup or a script.

export interface Piece {
  text: string;
  /** Set on a link: where it goes (an e-mail address gets mailto:). */
  href?: string;
}

// A URL runs to the next space; an e-mail address is the usual local@domain.tld.
const FOUND = /\bhttps?:\/\/[^\s<>"]+|[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}/gi;
/** Punctuation that ends a sentence rather than the link ("see https://x.dev/a."). */
const TRAILING = ".,;:!?'\")]}";
const count = (s: string, ch: string) => s.split(ch).length - 1;

export function linkPieces(text: string): Piece[] {
  const pieces: Piece[] = [];
  let at = 0;
  for (const match of text.matchAll(FOUND)) {
    let found = match[0];
    const start = match.index;
    // A closing bracket stays when it closes one of the link's own (Wikipedia's "Foo_(bar)").
    while (TRAILING.includes(found.at(-1)!) && !(found.endsWith(")") && count(found, "(") >= count(found, ")"))) found = found.slice(0, -1);
    const href = safeHref(found);
    if (!href) continue;
    if (start > at) pieces.push({ text: text.slice(at, start) });
    pieces.push({ text: found, href });
    at = start + found.length;
  }
  if (at < text.length || pieces.length === 0) pieces.push({ text: text.slice(at) });
  return pieces;
}

function safeHref(found: string): string | null {
  const candidate = /^https?:\/\//i.test(found) ? found : `mailto:${found}`;
  try {
    const url = new URL(candidate);
    return url.protocol === "http:" || url.protocol === "https:" || url.protocol === "mailto:" ? url.href : null;
  } catch {
    return null;
  }
}
