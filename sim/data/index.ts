/**
 * The virtual phone's data: a DeviceFileSystem generated from a seed — import from here.
 *
 * Nouns (details in the modules): the *base* is what a phone of (seed, identity, profile) holds, built
 * lazily (databases once into the state dir, bulk files streamed from a per-seed pool); the *overlay*
 * is every change since (mutate(), restore writes), persisted in the state dir; *truth* is the model
 * readers are checked against.
 */
export { createDeviceFileSystem, VirtualDeviceFileSystem, type DeviceFileSystemOptions } from './filesystem.js';
export { DEFAULT_PROFILE, makePlan, validateProfile, type Plan } from './profile.js';
export { SimDataError } from './errors.js';
export { NAME_MAX, PATH_MAX } from './paths.js';
export type * from './types.js';
