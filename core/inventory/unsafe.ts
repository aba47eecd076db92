// `!unsafe` text: a value Ansible never templates, kept apart from strings until the templated view unwraps it.

/** The text of a `!unsafe` value; shown as the text itself (JSON, String). */
export class UnsafeText {
  constructor(readonly text: string) {}
  toJSON(): string {
    return this.text;
  }
  toString(): string {
    return this.text;
  }
}
