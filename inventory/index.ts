// The local lab as a typed inventory for playbooks/ganeti.ts: `npx drover run playbooks/ganeti.ts -i inventory`.
// Needs a lab up: `npx drover lab up --profile ganeti` (DROVER_LAB=name picks another lab than 'lab').
import { labInventory, readLabState } from '../playbooks/ganeti/lab-inventory.ts';

export { labInventory, readLabState, type LabStateLike } from '../playbooks/ganeti/lab-inventory.ts';

export default labInventory(await readLabState(process.env.DROVER_LAB ?? 'lab'));
