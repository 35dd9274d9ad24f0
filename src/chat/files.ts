// The files RPCs (the Worker's POST /upload and GET /files; getFileUrls): who may upload into
// the chat and read its files. The chat object hands each here inside its `catching`; the
// files themselves are uploads.ts's.
import { fileNotFound } from "../contract/errors";
import type { NewUpload } from "../contract/objects";
import type { MessageHost } from "./message-ops";

type FileHost = Pick<MessageHost, "meta" | "members" | "uploads" | "requireMember">;

/** May this user upload into this chat? Asked before the Worker reads the body. */
export function mayUpload(h: FileHost, userId: string): null {
  h.requireMember(userId);
  return null;
}

/** The Worker has the bytes in R2: the file is the chat's from now on, unattached. */
export function addUpload(h: FileHost, userId: string, file: NewUpload): null {
  h.requireMember(userId);
  h.uploads.add(userId, file);
  return null;
}

/** May this user read this file? The same file_not_found for a non-member and for a file not here. */
export function mayRead(h: FileHost, userId: string, fileId: string): null {
  const m = h.meta?.type ? h.members.current(userId) : undefined;
  if (!m || !h.uploads.readable(fileId, userId)) throw fileNotFound();
  return null;
}

/** Which of these files a member may have download links for. */
export function readableFiles(h: FileHost, userId: string, fileIds: string[]): string[] {
  h.requireMember(userId);
  return h.uploads.live(fileIds, userId);
}
