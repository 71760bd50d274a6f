import { sandboxBackendContract } from '../backend.contract.js';
import { startMacosSandbox } from './run-macos.js';

sandboxBackendContract('macOS (sandbox-exec + rlimits)', startMacosSandbox, {
  skip: process.platform !== 'darwin',
});
