/** Tutorial model: the teardown of examples/timerTeardown.ts with stop_timer instead of kill_timer (a use-after-free). */
import { teardown } from './timerTeardown.js';

export default teardown('stop', 'cpu1');
