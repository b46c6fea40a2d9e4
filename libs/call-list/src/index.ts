export { CallListError, type CallListErrorCode } from './call-list.error';
export { CALL_CYCLE_SQL, generateCallList, type GeneratedCallList } from './call-list-generator';
export {
  assignCallTask,
  CALL_OUTCOMES,
  CALL_PAGE_SIZE,
  CALL_QUEUES,
  CALL_VIEWS,
  callListSummary,
  callTask,
  listCallTasks,
  recordCallOutcome,
  setCallListTopN,
  type CallListSummary,
  type CallOutcomeInput,
  type CallOutcomeKind,
  type CallOutcomeResult,
  type CallQueue,
  type CallTaskDetail,
  type CallTaskRow,
  type CallView,
} from './call-tasks';
