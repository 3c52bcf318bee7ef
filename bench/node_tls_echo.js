// Node.js TLS echo server, the comparison point of bench/tls_bench.sh.
//
//   node bench/node_tls_echo.js KEY.pem CERT.pem [PORT]
//
// Raw echo (every byte back as it came), with Node's own backpressure
// (socket.pipe(socket) pauses reading while the write side is full). Session
// resumption is Node's default: TLS 1.3 tickets and TLS 1.2 session tickets.
// Listens on 127.0.0.1 (PORT 0 = any free port) and prints
// "listening on 127.0.0.1:PORT" once ready.
"use strict";
const fs = require("fs");
const tls = require("tls");

const [keyFile, certFile, portArg] = process.argv.slice(2);
if (!keyFile || !certFile) {
  console.error("usage: node node_tls_echo.js KEY.pem CERT.pem [PORT]");
  process.exit(2);
}

const server = tls.createServer(
  {
    key: fs.readFileSync(keyFile),
    cert: fs.readFileSync(certFile),
    minVersion: "TLSv1.2",
  },
  (socket) => {
    socket.setNoDelay(true);
    socket.on("error", () => socket.destroy());
    socket.pipe(socket);
  }
);
server.on("tlsClientError", () => {});
server.listen(Number(portArg || 0), "127.0.0.1", () => {
  console.log(`node ${process.version} TLS echo server listening on 127.0.0.1:${server.address().port}`);
});
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => process.exit(0));
