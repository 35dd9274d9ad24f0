// The search index's schema steps, as text: both objects' schema.ts add them (and the
// script that writes a user object's final schema reads them in Node).

/** The schema step both objects add: body is the indexed text, the rest is only carried. */
export const SEARCH_SCHEMA = `CREATE VIRTUAL TABLE search USING fts5(body, chat_id UNINDEXED, seq UNINDEXED, ts UNINDEXED,
  tokenize = 'unicode61 remove_diacritics 2');`;

/**
 * The step that adds the mark, `newest` being the owner's SQL for its highest key now: an
 * object made before indexed every row as it stored it, so its mark starts there.
 */
export const searchMarkSchema = (newest: string) => `CREATE TABLE search_mark (upto INTEGER NOT NULL);
   INSERT INTO search_mark (upto) SELECT COALESCE((${newest}), 0);`;
