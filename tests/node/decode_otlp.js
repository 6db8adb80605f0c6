// Decodes an OTLP/HTTP logs request body with the OpenTelemetry project's
// own protobuf definitions (the protobufjs module @opentelemetry/otlp-transformer
// ships) and prints it as JSON: ids as hex, 64-bit integers as strings.
//   node decode_otlp.js protobuf|json BODY_FILE
// A JSON body is checked strictly: every key must be a field the
// definitions know (OTLP/JSON names), or the script fails.
"use strict";
const fs = require("fs");
const root = require("@opentelemetry/otlp-transformer/build/src/generated/root");

const Request = root.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
const [mode, file] = process.argv.slice(2);
const body = fs.readFileSync(file);
const opts = { longs: String, enums: Number, bytes: Array, defaults: false, oneofs: false };

function hexify(v) {
  if (Array.isArray(v) && v.every((x) => typeof x === "number")) {
    return Buffer.from(v).toString("hex");
  }
  if (Array.isArray(v)) return v.map(hexify);
  if (v && typeof v === "object") {
    const out = {};
    for (const [k, x] of Object.entries(v)) out[k] = hexify(x);
    return out;
  }
  return v;
}

// OTLP/JSON writes trace and span ids as hex; protobufjs expects base64.
function idsToBase64(v) {
  if (Array.isArray(v)) return v.map(idsToBase64);
  if (v && typeof v === "object") {
    const out = {};
    for (const [k, x] of Object.entries(v)) {
      out[k] = (k === "traceId" || k === "spanId") && typeof x === "string"
        ? Buffer.from(x, "hex").toString("base64") : idsToBase64(x);
    }
    return out;
  }
  return v;
}

// Every key of `input` must survive the round trip through the definitions.
function unknownKeys(input, decoded, path, out) {
  if (Array.isArray(input)) {
    input.forEach((x, i) => unknownKeys(x, decoded ? decoded[i] : undefined, `${path}[${i}]`, out));
  } else if (input && typeof input === "object") {
    for (const [k, x] of Object.entries(input)) {
      if (!decoded || !(k in decoded)) out.push(`${path}.${k}`);
      else unknownKeys(x, decoded[k], `${path}.${k}`, out);
    }
  }
  return out;
}

function deepEqual(a, b) {
  if (typeof a === "number" && typeof b === "string") return String(a) === b;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (a && typeof a === "object") {
    return b && typeof b === "object" && Object.keys(a).every((k) => deepEqual(a[k], b[k]));
  }
  return a === b;
}

let message;
if (mode === "protobuf") {
  message = Request.decode(body);
} else if (mode === "json") {
  const input = idsToBase64(JSON.parse(body.toString("utf8")));
  message = Request.fromObject(input);
  const back = Request.toObject(message, { longs: String, enums: Number, bytes: String });
  const bad = unknownKeys(input, back, "", []);
  if (bad.length) throw new Error(`keys the OTLP definitions do not know: ${bad.join(", ")}`);
  // And every value must read back as written (types included).
  const same = deepEqual(input, back);
  if (!same) throw new Error("values change when read by the OTLP definitions");
} else {
  throw new Error("usage: decode_otlp.js protobuf|json FILE");
}
process.stdout.write(JSON.stringify(hexify(Request.toObject(message, opts))));
