// The most bytes of items one page carries, for every paged answer of the user object
// (getChats, sync): with its envelope the frame stays under 1 MB. A page ends early under
// it, with has_more, and always holds at least one item so paging moves on.
export const PAGE_BYTES = 1_000_000 - 4_096;

const utf8 = new TextEncoder();

/** An item's size in the answer: its JSON in UTF-8, and a comma. */
export const itemBytes = (item: unknown) => utf8.encode(JSON.stringify(item)).byteLength + 1;
