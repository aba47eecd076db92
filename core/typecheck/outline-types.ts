// The shapes of a playbook's outline: phases, module calls, rolling options, values one phase hands to another.

export interface ModuleCallOutline {
  kind: 'module-call';
  /** The module's name (`defineModule({ name })`), else the callee as written. */
  module: string;
  /** Short description from literal params (`/etc/hosts`, atoms); '' when none is literal. */
  title: string;
  file: string;
  line: number;
  /** Under if/else, ?:, &&/||/??, switch, a loop, catch or a nested callback: may run zero or many times. */
  conditional: boolean;
  /** Reached through a local helper function: its name and the line that calls it. */
  via: { fn: string; file: string; line: number } | null;
  /** Name of the enclosing phase; null for a module call outside any phase (worth a warning). */
  phase: string | null;
}

export interface PhaseOutline {
  kind: 'phase';
  method: 'each' | 'on' | 'onEach' | 'rolling';
  /** The phase name: the string literal's value, else its source text. */
  name: string;
  /** Source text of on/onEach's target(s); null for each. */
  target: string | null;
  file: string;
  line: number;
  /** The phase itself sits under a condition or in a loop. */
  conditional: boolean;
  calls: ModuleCallOutline[];
  /** Only on a phase inside a rolling phase: the rolling phase's name (it is selected as a whole). */
  parent?: string;
  /** Only on a phase started in a local helper the body passed the play to: the helper and its call. */
  via?: { fn: string; file: string; line: number };
  /** Only on a rolling phase: its options as written (`batch`, `maxFailed`), and the values when literal. */
  rolling?: RollingOutline;
  /** Only when the phase's result is kept in a variable that later code reads (see phase-values.ts). */
  produces?: ProducedValue[];
}

export interface RollingOutline {
  batch: string;
  maxFailed: string | null;
  /** The batch sizes when literal (then `drover list -i` can plan the batches), else null. */
  batchValue: (number | string)[] | number | string | null;
  /** maxFailed when literal; null when computed; undefined when not given (the default, 0). */
  maxFailedValue?: { count: number } | { percent: number } | null;
}

/** A variable holding a phase's result, and where it is read. */
export interface ProducedValue {
  variable: string;
  file: string;
  line: number;
  /** The top-level phase reading it, or null for code outside any phase (it runs whatever is selected). */
  usedBy: { phase: string | null; file: string; line: number }[];
}

/** In source order: phases, and module calls made outside any phase. */
export type OutlineItem = PhaseOutline | ModuleCallOutline;
