import { describe, expect, test } from '@jest/globals';
import { redisAnswers } from '../src/infra/redis-bootstrap.js';

describe('test foundation', () => {
  test('when the suite starts, then a Redis answers at REDIS_URL', async () => {
    expect(await redisAnswers(process.env.REDIS_URL!)).toBe(true);
  });
  test('when nothing listens on a port, then redisAnswers says no instead of hanging', async () => {
    expect(await redisAnswers('redis://127.0.0.1:1', 300)).toBe(false);
  });
});
