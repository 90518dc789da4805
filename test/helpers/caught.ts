import { isTrainSpamError, type TrainSpamError } from '../../src/core/errors.js';

/** The TrainSpamError a promise rejects with; any other rejection, or none, fails the test. */
export async function caught(p: Promise<unknown>): Promise<TrainSpamError> {
  try {
    await p;
  } catch (e) {
    if (isTrainSpamError(e)) return e;
    throw e;
  }
  throw new Error('expected a rejection with a TrainSpamError');
}

/** The TrainSpamError a function throws; any other error, or none, fails the test. */
export function thrown(f: () => unknown): TrainSpamError {
  try {
    f();
  } catch (e) {
    if (isTrainSpamError(e)) return e;
    throw e;
  }
  throw new Error('expected a TrainSpamError to be thrown');
}
