export {
  MAX_REASON_KEY_LENGTH,
  nearDuplicates,
  NEAR_DUPLICATE_THRESHOLD,
  normaliseReasonText,
  rankReasons,
  labelFromText,
  reasonKey,
  reasonSimilarity,
  sameReason,
  tidyReasonLabel,
  type ReasonCandidate,
  type ScoredReason,
} from './reason-text';
export {
  foldForMatching,
  matchReason,
  MATCH_MARGIN,
  MATCH_THRESHOLD,
  reasonsNamed,
  scoreReasons,
  wordSimilarity,
  type BookReason,
  type MatchedBy,
  type ReasonBook,
  type ReasonMatch,
  type ReasonScore,
} from './reason-matcher';
export type { Queryable } from './reason-db';
export { ReasonListError, type ReasonListErrorCode } from './reason-list.error';
export { loadReasonBook } from './reason-book';
export {
  addReasonAlias,
  addReasonLabel,
  createReason,
  listReasons,
  MAX_LABEL_LENGTH,
  mergeReasons,
  restoreReason,
  retireReason,
  type CreatedReason,
  type MergeResult,
  type ReasonListItem,
  type ReasonRef,
} from './reason-list';
export { acceptCandidate, dismissCandidate, listCandidates, mapCandidate, recordReasonText, type CandidateListItem, type RecordedReason } from './reason-candidates';
export { labelInLocale, nearDuplicatesInBook, suggestFromBook, suggestReasons, type ReasonSuggestion } from './reason-suggestions';
export { MAX_REASON_NOTE_LENGTH, setEpisodeReason, type EpisodeReasonInput, type EpisodeReasonOutcome } from './reason-episodes';
