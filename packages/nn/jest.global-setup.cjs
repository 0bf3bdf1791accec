// Probes Dawn once, in a child process (Dawn holds the event loop), and hands the answer to the
// test workers through the environment: SGDIFF_WEBGPU_ADAPTER is the adapter name, or empty.
const { execFileSync } = require('node:child_process');

module.exports = async function globalSetup() {
  if (process.env.SGDIFF_WEBGPU_ADAPTER !== undefined) return;
  const script = `
    const { create, globals } = await import('webgpu');
    Object.assign(globalThis, globals);
    const a = await create([]).requestAdapter();
    const i = a?.info ?? {};
    process.stdout.write(a ? [i.vendor, i.architecture, i.device, i.description].filter(Boolean).join(' ') || 'adapter' : '');
    process.exit(0);`;
  let name = '';
  try {
    name = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: __dirname,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 60000,
    }).trim();
  } catch {
    name = '';
  }
  process.env.SGDIFF_WEBGPU_ADAPTER = name;
};
