export {
  nearDuplicates,
  NEAR_DUPLICATE_THRESHOLD,
  normaliseReasonText,
  rankReasons,
  reasonSimilarity,
  sameReason,
  tidyReasonLabel,
  type ReasonCandidate,
  type ScoredReason,
} from './reason-text';
