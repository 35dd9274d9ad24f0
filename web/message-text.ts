// A message's text as the thread shows it: the sender's name in their colour, and the
// text with its links (http, https, mailto only; a new tab that is told nothing).
import { h, nameHue } from "./dom";
import { linkPieces } from "./links";

/** A sender's name in a group, in the colour of their avatar. */
export function sender(name: string): HTMLElement {
  const el = h("span", { class: "sender" }, name);
  el.style.setProperty("--hue", String(nameHue(name)));
  return el;
}

/** The text as text nodes and links that open in a new tab and tell the other site nothing. */
export function withLinks(text: string): (string | HTMLElement)[] {
  return linkPieces(text).map((p) => (p.href ? h("a", { href: p.href, target: "_blank", rel: "noopener noreferrer" }, p.text) : p.text));
}
