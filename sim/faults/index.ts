/** Fault injection for the virtual iPhone: the `fault=` setting's language and what each fault does. */
export { backupFaults, MALFORMED_FRAME, unplug } from './backup-faults.js';
export { hostileAbsoluteDir, lastHostileReport, OTHER_UDID, PLANTED_DIR, PLANTED_FILE, SENTINEL, type HostileAttempt, type HostileReport } from './hostile.js';
export { FAULT_SYNTAX, formatFault, HOSTILE_KINDS, NO_FAULT, parseFault, type FaultSpec, type HostileKind } from './spec.js';
