// Accounts: who people are (D1: users, sessions, recovery codes, remembered devices, what
// each user's uploads take), passwords and tokens, recovery mail, account management, and
// the rate limiter object. The Worker and the user
// objects use it only through what this file exports.
export { answerAccountMode, type AccountAnswer, type AccountRequest } from "./account-modes";
export { checkPassword, eraseAccount, setPassword } from "./own-account";
export { purgeExpired } from "./purge";
export {
  device,
  liveSessions,
  revokeSession,
  revokeUserSession,
  sessionOf,
  touchSession,
  type Defer,
  type Device,
  type DeviceSessionRow,
  type Revocation,
  type Session,
} from "./sessions";
export { usersByName } from "./users";
export { sha256Hex } from "./crypto";
export { RateLimiter, limiter } from "./rate-limiter";
export { releaseUploads, reserveUpload, uploadStored } from "./uploads";
export { addReport, listReports, setSuspended, type NewReport } from "./moderation";
