// Photos and files in the open chat: the "Attach file" button, drag and drop, pasting an
// image, the uploads on their way (progress, cancel, why one failed, retry), and how a
// message's attachment looks: an image inline at its own aspect ratio (its width and height
// are known before it loads, so nothing jumps) that opens large on click, any other file
// as a chip with its name, size and a download link. Links are signed by the server for an
// hour; they are asked for in one request per chat and reused while they last.
import { isImageType, type Attachment, type Chat, type ChatClient, type Message } from "edge-chat/client";
import { h, icon, syncChildren } from "./dom";
import { describe } from "./forms";

/** Ask again for links this long before they expire. */
const LINK_MARGIN_MS = 5 * 60_000;
const LINK_LIFE_MS = 3600_000;
/** The largest an inline image is drawn. */
const MAX_W = 320;
const MAX_H = 360;

interface Upload {
  id: number;
  chat: Chat;
  file: File;
  sent: number;
  controller: AbortController;
  error: string | null;
}

export class Attachments {
  /** Signed links by file id ("" for a file that is gone). */
  private links = new Map<string, { url: string; until: number }>();
  private uploads: Upload[] = [];
  private nextId = 0;
  /**
   * Where the uploads of the open chat are listed (above the composer). Not a live region:
   * a failure is said by the app's one live region (`announce`).
   */
  readonly tray = h("div", { class: "uploads" });
  private viewer: HTMLDialogElement | null = null;

  constructor(
    private readonly client: ChatClient,
    private readonly host: {
      openChat(): Chat | undefined;
      /** A message this side sent: the same path as a pushed one. */
      sent(m: Message): void;
      /** Links arrived for messages on screen. */
      linksReady(): void;
      /** Says something in the app's live region. */
      announce(text: string): void;
      /** Where the keyboard goes when the upload it was on is gone. */
      fallbackFocus(): HTMLElement | null;
    },
  ) {}

  // ---- Attaching ----

  /** The "Attach file" button with its hidden file input. */
  button(): HTMLElement {
    const input = h("input", { type: "file", multiple: true, class: "sr-only", tabindex: "-1", "aria-hidden": "true" });
    input.addEventListener("change", () => {
      this.add([...(input.files ?? [])]);
      input.value = "";
    });
    const button = h(
      "button",
      {
        type: "button",
        class: "btn-icon btn-attach",
        "aria-label": "Attach file",
        title: "Attach file",
        on: { click: () => input.click() },
      },
      icon("attach"),
    );
    return h("span", { class: "attach" }, button, input);
  }

  /** Files dropped on the chat, and images pasted into the composer, are sent like attached ones. */
  listen(chatEl: HTMLElement, composer: HTMLTextAreaElement): void {
    const hasFiles = (e: DragEvent) => [...(e.dataTransfer?.types ?? [])].includes("Files");
    chatEl.addEventListener("dragover", (e) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      chatEl.classList.add("dropping");
    });
    chatEl.addEventListener("dragleave", (e) => {
      if (!chatEl.contains(e.relatedTarget as Node | null)) chatEl.classList.remove("dropping");
    });
    chatEl.addEventListener("drop", (e) => {
      chatEl.classList.remove("dropping");
      if (!hasFiles(e)) return;
      e.preventDefault();
      this.add([...(e.dataTransfer?.files ?? [])]);
    });
    composer.addEventListener("paste", (e) => {
      const images = [...(e.clipboardData?.files ?? [])].filter((f) => f.type.startsWith("image/"));
      if (!images.length) return;
      e.preventDefault();
      this.add(
        images.map((f, i) =>
          f.name && f.name !== "image.png"
            ? f
            : new File([f], `pasted-${Date.now()}${i ? `-${i}` : ""}.${f.type.split("/")[1] ?? "png"}`, {
                type: f.type,
              }),
        ),
      );
    });
  }

  private add(files: File[]): void {
    const chat = this.host.openChat();
    if (!chat) return;
    for (const file of files) this.start({ id: ++this.nextId, chat, file, sent: 0, controller: new AbortController(), error: null });
  }

  private start(u: Upload): void {
    this.uploads.push(u);
    this.renderTray();
    this.client
      .sendFile(u.chat.chat_id, u.file, {
        name: u.file.name,
        type: u.file.type || "application/octet-stream",
        chatType: u.chat.type,
        signal: u.controller.signal,
        onProgress: (sent) => {
          u.sent = sent;
          this.renderProgress(u);
        },
      })
      .then(
        ({ message }) => {
          this.drop(u);
          this.host.sent(message);
        },
        (err: unknown) => {
          if (u.controller.signal.aborted) return this.drop(u);
          u.error = describe(err);
          this.host.announce(`${u.file.name} not sent: ${u.error}`);
          this.renderTray();
        },
      );
  }

  private drop(u: Upload): void {
    this.uploads = this.uploads.filter((x) => x !== u);
    this.renderTray();
  }

  /** The open chat's uploads: each with its progress and Cancel, or why it failed with Retry. */
  renderTray(): void {
    const open = this.host.openChat()?.chat_id;
    const mine = this.uploads.filter((u) => u.chat.chat_id === open);
    syncChildren(
      this.tray,
      mine.map((u) => ({
        key: String(u.id),
        version: u.error ?? "",
        render: () =>
          h(
            "div",
            { class: `upload${u.error ? " upload-failed" : ""}`, "data-upload": u.id, tabindex: "-1" },
            h("span", { class: "upload-name" }, u.file.name),
            h("span", { class: "upload-size" }, size(u.file.size)),
            u.error
              ? h("p", { class: "upload-error" }, `Not sent: ${u.error}`)
              : h("progress", { max: u.file.size || 1, value: u.sent, "aria-label": `Uploading ${u.file.name}` }),
            u.error
              ? h(
                  "span",
                  { class: "upload-actions" },
                  h(
                    "button",
                    {
                      type: "button",
                      class: "btn-link btn-xs",
                      "aria-label": `Retry sending ${u.file.name}`,
                      // Where the keyboard goes from Cancel when the upload fails.
                      "data-control": "upload-action",
                      on: {
                        click: () => {
                          this.drop(u);
                          this.start({ ...u, sent: 0, error: null, controller: new AbortController() });
                        },
                      },
                    },
                    "Retry",
                  ),
                  h(
                    "button",
                    {
                      type: "button",
                      class: "btn-link btn-xs danger",
                      "aria-label": `Dismiss ${u.file.name}`,
                      on: { click: () => this.drop(u) },
                    },
                    "Dismiss",
                  ),
                )
              : h(
                  "button",
                  {
                    type: "button",
                    class: "btn-link btn-xs danger",
                    "aria-label": `Cancel uploading ${u.file.name}`,
                    "data-control": "upload-action",
                    on: { click: () => u.controller.abort() },
                  },
                  "Cancel",
                ),
          ),
      })),
      () => this.host.fallbackFocus(),
    );
  }

  private renderProgress(u: Upload): void {
    const bar = this.tray.querySelector<HTMLProgressElement>(`[data-upload="${u.id}"] progress`);
    if (bar) bar.value = u.sent;
  }

  // ---- Showing ----

  /**
   * What of a message's attachment can change on screen: its link, once it is known (and
   * asked for, if it is not, even when the message is not drawn again).
   */
  linkOf(m: Message): string {
    return m.attachment && !m.deleted ? (this.link(m.chat_id, m.attachment.file_id) ?? "") : "";
  }

  /** A message's attachment as it appears in the bubble (with `id`, for what it describes). */
  view(m: Message, id?: string): HTMLElement | null {
    const a = m.attachment;
    if (!a || m.deleted) return null;
    const url = this.link(m.chat_id, a.file_id);
    if (m.content_type === "image" && isImageType(a.mime) && a.width && a.height) {
      const img = h("img", {
        class: "att-img",
        width: a.width,
        height: a.height,
        alt: a.name,
        src: url ?? false,
        decoding: "async",
      });
      // Its final box from the start, link or not (styles.css .att-img): at most 320 wide and 360 high.
      img.style.setProperty("--w", `${Math.round(Math.min(MAX_W, a.width, (MAX_H * a.width) / a.height))}px`);
      img.style.setProperty("--ratio", `${a.width} / ${a.height}`);
      return h(
        "button",
        {
          type: "button",
          class: "att-image",
          id,
          "aria-label": `Open image ${a.name}`,
          on: { click: () => url && this.open(a, url) },
        },
        img,
      );
    }
    // Named by its text ("Download agenda.txt 19 B"), so the name holds what is seen.
    return h(
      "a",
      { class: "att-file", id, href: url ?? false, download: a.name },
      icon("file"),
      h("span", { class: "att-file-name" }, h("span", { class: "sr-only" }, "Download "), a.name),
      h("span", { class: "att-file-size" }, size(a.size)),
    );
  }

  /** The signed link of a file, or null while it is being asked for (then linksReady). */
  private link(chatId: string, fileId: string): string | null {
    const known = this.links.get(fileId);
    if (known && known.until - LINK_MARGIN_MS > Date.now()) return known.url || null;
    let ids = this.wanted.get(chatId);
    if (!ids) {
      ids = new Set();
      this.wanted.set(chatId, ids);
      // Everything rendered in this turn goes in one request.
      queueMicrotask(() => void this.fetchLinks(chatId));
    }
    ids.add(fileId);
    return known?.url || null;
  }

  private wanted = new Map<string, Set<string>>();

  private async fetchLinks(chatId: string): Promise<void> {
    const wanted = this.wanted.get(chatId);
    if (!wanted) return;
    const ids = [...wanted].slice(0, 100);
    try {
      const { urls } = await this.client.getFileUrls({ chat_id: chatId, file_ids: ids });
      const until = Date.now() + LINK_LIFE_MS;
      // A file left out is gone (its message was deleted): remembered as such, not asked for again.
      for (const id of ids) this.links.set(id, { url: urls[id] ?? "", until });
    } catch {
      // Offline or refused: the next render asks again.
      this.wanted.delete(chatId);
      return;
    }
    // Files wanted while this request was out (or past its 100) go in the next one.
    for (const id of ids) wanted.delete(id);
    if (wanted.size) void this.fetchLinks(chatId);
    else this.wanted.delete(chatId);
    this.host.linksReady();
  }

  private open(a: Attachment, url: string): void {
    this.viewer?.remove();
    const close = h("button", { type: "button", class: "btn btn-ghost btn-sm", on: { click: () => this.viewer?.close() } }, "Close");
    const viewer = h(
      "dialog",
      { class: "viewer", "aria-label": a.name },
      h("img", { src: url, alt: a.name, width: a.width ?? false, height: a.height ?? false }),
      h(
        "div",
        { class: "viewer-bar" },
        h("span", { class: "viewer-name" }, a.name),
        h("a", { class: "btn btn-primary btn-sm", href: url, download: a.name }, "Download"),
        close,
      ),
    );
    viewer.addEventListener("close", () => viewer.remove());
    viewer.addEventListener("click", (e) => e.target === viewer && viewer.close());
    document.body.append(viewer);
    this.viewer = viewer;
    viewer.showModal();
    close.focus();
  }
}

export function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(bytes < 10 * 1024 ? 1 : 0)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
