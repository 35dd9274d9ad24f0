// Files: photos and other attachments in R2. The Worker routes POST /upload and
// GET /files/<file_id> here; the user object signs download links for getFileUrls.
// Nothing else here is for outside use.
export { handleDownload } from "./download";
export { signedPaths } from "./signing";
export { handleUpload } from "./upload";
