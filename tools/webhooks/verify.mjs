// Verifies an Omni webhook (Standard Webhooks, symmetric v1) with Node's crypto only: the example of docs/webhooks.md.
//
// As a module:  import { verify } from "./verify.mjs";
//               verify(secret, { "webhook-id": ..., "webhook-timestamp": ..., "webhook-signature": ... }, rawBodyBuffer)
// From a shell: node verify.mjs <secret> <webhook-id> <webhook-timestamp> <webhook-signature> < body
//               prints "valid" and exits 0, or prints the reason and exits 1.
import { createHmac, timingSafeEqual } from "node:crypto";
import { fileURLToPath } from "node:url";

const TOLERANCE_SECONDS = 5 * 60; // refuse replays: the timestamp must be within 5 minutes of now

// whsec_<base64> → the base64-decoded key; any other (pre-whsec) secret → its UTF-8 bytes, as Omni signs.
function key(secret) {
  return secret.startsWith("whsec_") ? Buffer.from(secret.slice(6), "base64") : Buffer.from(secret, "utf8");
}

export function verify(secret, headers, body, nowSeconds = Math.floor(Date.now() / 1000)) {
  const id = headers["webhook-id"];
  const timestamp = headers["webhook-timestamp"];
  const signatures = headers["webhook-signature"];
  if (!id || !timestamp || !signatures) return "missing webhook-id, webhook-timestamp or webhook-signature";
  if (!/^\d+$/.test(timestamp) || Math.abs(nowSeconds - Number(timestamp)) > TOLERANCE_SECONDS) return "timestamp outside tolerance";

  // Sign exactly the bytes received: never a re-serialised JSON body.
  const expected = createHmac("sha256", key(secret)).update(`${id}.${timestamp}.`).update(body).digest();
  for (const entry of signatures.split(" ")) {
    const [version, value] = entry.split(",", 2);
    const given = Buffer.from(value ?? "", "base64");
    // Several signatures during a rotation: any v1 one that matches, compared in constant time.
    if (version === "v1" && given.length === expected.length && timingSafeEqual(given, expected)) return null;
  }
  return "no matching signature";
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [secret, id, timestamp, signature] = process.argv.slice(2);
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  const error = verify(secret ?? "", { "webhook-id": id, "webhook-timestamp": timestamp, "webhook-signature": signature }, Buffer.concat(chunks));
  console.log(error ?? "valid");
  process.exitCode = error ? 1 : 0;
}
