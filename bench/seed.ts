// Accounts the scale and push phases need by the ten thousand: written straight into the
// local D1 file before `wrangler dev` starts (`wrangler d1 execute --local --file`), never
// through a route the deployed Worker has. Each gets a user row (a password hash nobody
// logs in with: these accounts only ever use their token) and one session whose token the
// benchmark keeps; registering them with `register` would cost a PBKDF2 each.
import { createHash, generateKeyPairSync, randomBytes, randomUUID } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { U } from "./common";

/** Seeded names: `s` and six digits, apart from the registered `u00000…`. */
export const seededName = (i: number) => `s${String(i).padStart(6, "0")}`;

/** Rows a statement inserts: D1 takes long files, but a statement of at most 100 KB. */
const ROWS_PER_INSERT = 200;

/** Writes the SQL for `n` accounts with a session each into `dir`; the accounts, with their tokens. */
export function seedAccounts(dir: string, n: number): { file: string; users: U[] } {
  const now = Date.now();
  const expires = now + 30 * 24 * 3600_000;
  const hash = `pbkdf2-sha256$100000$${randomBytes(16).toString("base64")}$${randomBytes(32).toString("base64")}`;
  const users: U[] = [];
  const userRows: string[] = [];
  const sessionRows: string[] = [];
  for (let i = 0; i < n; i++) {
    const username = seededName(i);
    const id = randomUUID();
    const token = randomBytes(32).toString("base64url");
    users.push({ username, token });
    userRows.push(`('${id}','${username}','${username}','${username}@seed.test','${username}@seed.test','${hash}',${now})`);
    const tokenHash = createHash("sha256").update(token).digest("hex");
    sessionRows.push(`('${randomUUID()}','${id}','${tokenHash}',${now},${expires},${now})`);
  }
  const out: string[] = [];
  for (let i = 0; i < n; i += ROWS_PER_INSERT) {
    out.push(
      `INSERT INTO users (id, username, username_key, email, email_key, password_hash, created_at) VALUES ${userRows.slice(i, i + ROWS_PER_INSERT).join(",")};`,
    );
    out.push(
      `INSERT INTO sessions (id, user_id, token_hash, created_at, expires_at, last_seen_at) VALUES ${sessionRows.slice(i, i + ROWS_PER_INSERT).join(",")};`,
    );
  }
  const file = join(dir, "seed-accounts.sql");
  writeFileSync(file, `${out.join("\n")}\n`);
  return { file, users };
}

/** A fresh VAPID pair for the run's server, in the form the deploy's secrets take (as scripts/dev-vars.mjs makes it). */
export function vapidPair(): { VAPID_PUBLIC_KEY: string; VAPID_PRIVATE_KEY: string } {
  const jwk = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ format: "jwk" });
  const point = Buffer.concat([Buffer.from([4]), Buffer.from(jwk.x!, "base64url"), Buffer.from(jwk.y!, "base64url")]);
  return { VAPID_PUBLIC_KEY: point.toString("base64url"), VAPID_PRIVATE_KEY: jwk.d! };
}
