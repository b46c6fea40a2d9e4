export { smsInfo, type SmsEncoding, type SmsInfo } from './sms-segments';
export { estimateSmsCost } from './sms-cost';
