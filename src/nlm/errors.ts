/** Stable codes of the lock manager's errors. */
export type NlmErrorCode =
  | 'ERR_NLM_STATD' // the local status monitor refused or did not answer
  | 'ERR_NLM_UNAVAILABLE' // no lock manager registered on the server
  | 'ERR_NLM_DENIED' // a lock request answered with a refusal
  | 'ERR_NLM_ARGS' // a bad file name, range or option
  | 'ERR_NLM_CLOSED'; // the client or server was closed

/** An error of the lock manager or its client; `code` is stable, the message is for people. */
export class NlmError extends Error {
  override readonly name = 'NlmError';
  constructor(
    readonly code: NlmErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
