/**
 * Routes kafkajs's own logging into Shamdan's JSON logger, so a service writes one log format. kafkajs
 * internals are chatty (INFO on every join/commit), so the Kafka client is created at WARN by default.
 */
import { type logCreator, logLevel } from "kafkajs";
import type { Logger } from "../../core/log.ts";

/**
 * `quiet`: while it returns true (the bus is waiting for Kafka and has said so once, see
 * kafka-availability.ts), kafkajs's errors and warnings go to debug: they repeat per reconnect attempt.
 */
export function kafkaLogCreator(logger: Logger, quiet: () => boolean = () => false): logCreator {
  return () =>
    ({ namespace, level, log }) => {
      // `timestamp` and `logger` duplicate what the JSON logger writes itself.
      const { message, timestamp: _timestamp, logger: _logger, ...extra } = log;
      const fields = { kafkajs: namespace, ...extra };
      if (level <= logLevel.WARN && level !== logLevel.NOTHING && quiet()) logger.debug(message, fields);
      else if (level === logLevel.ERROR || level === logLevel.NOTHING) logger.error(message, fields);
      else if (level === logLevel.WARN) logger.warn(message, fields);
      else if (level === logLevel.INFO) logger.info(message, fields);
      else logger.debug(message, fields);
    };
}

/** Shamdan's level names for kafkajs's numeric levels. */
export const kafkaLogLevels = {
  error: logLevel.ERROR,
  warn: logLevel.WARN,
  info: logLevel.INFO,
  debug: logLevel.DEBUG,
} as const;
