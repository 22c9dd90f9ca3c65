#!/usr/bin/env node
// The detached daemon that `sync-daemon start` spawns: thin, the logic lives in src/supervisor/.
import { daemonMain } from '../dist/supervisor/daemon-main.js';

await daemonMain(process.argv.slice(2));
