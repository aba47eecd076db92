// Accounts: the user, group and authorizedKey modules (what `drover/modules` exports of them).
export { user, type UserParams, type UserResult } from './user.ts';
export { group, type GroupParams, type GroupResult } from './group.ts';
export { authorizedKey, type AuthorizedKeyParams, type AuthorizedKeyResult } from './authorized-key.ts';
