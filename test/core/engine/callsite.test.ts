// Where a playbook error came from: the first stack frame outside drover, relative to the cwd.
import path from 'node:path';
import test from 'ava';
import { locatedMessage } from '../../../core/engine/callsite.ts';

const here = path.relative(process.cwd(), import.meta.filename);

test('locatedMessage prefixes the line that threw', (t) => {
  const err = new Error('no master'); // line 9
  t.is(locatedMessage(err), `${here}:9: no master`);
});

test('a message spanning lines is not read as stack frames', (t) => {
  // A message line that looks like a frame (a command's stderr, say) must not be taken for the callsite.
  const err = new Error('command failed:\n    at fake (/tmp/elsewhere.ts:99:1)'); // line 15
  t.is(locatedMessage(err), `${here}:15: ${err.message}`);
});

test('a message that already names its line, or a thrown non-Error, is left as is', (t) => {
  const err = new Error(`command failed on h1 (${here}:20): exit 1`); // line 20
  t.is(locatedMessage(err), err.message);
  t.is(locatedMessage('just a string'), 'just a string');
});

test('a subclass naming itself in a field is read the same way', (t) => {
  class StepError extends Error {
    override name = 'StepError';
  }
  const err = new StepError('step failed:\n    at fake (/tmp/elsewhere.ts:99:1)'); // line 29
  t.is(locatedMessage(err), `${here}:29: ${err.message}`);
});
