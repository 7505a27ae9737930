import { AfricasTalkingSmsSender } from './at-sms.sender';
import type { Config } from '../../src/config';
import type { Logger } from '../../src/common/logger';
import { DevSmsSender } from './dev-sms.sender';
import type { SmsSender } from '../../src/notification/sms.port';

/** Africa's Talking when AT_USERNAME and AT_API_KEY are set; otherwise the development sender, which only logs. */
export function createSmsSender(config: Config, logger: Logger): SmsSender {
  if (config.AT_USERNAME && config.AT_API_KEY) return AfricasTalkingSmsSender.fromConfig(config, logger);
  if (config.NODE_ENV === 'production')
    logger.error("SMS: no Africa's Talking credentials in production; messages are only logged");
  return new DevSmsSender(logger);
}
