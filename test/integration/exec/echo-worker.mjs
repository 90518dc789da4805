// A generic test worker for the exec pool (plain JS; imports the compiled runtime from dist/).
import { workerData } from 'piscina';
import { defineWorker } from '../../../dist/exec/worker-runtime.js';

export default defineWorker(workerData, async (task, ctx) => {
  switch (task.op) {
    case 'echo':
      return { echo: task.value, taskId: ctx.taskId };
    case 'write-shared': {
      // write into the SharedArrayBuffer handed over once in workerData: the main thread sees it
      const view = workerData.shared;
      view[task.index] = task.value;
      return { wrote: task.index, isShared: view.buffer instanceof SharedArrayBuffer };
    }
    case 'ask': {
      const answers = [];
      for (let i = 0; i < task.count; i++) answers.push(await ctx.ask({ i }));
      ctx.notify({ done: true });
      return answers;
    }
    case 'throw':
      throw Object.assign(new Error('bad input row 3'), { code: 'INVALID_DATA', details: { row: 3 } });
    case 'throw-unclonable':
      // details that structured clone refuses (a function): the outcome must still get across
      throw Object.assign(new Error('bad input row 4'), { code: 'INVALID_DATA', details: { row: 4, retry: () => 1 } });
    case 'hang':
      for (;;) {}
    case 'oom': {
      const keep = [];
      for (;;) keep.push(new Array(1e6).fill(keep.length));
    }
    case 'rendezvous': {
      // both tasks must be running at the same time for either to pass the barrier
      const view = workerData.shared;
      Atomics.add(view, 15, 1);
      const deadline = Date.now() + 20_000;
      while (Atomics.load(view, 15) < task.parties) {
        if (Date.now() > deadline) throw Object.assign(new Error('no concurrent peer'), { code: 'TIMEOUT' });
        Atomics.wait(view, 15, Atomics.load(view, 15), 50);
      }
      Atomics.notify(view, 15);
      return { met: true };
    }
    case 'noop':
      return null;
    default:
      throw new Error(`unknown op ${task.op}`);
  }
});
