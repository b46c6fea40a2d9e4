import { Foundation1763800000000 } from './1763800000000-foundation';
import { LapseDetection1763900000000 } from './1763900000000-lapse-detection';
import { StaffAccounts1764000000000 } from './1764000000000-staff-accounts';
import { Console1764100000000 } from './1764100000000-console';
import { ReportRollups1764200000000 } from './1764200000000-report-rollups';
import { MonthlyReportRollups1764300000000 } from './1764300000000-monthly-report-rollups';
import { Campaigns1764400000000 } from './1764400000000-campaigns';
import { CampaignFallbackReplies1764500000000 } from './1764500000000-campaign-fallback-replies';
import { Responses1764800000000 } from './1764800000000-responses';
import { CallList1764950000000 } from './1764950000000-call-list';
import { CampaignFanOutReceipts1764700000000 } from './1764700000000-campaign-fan-out-receipts';
import { MessageFallbackIndex1764600000000 } from './1764600000000-message-fallback-index';
import { Security1765000000000 } from './1765000000000-security';
import { ConsentHistoryTimeIndex1765100000000 } from './1765100000000-consent-history-time-index';

/** Every migration, oldest first. New migrations are appended here and committed. */
export const MIGRATIONS = [Foundation1763800000000, LapseDetection1763900000000, StaffAccounts1764000000000, Console1764100000000, ReportRollups1764200000000, MonthlyReportRollups1764300000000, Campaigns1764400000000, CampaignFallbackReplies1764500000000, MessageFallbackIndex1764600000000, CampaignFanOutReceipts1764700000000, Responses1764800000000, CallList1764950000000, Security1765000000000, ConsentHistoryTimeIndex1765100000000];
