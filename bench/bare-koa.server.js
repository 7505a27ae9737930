// The yardstick: a bare Koa app answering a constant USSD screen. Run as a child of ussd.bench.ts.
/* global process */
const Koa = require('koa');

const app = new Koa();
const screen =
  'CON Welcome to VoicePact\n1. View My Contracts\n2. Confirm Delivery\n3. Check Payments\n4. Help & Support\n0. Exit';
app.use((ctx) => {
  ctx.type = 'text/plain';
  ctx.body = screen;
});
const server = app.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
