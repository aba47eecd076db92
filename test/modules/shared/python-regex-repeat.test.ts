// A quantifier after an anchor or a lookaround (`$?`, `\Z*`, `(?<=x)?`): drover accepts and refuses
// exactly what the real python3 `re` does (issue 22: `regexp: '$?'` was accepted where Python refuses it).
import { execFileSync } from 'node:child_process';
import test from 'ava';
import { compileLineRegExp } from '../../../modules/shared/python-regex.ts';

const PATTERNS = [
  // anchors repeated: Python says "nothing to repeat"
  ...['$?', '$*', '$+', '${2}', '${,2}', '${,}', 'x$?y', '^$?', '(?m)$*', '(?s)$?', '\\Z?', '\\Z{1}', '\\A*'],
  ...['^*', '^?', '^{1,2}', '(?m)^*', '\\b+', '\\B*', '\\b{2}', '$\\b?', '(?i)*', '(?#c)*', 'x|*', '*'],
  // not repeats, or not of an anchor: accepted
  ...['${}', '${x}', '$ ?', '[$]?', '\\$?', '[\\b]?', 'a$', '(?:$)?', '($)*'],
  // lookarounds may be repeated in Python
  ...[
    '(?=x)*',
    '(?!x)+',
    '(?=x){2}',
    '(?<=x)?',
    '(?<!x)*',
    '(?<=x){2}',
    '(?<!x)*?',
    '((?<=x))*',
    '(?<=(?<=x)?y)?',
    '(?P<n>a)(?<=a)?(?P=n)',
  ],
];

const python: Record<string, string | null> = JSON.parse(
  execFileSync(
    'python3',
    [
      '-c',
      'import json,re,sys\nout={}\nfor p in json.load(sys.stdin):\n  try: re.compile(p); out[p]=None\n  except re.error as e: out[p]=str(e)\nprint(json.dumps(out))',
    ],
    {
      input: JSON.stringify(PATTERNS),
    },
  ).toString(),
);

for (const p of PATTERNS) {
  test(`${JSON.stringify(p)}: as python3 says (${python[p] ?? 'accepted'})`, (t) => {
    const want = python[p];
    if (want === null) {
      t.notThrows(() => compileLineRegExp(p, 'regexp'));
      return;
    }
    const err = t.throws(() => compileLineRegExp(p, 'regexp'));
    t.regex(err!.message, /^regexp: invalid regular expression /);
    // Python's own words where drover checks them itself (the rest is V8's "Nothing to repeat")
    if (/[$Z]/.test(p) && !/\\[bA]/.test(p))
      t.true(err!.message.endsWith(`: ${want}`), `${err!.message} / python: ${want}`);
  });
}

test('a repeated lookbehind matches as in Python', (t) => {
  const probe = (p: string, s: string) => compileLineRegExp(p, 'regexp').exec(s)?.[0] ?? null;
  const py = (p: string, s: string) => {
    const r = execFileSync('python3', [
      '-c',
      'import re,sys\nm=re.search(sys.argv[1],sys.argv[2])\nprint("None" if m is None else repr(m.group(0)))',
      p,
      s,
    ])
      .toString()
      .trim();
    return r === 'None' ? null : r.slice(1, -1);
  };
  for (const [p, s] of [
    ['(?<=x)?y', 'ay'],
    ['(?<=x){2}y', 'xy'],
    ['(?<!x)*y', 'xy'],
    ['a(?<=b)?', 'a'],
  ])
    t.is(probe(p, s), py(p, s), `${p} on ${s}`);
});
