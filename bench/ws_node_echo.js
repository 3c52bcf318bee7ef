// Node.js `ws` echo server for bench/ws_bench.sh (the reference the issue names).
//   node ws_node_echo.js PORT [deflate]
const { WebSocketServer } = require('ws');
const port = Number(process.argv[2] || 0);
const wss = new WebSocketServer({ port, host: '127.0.0.1', perMessageDeflate: process.argv[3] === 'deflate',
                                  maxPayload: 64 * 1024 * 1024 });
wss.on('listening', () => console.log(`listening on ${wss.address().port}`));
wss.on('connection', (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })));
