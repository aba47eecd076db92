import test from 'ava';
import { inventory, isInventorySpec } from '../../../core/inventory/define.ts';

test('inventory() brands its spec so the loader can tell it from any default export', (t) => {
  const spec = inventory({ hosts: { a: null } });
  t.true(isInventorySpec(spec));
  t.false(isInventorySpec({ hosts: { a: null } }));
  t.deepEqual(Object.keys(spec), ['hosts'], 'the brand is not enumerable');
  t.throws(() => inventory(null as never), { instanceOf: TypeError });
});

test('inventory() types host vars against V (checked by tsc over the test files)', (t) => {
  interface V {
    port: number;
    name: string;
  }
  const spec = inventory<V>({
    vars: { port: 22 },
    // @ts-expect-error port must be a number
    hosts: { a: { port: 'x' } },
  });
  inventory<V>({
    // @ts-expect-error a var name not in V (a typo) is refused
    hosts: { a: { nmae: 'x' } },
  });
  inventory<V>({
    // @ts-expect-error plain-text passwords are refused at compile time too
    hosts: { a: { ansible_become_password: 'x' } },
  });
  inventory<V>({
    // @ts-expect-error ansible_port is a number
    children: { g: { vars: { ansible_port: '22' } } },
  });
  t.truthy(spec.vars);
});
