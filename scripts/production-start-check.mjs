// `.ci/run`'s last step: after `npm ci --omit=dev` on the clean clone, `npm start` must start the built app with no
// development dependency. With no credentials it starts the setup flow; the check waits for its page, then stops it.
import { spawn } from 'node:child_process';

const port = process.env.PORT ?? '3917';
const child = spawn('npm', ['start'], {
  env: { ...process.env, PORT: port, APP_ID: '', PRIVATE_KEY: '', WEBHOOK_SECRET: '', NODE_ENV: 'development' },
  stdio: ['ignore', 'pipe', 'pipe'],
  detached: true,
});
let output = '';
child.stdout.on('data', (d) => (output += d));
child.stderr.on('data', (d) => (output += d));
const stop = () => {
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {}
};
const deadline = Date.now() + 120_000;
for (;;) {
  if (child.exitCode !== null) {
    console.error(`npm start exited with ${child.exitCode}:\n${output}`);
    process.exit(1);
  }
  try {
    const res = await fetch(`http://127.0.0.1:${port}/probot`);
    if (res.status === 200) {
      console.log(`npm start without dev dependencies: the setup page answers 200 on port ${port}`);
      stop();
      process.exit(0);
    }
  } catch {}
  if (Date.now() > deadline) {
    console.error(`npm start did not answer within 120 s:\n${output}`);
    stop();
    process.exit(1);
  }
  await new Promise((r) => setTimeout(r, 1000));
}
