import { describe, expect, it } from 'vitest';
import { PublishSlots } from './publish-slots.js';

describe('PublishSlots', () => {
  it('refuses past capacity and frees a slot exactly once per release', () => {
    const slots = new PublishSlots(2);
    const first = slots.acquire();
    slots.acquire();
    expect(() => slots.acquire()).toThrow(expect.objectContaining({ code: 'REG_ERR_TOO_MANY_PUBLISHES' }));
    first();
    first();
    expect(slots.used).toBe(1);
    slots.acquire();
    expect(() => slots.acquire()).toThrow();
  });
});
