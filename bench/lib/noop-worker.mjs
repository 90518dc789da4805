// Exec-pool worker for the pool-overhead figure: every task returns at once (plain JS over dist/).
import { workerData } from 'piscina';
import { defineWorker } from '../../dist/exec/worker-runtime.js';

export default defineWorker(workerData, async () => null);
