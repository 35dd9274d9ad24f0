// What tells people apart at a glance: a colour and two characters picked from the name,
// the same on every screen (avatars, and sender names in a group).

/** A hue picked from a name, the same on every screen: its avatar's, and its colour as a sender. */
export function nameHue(name: string): number {
  let hash = 0;
  for (const ch of name) hash = (hash * 31 + ch.codePointAt(0)!) >>> 0;
  return hash % 360;
}

/**
 * Two characters that tell names apart: the first letters of two words ("ann_lee": AL), a
 * name's first letter and its number ("pal12": P12, so pal1 to pal19 differ), or its first
 * two letters.
 */
export function initials(name: string): string {
  const words = name.split(/[^\p{L}\p{N}]+/u).filter(Boolean);
  const first = words[0] ?? "";
  if (words.length > 1) return `${[...first][0]}${[...words[1]!][0]}`.toUpperCase();
  const number = first.match(/^\p{L}.*?(\p{N}{1,2})$/u)?.[1];
  if (number) return `${[...first][0]}${number}`.toUpperCase();
  return [...first].slice(0, 2).join("").toUpperCase() || "?";
}
