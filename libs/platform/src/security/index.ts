export { SECURITY_HEADERS, securityHeaders, setSecurityHeaders } from './security-headers';
export { clientIp, hashedKey, RedisRateLimit, sendTooManyRequests, type RateLimitRule, type RateLimitVerdict } from './rate-limit';
