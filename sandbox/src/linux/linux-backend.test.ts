import { sandboxBackendContract } from '../backend.contract.js';
import { startLinuxSandbox } from './run-linux.js';

sandboxBackendContract('linux (bwrap + seccomp + cgroups)', startLinuxSandbox, {
  skip: process.platform !== 'linux',
});
