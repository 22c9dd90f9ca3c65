#!/usr/bin/env node
// The child process the supervisor forks for each enabled job: thin, the logic lives in src/runner/.
import { startRunnerProcess } from '../dist/fast/start-runner-process.js';

startRunnerProcess();
