import type { ConsumeMessage } from "amqplib";
import { setImmediate as nextTurn } from "node:timers/promises";
import { AckCoalescer } from "../../shared/engine/queue/ack-coalescer";

const delivery = (tag: number) => ({ fields: { deliveryTag: tag } }) as ConsumeMessage;

describe("AckCoalescer: a channel's acks in as few frames as are safe", () => {
  const setup = (tags: number[]) => {
    const sent: { tag: number; multiple: boolean }[] = [];
    const acks = new AckCoalescer({ ack: (message, allUpTo) => void sent.push({ tag: message.fields.deliveryTag, multiple: allUpTo === true }) });
    const messages = new Map(tags.map((tag) => [tag, delivery(tag)]));
    for (const message of messages.values()) acks.track(message);
    return { acks, sent, message: (tag: number) => messages.get(tag) as ConsumeMessage };
  };

  it("sends one multiple ack for a run of settled oldest deliveries, on the next turn", async () => {
    const { acks, sent, message } = setup([1, 2, 3, 4]);
    for (const tag of [3, 1, 2, 4]) acks.ack(message(tag));
    expect(sent).toEqual([]);
    await nextTurn();
    expect(sent).toEqual([{ tag: 4, multiple: true }]);
  });

  it("acks deliveries behind one still running one by one, and never settles the running one", async () => {
    const { acks, sent, message } = setup([1, 2, 3, 4, 5]);
    for (const tag of [1, 2, 4, 5]) acks.ack(message(tag));
    await nextTurn();
    expect(sent).toEqual([{ tag: 2, multiple: true }, { tag: 4, multiple: false }, { tag: 5, multiple: false }]);
    acks.ack(message(3));
    await nextTurn();
    expect(sent.slice(3)).toEqual([{ tag: 3, multiple: false }]);
  });

  it("leaves nacked deliveries out, and sends nothing for a closed channel", async () => {
    const { acks, sent, message } = setup([1, 2, 3]);
    acks.forget(message(1)); // requeued: settled by its own nack
    acks.ack(message(2));
    acks.ack(message(3));
    acks.flush();
    expect(sent).toEqual([{ tag: 3, multiple: true }]);

    const closed = setup([7, 8]);
    closed.acks.ack(closed.message(7));
    closed.acks.clear();
    await nextTurn();
    expect(closed.sent).toEqual([]);
  });
});
