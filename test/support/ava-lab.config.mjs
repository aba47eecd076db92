// ava settings for `npm run test:lab`: package.json's, only the tests that need root and the lab (*.lab.test.ts).
import pkg from '../../package.json' with { type: 'json' };

export default { ...pkg.ava, files: ['test/**/*.lab.test.ts'] };
