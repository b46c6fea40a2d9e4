export { authenticateStaff, createStaffAccount, InvalidAccountError, normaliseEmail, type AccountProblem, type NewAccount, type StaffAccountView } from './accounts';
export { hashPassword, PASSWORD_MIN_LENGTH, passwordProblem, verifyPassword } from './passwords';
export { findStaffSession, openStaffSession, revokeStaffSession, SESSION_HOURS, type StaffSessionView } from './sessions';
