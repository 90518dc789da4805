// A test worker whose thread takes workerData.bootMs to become ready (as a trial thread loading
// its model modules does) before defineWorker lets tasks start.
import { workerData } from 'piscina';
import { defineWorker } from '../../../dist/exec/worker-runtime.js';

const ready = new Promise((resolve) => setTimeout(resolve, workerData.bootMs));

export default defineWorker(
  workerData,
  async (task) => {
    await ready; // what the task needs from the boot (the trial worker's model modules)
    const t0 = Date.now();
    while (Date.now() - t0 < task.workMs) {
      /* busy, as a fit is */
    }
    return { worked: task.workMs };
  },
  { ready },
);
