// Debian's chromium, where installed (the dashboard benches drive it through puppeteer-core).
import * as fs from 'fs';

export const chromiumPath = (): string | undefined =>
  ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => fs.existsSync(p));
