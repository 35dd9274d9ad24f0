// How big a page answer may get. Pages are bounded by count (`limit`) and by bytes: 100
// messages of 4,000 characters are over a megabyte of JSON, so a page of messages, of a
// large group's updates, of a user's log (sync) or of chats ends sooner, with `has_more`, once it reaches
// PAGE_BYTES (the frame stays under 1 MB).
export const PAGE_BYTES = 1_000_000 - 4_096;

const utf8 = new TextEncoder();

/** An item's size in a page: its JSON in UTF-8, and a comma. */
export const itemBytes = (item: unknown) => utf8.encode(JSON.stringify(item)).byteLength + 1;

/** How many of `items`, from the first, fit in `budget` bytes of JSON: at least one, so paging always moves on. */
export function fitting(items: readonly unknown[], budget = PAGE_BYTES): number {
  let bytes = 0;
  for (let i = 0; i < items.length; i++) {
    bytes += itemBytes(items[i]);
    if (i > 0 && bytes > budget) return i;
  }
  return items.length;
}
