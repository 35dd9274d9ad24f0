// Accounts: who people are (D1: users, sessions, recovery codes), passwords and tokens,
// recovery mail, account management, and the rate limiter object. The Worker and the user
// objects use it only through what this file exports.
export { answerAccountMode, type AccountAnswer, type AccountRequest } from "./account-modes";
export {
  checkPassword,
  device,
  eraseAccount,
  liveSessions,
  revokeUserSession,
  setPassword,
  touchSession,
  type Device,
  type DeviceSessionRow,
} from "./account-management";
export { purgeExpired, revokeSession, sessionOf, usersByName, type Defer, type Revocation, type Session } from "./accounts";
export { sha256Hex } from "./crypto";
export { RateLimiter, limiter } from "./rate-limiter";
export { releaseUploads, reserveUpload, uploadStored } from "./uploads";
