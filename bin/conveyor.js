#!/usr/bin/env node
// The installed `conveyor` command: runs the TypeScript CLI through tsx, as `npm start` does.
require("tsx/cjs");
require("../cli/conveyor.ts").main();
