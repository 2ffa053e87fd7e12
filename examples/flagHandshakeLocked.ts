/** The flag handshake of flagHandshake.ts with `dev_lock` held around the check and the set. */
import { flagHandshake } from './flagHandshake.js';

export default flagHandshake(true);
