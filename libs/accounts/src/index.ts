export {
  authenticateStaff, clearAccountLock, createStaffAccount, DEFAULT_LOCKOUT, InvalidAccountError, normaliseEmail, type AccountLockState, type LockoutPolicy, type AccountProblem, type NewAccount, type StaffAccountView,
} from './accounts';
export { hashPassword, PASSWORD_MIN_LENGTH, passwordProblem, verifyPassword } from './passwords';
export { findStaffSession, openStaffSession, revokeStaffSession, SESSION_HOURS, type StaffSessionView } from './sessions';
