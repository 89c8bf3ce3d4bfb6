// A JSON-RPC server over this process's stdio with the dummy handlers: what rpc-connection
// tests drive as a child process. YOKE_TEST_MAX_LINE sets the line limit.
import { Connection } from '../../src/server/connection.ts';
import { createRouter } from '../../src/server/router.ts';
import { createStdioTransport } from '../../src/server/stdio-transport.ts';
import { dummyHandlers } from './rpc-fixtures.ts';

const maxLineBytes = Number(process.env.YOKE_TEST_MAX_LINE ?? 64 * 1024 * 1024);
const transport = createStdioTransport({ maxLineBytes });
// The process ends by itself once stdin closes: nothing else keeps the event loop alive.
new Connection(transport, createRouter(dummyHandlers()), { log: () => {} });
