#!/usr/bin/env node
// The detached daemon that `sync-daemon start` spawns: thin, the logic lives in src/cli/daemon-main.ts and src/supervisor/.
import { daemonMain } from '../dist/fast/daemon-main.js';

await daemonMain(process.argv.slice(2));
