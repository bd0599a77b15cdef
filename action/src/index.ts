import * as core from '@actions/core';
import { run } from './run.js';

// The only module that knows @actions/core: it adapts it to the port `run` takes.
await run({
  input: (name) => core.getInput(name),
  setOutput: (name, value) => {
    core.setOutput(name, value);
  },
  appendSummary: async (markdown) => {
    await core.summary.addRaw(markdown, true).write();
  },
  info: (message) => {
    core.info(message);
  },
  warning: (message, title) => {
    core.warning(message, title ? { title } : {});
  },
  error: (message, title) => {
    core.error(message, title ? { title } : {});
  },
  setFailed: (message) => {
    core.setFailed(message);
  },
  env: process.env,
  now: () => new Date(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
});
