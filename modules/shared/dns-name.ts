// DNS host names as parameters: checked before they reach a command line (where a leading '-' is an option).

// RFC 1123 host names: labels of letters, digits and '-', not starting or ending with '-', at most 63
// characters each and 253 in all.
const DNS_NAME =
  /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

export function isDnsName(value: unknown): value is string {
  return typeof value === 'string' && DNS_NAME.test(value);
}

/** Throws naming the parameter (`where`: "gnt.node: name") and the value unless it is a DNS host name. */
export function checkDnsName(value: unknown, where: string): asserts value is string {
  if (!isDnsName(value)) {
    throw new Error(
      `${where} ${JSON.stringify(value)} is not a valid host name (DNS labels of letters, digits and '-', not starting or ending with '-', at most 63 characters each, 253 in all)`,
    );
  }
}
