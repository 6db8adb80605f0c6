// Reads a CloudEvents HTTP message (structured or batch JSON) with the
// CloudEvents JavaScript SDK, validates every event against the 1.0 spec,
// and prints them as a JSON array.
//   node decode_cloudevents.js CONTENT_TYPE BODY_FILE
"use strict";
const fs = require("fs");
const { HTTP } = require("cloudevents");

const [contentType, file] = process.argv.slice(2);
const body = fs.readFileSync(file, "utf8");
let events = HTTP.toEvent({ headers: { "content-type": contentType }, body });
if (!Array.isArray(events)) events = [events];
for (const e of events) e.validate();
process.stdout.write(JSON.stringify(events.map((e) => e.toJSON())));
