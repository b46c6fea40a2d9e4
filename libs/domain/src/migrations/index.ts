import { Foundation1763800000000 } from './1763800000000-foundation';

/** Every migration, oldest first. New migrations are appended here and committed. */
export const MIGRATIONS = [Foundation1763800000000];
