// The file methods: uploads go over HTTP beside the socket (POST /upload), and getFileUrls'
// links come back absolute. ChatClient supplies the token, the API's URL and the fetch.
import type { Attachment, PayloadOf } from "../contract/protocol";
import { ClientError } from "./errors";
import { contentTypeFor, type FileData, type HttpFetch, type UploadOptions, upload } from "./files";
import { ChatMethods } from "./methods";
import type { FileMessageOptions, ParamsOf, RequestOptions } from "./types";

export abstract class FileMethods extends ChatMethods {
  abstract get token(): string | undefined;
  protected abstract readonly opts: { apiUrl: string; httpFetch: HttpFetch | undefined };

  /** Uploads a file into a chat (POST /upload), to send with sendFile or in a message's `attachment`. */
  uploadFile(chatId: string, data: FileData, options: UploadOptions = {}): Promise<Attachment> {
    const token = this.token;
    if (token === undefined) return Promise.reject(new ClientError(401, "unauthorized", "log in before uploading"));
    const url = new URL(`upload?chat_id=${encodeURIComponent(chatId)}`, new URL(".", this.opts.apiUrl)).toString();
    return upload(url, token, data, options, this.opts.httpFetch);
  }

  /**
   * Uploads a file and sends it: a png, jpeg, gif, webp or avif image as content_type
   * "image", anything else as "file", with `caption` as the content. `chatType` defaults
   * from the id (this service's group ids start with "g_").
   */
  async sendFile(chatId: string, data: FileData, options: FileMessageOptions = {}) {
    const file = await this.uploadFile(chatId, data, options);
    const params = {
      chat_id: chatId,
      content: options.caption ?? "",
      content_type: contentTypeFor(file),
      attachment: { file_id: file.file_id },
      ...(options.client_msg_id !== undefined && { client_msg_id: options.client_msg_id }),
    };
    const group = (options.chatType ?? (chatId.startsWith("g_") ? "group" : "direct")) === "group";
    const sent = group ? await this.sendGroupMessage(params) : await this.sendMessage(params);
    return { ...sent, file };
  }

  /** Download links for a chat's files, as absolute URLs that need no token, valid for an hour. */
  async getFileUrls(params: ParamsOf<"getFileUrls">, options?: RequestOptions): Promise<PayloadOf<"getFileUrls">> {
    const { urls } = await this.request("getFileUrls", params, options);
    return {
      urls: Object.fromEntries(Object.entries(urls).map(([id, path]) => [id, new URL(path, this.opts.apiUrl).toString()])),
    };
  }
}
