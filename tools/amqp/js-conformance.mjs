// Drives Omni's queues with the official Service Bus SDK for JavaScript, as an app would:
//   1. sends message requests to the outbound queue as one batch (createMessageBatch + tryAddMessage),
//   2. schedules one more request (scheduleMessages returns its sequence number) and peeks it by that number
//      (peekMessages), then schedules another for later and cancels it (cancelScheduledMessages),
//   3. reads app events from the app-events queue with subscribe (processMessage) and completes each, until every sent
//      request has an event with the wanted status, or the time is up.
// Prints one JSON object on stdout; errors go to stderr and the exit code is 1.
//
// Usage: SERVICEBUS_CONNECTION_STRING='Endpoint=sb://127.0.0.1:5672;...;UseDevelopmentEmulator=true' \
//   node tools/amqp/js-conformance.mjs '{"outbound":"outbound","appEvents":"app-events","messages":[{...}],
//     "scheduled":{...},"scheduleDelayMs":3000,"cancelled":{...},"untilStatus":"delivered","timeoutMs":90000}'
// Every message request needs an "id": it is also the Service Bus MessageId (duplicate detection's key).
import { ServiceBusClient } from "@azure/service-bus";

const connectionString = process.env.SERVICEBUS_CONNECTION_STRING;
if (!connectionString) {
  console.error("Set SERVICEBUS_CONNECTION_STRING.");
  process.exit(2);
}
const config = JSON.parse(process.argv[2] ?? "{}");
const { outbound = "outbound", appEvents = "app-events", messages = [], scheduled, cancelled, scheduleDelayMs = 3000 } = config;
const untilStatus = config.untilStatus ?? "delivered";
const deadline = Date.now() + (config.timeoutMs ?? 90_000);
const abortSignal = AbortSignal.timeout(config.timeoutMs ?? 90_000);

const client = new ServiceBusClient(connectionString, { retryOptions: { maxRetries: 2, timeoutInMs: 20_000 } });
const result = { sent: [], batchCount: 0, scheduled: null, peeked: [], cancelled: null, events: [] };
try {
  const sender = client.createSender(outbound);
  const batch = await sender.createMessageBatch({ abortSignal });
  for (const request of messages) {
    const added = batch.tryAddMessage({ body: request, contentType: "application/json", messageId: request.id });
    if (!added) throw new Error(`Message ${request.id} does not fit the batch.`);
    result.sent.push(request.id);
  }
  result.batchCount = batch.count;
  await sender.sendMessages(batch, { abortSignal });

  const receiver = client.createReceiver(outbound, { receiveMode: "peekLock" });
  if (scheduled) {
    const at = new Date(Date.now() + scheduleDelayMs);
    const [sequenceNumber] = await sender.scheduleMessages(
      { body: scheduled, contentType: "application/json", messageId: scheduled.id }, at, { abortSignal });
    result.sent.push(scheduled.id);
    result.scheduled = { messageId: scheduled.id, sequenceNumber: sequenceNumber.toString() };
    const peeked = await receiver.peekMessages(1, { fromSequenceNumber: sequenceNumber, abortSignal });
    result.peeked = peeked.map((m) => ({
      messageId: m.messageId,
      sequenceNumber: m.sequenceNumber?.toString(),
      state: m.state,
      body: m.body,
    }));
  }
  if (cancelled) {
    const [sequenceNumber] = await sender.scheduleMessages(
      { body: cancelled, contentType: "application/json", messageId: cancelled.id }, new Date(Date.now() + 600_000), { abortSignal });
    await sender.cancelScheduledMessages(sequenceNumber, { abortSignal });
    const after = await receiver.peekMessages(10, { fromSequenceNumber: sequenceNumber, abortSignal });
    result.cancelled = { messageId: cancelled.id, sequenceNumber: sequenceNumber.toString(), peekedAfterCancel: after.map((m) => m.messageId) };
  }
  await receiver.close();
  await sender.close();

  // App events name the Omni message they belong to (messageId in the body).
  const waiting = new Set(result.sent);
  const eventsReceiver = client.createReceiver(appEvents, { receiveMode: "peekLock" });
  await new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
    const subscription = eventsReceiver.subscribe(
      {
        async processMessage(message) {
          const event = typeof message.body === "string" ? JSON.parse(message.body)
            : Buffer.isBuffer(message.body) ? JSON.parse(message.body.toString("utf8")) : message.body;
          await eventsReceiver.completeMessage(message);
          result.events.push({ messageId: message.messageId, subject: message.subject, kind: event.kind, status: event.status, omniMessageId: event.messageId });
          if (event.status === untilStatus) waiting.delete(event.messageId);
          if (waiting.size === 0) {
            clearTimeout(timer);
            resolve();
          }
        },
        async processError(args) {
          clearTimeout(timer);
          reject(args.error);
        },
      },
      { autoCompleteMessages: false, maxConcurrentCalls: 1 },
    );
    abortSignal.addEventListener("abort", () => subscription.close());
  });
  await eventsReceiver.close();
  result.waitingFor = [...waiting];
  if (waiting.size > 0) {
    console.error(`No '${untilStatus}' app event in time for: ${[...waiting].join(", ")}`);
    process.exitCode = 1;
  }
  console.log(JSON.stringify(result));
} catch (error) {
  console.error(error?.stack ?? String(error));
  console.log(JSON.stringify(result));
  process.exitCode = 1;
} finally {
  await client.close();
}
