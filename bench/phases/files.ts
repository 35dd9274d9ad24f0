// 7. A file up and down.
import { type LocalServer, startLocalServer } from "../../scripts/local-server";
import { api, ok } from "../client";
import type { U } from "../common";
import { COUNTS, FILE_BYTES } from "../options";
import { progress } from "../progress";
import { round } from "../stats";
import type { Files } from "../types";

/** MiB/s of `bytes` moved in `ms`. */
export const mibps = (bytes: number, ms: number) => bytes / 2 ** 20 / (ms / 1000);
export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Times a request until its whole answer has been read; throws unless it is `status`. */
export async function timed(url: string, init: RequestInit, status: number): Promise<{ ms: number; body: ArrayBuffer }> {
  const t = performance.now();
  const res = await fetch(url, init);
  const body = await res.arrayBuffer();
  const ms = performance.now() - t;
  if (res.status !== status)
    throw new Error(`${init.method ?? "GET"} ${url.replace(/\?.*/, "")}: ${res.status} ${Buffer.from(body).toString().slice(0, 200)}`);
  return { ms, body };
}

/**
 * The chat's POST /upload and signed GET /files against the echo Worker's bare R2 put and
 * get of the same bytes, round by round in turn, so both see the machine in the same state.
 */
export async function files(srv: LocalServer, users: U[]): Promise<Files> {
  progress("files: starting the echo Worker (the R2 floor)");
  const echo = await startLocalServer({ config: "bench/echo/wrangler.toml" });
  try {
    const [a, b] = users as [U, U];
    const chat = ok({ frame: await api(srv.url, { mode: "createChat", username: b.username, token: a.token }), at: 0 }, "createChat")
      .chat as {
      chat_id: string;
    };
    const bytes = new Uint8Array(FILE_BYTES).map((_, i) => (i * 2654435761) >>> 24);
    const up: number[] = [];
    const down: number[] = [];
    const floorUp: number[] = [];
    const floorDown: number[] = [];
    for (let i = -1; i < COUNTS.fileRounds; i++) {
      progress(`files: ${i < 0 ? "warm-up" : `round ${i + 1}/${COUNTS.fileRounds}`}: 10 MiB up and down, chat and floor`);
      // Who goes first alternates, so neither always meets the other's leftovers (a fresh object, a busy disk).
      const both = async <T>(first: () => Promise<T>, second: () => Promise<T>): Promise<[T, T]> => {
        if (i % 2 === 0) return [await first(), await second()];
        const b2 = await second();
        return [await first(), b2];
      };
      const [floorPut, upload] = await both(
        () => timed(`${echo.url}/r2/f${i}`, { method: "PUT", body: bytes }, 201),
        () =>
          timed(
            `${srv.url}/upload?chat_id=${chat.chat_id}`,
            {
              method: "POST",
              body: bytes,
              headers: {
                Authorization: `Bearer ${a.token}`,
                "Content-Type": "application/octet-stream",
                "X-File-Name": `bench-${i}.bin`,
              },
            },
            201,
          ),
      );
      const fileId = (JSON.parse(Buffer.from(upload.body).toString()) as { file_id: string }).file_id;
      const link = (
        ok(
          {
            frame: await api(srv.url, {
              mode: "getFileUrls",
              chat_id: chat.chat_id,
              file_ids: [fileId],
              // Not sent in a message, the file is its uploader's alone (the peer gets no link).
              token: a.token,
            }),
            at: 0,
          },
          "getFileUrls",
        ).urls as Record<string, string>
      )[fileId]!;
      const [floorGet, download] = await both(
        () => timed(`${echo.url}/r2/f${i}`, {}, 200),
        () => timed(`${srv.url}${link}`, {}, 200),
      );
      if (download.body.byteLength !== FILE_BYTES || floorGet.body.byteLength !== FILE_BYTES) throw new Error("a download came back short");
      if (i < 0) continue;
      floorUp.push(mibps(FILE_BYTES, floorPut.ms));
      up.push(mibps(FILE_BYTES, upload.ms));
      floorDown.push(mibps(FILE_BYTES, floorGet.ms));
      down.push(mibps(FILE_BYTES, download.ms));
    }
    return {
      bytes: FILE_BYTES,
      rounds: COUNTS.fileRounds,
      uploadMiBps: round(median(up), 1),
      downloadMiBps: round(median(down), 1),
      floorUploadMiBps: round(median(floorUp), 1),
      floorDownloadMiBps: round(median(floorDown), 1),
    };
  } finally {
    await echo.stop();
  }
}
