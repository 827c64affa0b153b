import './testing/quiet-fabric-logs';
import { dropDisabledFabricLogLines } from './shim-logging';

interface TestLogger {
  level: string;
  format: { transform(info: unknown, options?: unknown): unknown };
  transports: { silent?: boolean }[];
  debug(message: string): unknown;
  warn(message: string): unknown;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const shimLogging = require('fabric-shim/lib/logger') as { getLogger(name: string): TestLogger };

describe('dropDisabledFabricLogLines', () => {
  it('drops a disabled level before winston formats it, and formats an enabled one as before', () => {
    dropDisabledFabricLogLines();
    const logger = shimLogging.getLogger('lib/handler.js');
    const { level } = logger;
    const silent = logger.transports.map((t) => t.silent);
    const transform = jest.spyOn(logger.format, 'transform');
    logger.level = 'warn';
    for (const t of logger.transports) t.silent = true;
    try {
      logger.debug('the shim writes this at every state call');
      expect(transform).not.toHaveBeenCalled();
      logger.warn('a warning still goes through the formats');
      expect(transform).toHaveBeenCalledTimes(1);
    } finally {
      transform.mockRestore();
      logger.level = level;
      logger.transports.forEach((t, i) => (t.silent = silent[i]));
    }
  });

  it('changes each logger once however often it is called', () => {
    dropDisabledFabricLogLines();
    expect(dropDisabledFabricLogLines()).toBe(0);
  });
});
